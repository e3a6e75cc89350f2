/**
 * The pure parts of the background wiring: webNavigation edge conversion, the badge model, sender checks.
 */
import { describe, expect, it } from 'vitest';
import { toNavigationEvent } from '../../src/core/convert/navigation';
import { serviceOf } from '../../src/core/catalogue/match';
import { badgeModel, BADGE_COLORS } from '../../src/core/badge';
import { acceptMessage, isCsSender, isUiSender } from '../../src/background/sender';

describe('webNavigation edge', () => {
  it('Chromium main-frame redirect loop: onErrorOccurred net::ERR_TOO_MANY_REDIRECTS', () => {
    const ev = toNavigationEvent(
      'error',
      {
        tabId: 7,
        frameId: 0,
        timeStamp: 5,
        url: 'https://login.taobao.com/member/login.jhtml?x=SECRET',
        error: 'net::ERR_TOO_MANY_REDIRECTS',
      },
      serviceOf,
    );
    expect(ev).toEqual({
      kind: 'error',
      t: 5,
      tabId: 7,
      frameId: 0,
      host: 'login.taobao.com',
      service: 'login',
      path: '/member/login.jhtml',
      error: 'net::ERR_TOO_MANY_REDIRECTS',
      errorKind: 'http.redirect_loop',
      errorPhase: 'application',
    });
  });
  it('Firefox: "Error code 2152398879" is a redirect loop', () => {
    const ev = toNavigationEvent(
      'error',
      { tabId: 1, frameId: 0, timeStamp: 1, url: 'https://login.taobao.com/', error: 'Error code 2152398879' },
      serviceOf,
    );
    expect(ev?.errorKind).toBe('http.redirect_loop');
  });
  it('keeps transition type and qualifiers (client_redirect) of commits; drops unwatched hosts', () => {
    const ev = toNavigationEvent(
      'committed',
      {
        tabId: 1,
        frameId: 0,
        timeStamp: 1,
        url: 'https://www.taobao.com/a',
        transitionType: 'link',
        transitionQualifiers: ['client_redirect'],
      },
      serviceOf,
    );
    expect(ev).toMatchObject({ transition: 'link', qualifiers: ['client_redirect'], service: 'shopping' });
    expect(
      toNavigationEvent('committed', { tabId: 1, frameId: 0, timeStamp: 1, url: 'https://example.com/' }, serviceOf),
    ).toBeNull();
    expect(
      toNavigationEvent('committed', { tabId: 1, frameId: 0, timeStamp: 1, url: 'about:blank' }, serviceOf),
    ).toBeNull();
  });
});

type S = import('../../src/core/types').ServiceSummary;
const svc = (id: S['id'], state: S['state']): S => ({
  id,
  state,
  requests: 10,
  failures: state === 'ok' ? 0 : 5,
  hosts: [],
});

describe('badge model (verdict-driven)', () => {
  it('is quiet when healthy or before any diagnosis', () => {
    expect(badgeModel({ verdict: 'healthy', cause: 'none', services: [svc('cdn', 'ok')] }, 'en')).toMatchObject({
      text: '',
      color: BADGE_COLORS.healthy,
    });
    expect(badgeModel({ verdict: 'healthy', cause: 'none', services: [] }, 'zh_CN').title).toBe(
      '谁的锅：受监测的阿里系网站一切正常',
    );
    expect(badgeModel(null, 'en').text).toBe('');
  });
  it('says whose fault it is in words, not colour alone, with a tooltip sentence naming the cause and services', () => {
    const p = badgeModel(
      {
        verdict: 'provider',
        cause: 'auth-service',
        services: [svc('oss', 'failing'), svc('openapi', 'degraded'), svc('cdn', 'ok')],
      },
      'en',
    );
    expect(p.text).toBe('THEM');
    expect(p.color).toBe(BADGE_COLORS.provider);
    expect(p.title).toContain('Faultline: ');
    expect(p.title).toContain('Object Storage (OSS), Alibaba Cloud OpenAPI');
    expect(p.title).not.toContain('CDN');
    const u = badgeModel({ verdict: 'user', cause: 'blocked-by-extension', services: [] }, 'zh_CN');
    expect(u.text).toBe('我');
    expect(u.color).toBe(BADGE_COLORS.user);
    expect(u.title).toMatch(/^谁的锅：问题出在你这边——/);
    expect(badgeModel({ verdict: 'unclear', cause: 'insufficient-evidence', services: [] }, 'en').text).toBe('?');
    expect(badgeModel({ verdict: 'provider', cause: 'outage', services: [] }, 'zh_CN').text).toBe('阿里');
  });
});

describe('sender checks', () => {
  const ID = 'abcdefghijklmnopabcdefghijklmnop';
  const BASE = `chrome-extension://${ID}/`;
  it('UI messages only from our own pages', () => {
    expect(isUiSender({ id: ID, url: `${BASE}src/popup/index.html` }, ID, BASE)).toBe(true);
    expect(isUiSender({ id: ID, url: 'https://www.taobao.com/', tab: { id: 3 } }, ID, BASE)).toBe(false);
    expect(isUiSender({ id: 'other', url: `chrome-extension://other/x.html` }, ID, BASE)).toBe(false);
    expect(
      acceptMessage({ type: 'ui/clear-history' }, { id: ID, url: 'https://evil.example/', tab: { id: 1 } }, ID, BASE),
    ).toBeNull();
    expect(acceptMessage({ type: 'ui/get-state' }, { id: ID, url: `${BASE}src/popup/index.html` }, ID, BASE)).toEqual({
      type: 'ui/get-state',
    });
  });
  it('CS messages only with a tab; unknown types are refused', () => {
    expect(isCsSender({ id: ID, url: 'https://www.taobao.com/', tab: { id: 3 } }, ID)).toBe(true);
    expect(isCsSender({ id: ID, url: `${BASE}src/popup/index.html` }, ID)).toBe(false);
    expect(
      acceptMessage({ type: 'cs/broken-images', images: [] }, { id: ID, url: `${BASE}x.html` }, ID, BASE),
    ).toBeNull();
    expect(acceptMessage({ type: 'bg/whatever' }, { id: ID, url: `${BASE}x.html` }, ID, BASE)).toBeNull();
    expect(acceptMessage('ui/get-state', { id: ID, url: `${BASE}x.html` }, ID, BASE)).toBeNull();
  });
});
