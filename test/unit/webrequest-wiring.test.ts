/**
 * The pure parts of the background wiring: webNavigation edge conversion, the badge model, sender checks.
 */
import { describe, expect, it } from 'vitest';
import { NavigationLog, toNavigationEvent } from '../../src/core/convert/navigation';
import { serviceOf } from '../../src/core/catalogue/match';
import { badgeModel, countsForBadge, RecentFailures, BADGE_WINDOW_MS } from '../../src/core/badge';
import { acceptMessage, isCsSender, isUiSender } from '../../src/background/sender';
import type { RequestOutcome } from '../../src/core/types';

describe('webNavigation edge', () => {
  it('Chromium main-frame redirect loop: onErrorOccurred net::ERR_TOO_MANY_REDIRECTS', () => {
    const ev = toNavigationEvent('error', { tabId: 7, frameId: 0, timeStamp: 5, url: 'https://login.taobao.com/member/login.jhtml?x=SECRET', error: 'net::ERR_TOO_MANY_REDIRECTS' }, serviceOf);
    expect(ev).toEqual({ kind: 'error', t: 5, tabId: 7, frameId: 0, host: 'login.taobao.com', service: 'login', path: '/member/login.jhtml', error: 'net::ERR_TOO_MANY_REDIRECTS', errorKind: 'http.redirect_loop', errorPhase: 'application' });
  });
  it('Firefox: "Error code 2152398879" is a redirect loop', () => {
    const ev = toNavigationEvent('error', { tabId: 1, frameId: 0, timeStamp: 1, url: 'https://login.taobao.com/', error: 'Error code 2152398879' }, serviceOf);
    expect(ev?.errorKind).toBe('http.redirect_loop');
  });
  it('keeps transition type and qualifiers (client_redirect) of commits; drops unwatched hosts', () => {
    const ev = toNavigationEvent('committed', { tabId: 1, frameId: 0, timeStamp: 1, url: 'https://www.taobao.com/a', transitionType: 'link', transitionQualifiers: ['client_redirect'] }, serviceOf);
    expect(ev).toMatchObject({ transition: 'link', qualifiers: ['client_redirect'], service: 'shopping' });
    expect(toNavigationEvent('committed', { tabId: 1, frameId: 0, timeStamp: 1, url: 'https://example.com/' }, serviceOf)).toBeNull();
    expect(toNavigationEvent('committed', { tabId: 1, frameId: 0, timeStamp: 1, url: 'about:blank' }, serviceOf)).toBeNull();
  });
  it('NavigationLog is bounded per tab and in tabs', () => {
    const log = new NavigationLog(3, 2);
    for (let i = 0; i < 5; i++) log.add({ kind: 'committed', t: i, tabId: 1, frameId: 0, host: 'a.taobao.com', service: 'shopping', path: '/' });
    expect(log.tab(1).map((e) => e.t)).toEqual([2, 3, 4]);
    log.add({ kind: 'committed', t: 0, tabId: 2, frameId: 0, host: 'a.taobao.com', service: 'shopping', path: '/' });
    log.add({ kind: 'committed', t: 0, tabId: 3, frameId: 0, host: 'a.taobao.com', service: 'shopping', path: '/' });
    expect(log.tab(1)).toEqual([]);
  });
});

const o = (t: number, service: RequestOutcome['service'], kind: RequestOutcome['kind'], source: RequestOutcome['source'] = 'browser') =>
  ({ t, service, kind, source }) as const;

describe('badge model', () => {
  it('counts failing watched services; ignores aborts, telemetry, status pages, probes and unwatched', () => {
    expect(countsForBadge(o(0, 'cdn', 'http.4xx'))).toBe(true);
    expect(countsForBadge(o(0, 'cdn', 'aborted'))).toBe(false);
    expect(countsForBadge(o(0, 'cdn', 'ok'))).toBe(false);
    expect(countsForBadge(o(0, 'telemetry', 'tcp.reset'))).toBe(false);
    expect(countsForBadge(o(0, 'status', 'tcp.reset'))).toBe(false);
    expect(countsForBadge(o(0, 'cdn', 'tcp.reset', 'probe'))).toBe(false);
    expect(countsForBadge(o(0, null, 'tcp.reset'))).toBe(false);
  });
  it('window of 10 minutes, one per service', () => {
    const r = new RecentFailures();
    const now = 100 * 60_000;
    r.note(o(now - BADGE_WINDOW_MS - 1, 'oss', 'http.5xx'));
    r.note(o(now - 1000, 'cdn', 'http.4xx'));
    r.note(o(now - 500, 'cdn', 'tcp.reset'));
    r.note(o(now - 5, 'mtop', 'http.5xx'));
    expect(r.failing(now)).toEqual(['cdn', 'mtop']);
    expect(r.failing(now + BADGE_WINDOW_MS)).toEqual([]);
  });
  it('text, colour and a tooltip in the UI language', () => {
    expect(badgeModel([], 'en')).toMatchObject({ text: '' });
    expect(badgeModel([], 'en').title).toMatch(/no failures/);
    const two = badgeModel(['cdn', 'oss'], 'en');
    expect(two.text).toBe('2');
    expect(two.color).toBe('#d93025');
    expect(two.title).toBe('Faultline: 2 watched services had failures in the last 10 minutes: CDN and images (alicdn), Object Storage (OSS)');
    expect(badgeModel(['oss'], 'zh_CN').title).toBe('谁的锅：过去 10 分钟内有 1 个受监测的服务出现故障：对象存储 OSS');
  });
});

describe('sender checks', () => {
  const ID = 'abcdefghijklmnopabcdefghijklmnop';
  const BASE = `chrome-extension://${ID}/`;
  it('UI messages only from our own pages', () => {
    expect(isUiSender({ id: ID, url: `${BASE}src/popup/index.html` }, ID, BASE)).toBe(true);
    expect(isUiSender({ id: ID, url: 'https://www.taobao.com/', tab: { id: 3 } }, ID, BASE)).toBe(false);
    expect(isUiSender({ id: 'other', url: `chrome-extension://other/x.html` }, ID, BASE)).toBe(false);
    expect(acceptMessage({ type: 'ui/clear-history' }, { id: ID, url: 'https://evil.example/', tab: { id: 1 } }, ID, BASE)).toBeNull();
    expect(acceptMessage({ type: 'ui/get-state' }, { id: ID, url: `${BASE}src/popup/index.html` }, ID, BASE)).toEqual({ type: 'ui/get-state' });
  });
  it('CS messages only with a tab; unknown types are refused', () => {
    expect(isCsSender({ id: ID, url: 'https://www.taobao.com/', tab: { id: 3 } }, ID)).toBe(true);
    expect(isCsSender({ id: ID, url: `${BASE}src/popup/index.html` }, ID)).toBe(false);
    expect(acceptMessage({ type: 'cs/broken-images', images: [] }, { id: ID, url: `${BASE}x.html` }, ID, BASE)).toBeNull();
    expect(acceptMessage({ type: 'bg/whatever' }, { id: ID, url: `${BASE}x.html` }, ID, BASE)).toBeNull();
    expect(acceptMessage('ui/get-state', { id: ID, url: `${BASE}x.html` }, ID, BASE)).toBeNull();
  });
});
