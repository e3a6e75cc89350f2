import { describe, expect, it } from 'vitest';
import { EXTRA_FIXTURES, FIXTURES, FIXTURE_NOW } from '../fixtures/popup-states';
import { makeResolver, effectiveLang } from '../../src/ui/texts';
import {
  adviceView,
  browserName,
  clearCookiesOrigin,
  evidenceView,
  exportFileName,
  headlineView,
  servicesView,
  shortTime,
  statusPageFor,
  timelineView,
} from '../../src/popup/view-model';
import { STATE_TIMEOUT_MS, TimeoutError, withTimeout } from '../../src/ui/connector-api';
import { createMockConnector } from '../fixtures/connector-mock';
import { STATUS_PAGES } from '../../src/core/catalogue/services';
import { VERDICTS } from '../../src/core/types';
import { diagnose } from '../../src/core/engine';
import { badgeModel } from '../../src/core/badge';
import { apiOk, apiRefused, o, okImgs, ossOk, ossRefused, sec } from './engine-fixtures';

const zh = makeResolver('zh_CN');
const en = makeResolver('en');

describe('popup view model', () => {
  it('headline is the localized verdict, with cause title and explanation, for every fixture', () => {
    for (const v of VERDICTS) {
      const h = headlineView(FIXTURES[v].diagnosis, zh, FIXTURE_NOW);
      expect(h.verdict).toBe(v);
      expect(h.headline).not.toMatch(/^verdict_/);
      expect(h.title).not.toMatch(/^cause_/);
      expect(h.explain).not.toMatch(/^cause_/);
      expect(h.headline).toMatch(/[\u4e00-\u9fff]/);
      expect(headlineView(FIXTURES[v].diagnosis, en, FIXTURE_NOW).headline).toMatch(/^[\x20-\x7e’]+$/);
    }
    const p = headlineView(FIXTURES.provider.diagnosis, zh, FIXTURE_NOW);
    expect(p.cause).toBe('auth-service');
    expect(p.since).toContain('自');
    expect(headlineView(FIXTURES.healthy.diagnosis, en, FIXTURE_NOW).since).toBeNull();
  });

  it('services: worst first, noise hidden, names from the catalogue, state in words', () => {
    const d0 = structuredClone(FIXTURES.provider.diagnosis);
    d0.services.push(
      { id: 'drive', state: 'ok', requests: 3, failures: 0, hosts: ['www.alipan.com'] },
      { id: 'cdn', state: 'degraded', requests: 9, failures: 2, hosts: ['img.alicdn.com'] },
    );
    const cells = servicesView(d0, 'zh_CN', zh);
    expect(cells.map((c) => c.state)).toEqual(['failing', 'failing', 'failing', 'degraded', 'ok']);
    expect(cells.map((c) => c.id).slice(0, 3), 'catalogue order among equals').toEqual(['console', 'openapi', 'oss']);
    expect(cells[0]!.name).toBe('阿里云控制台');
    expect(cells.every((c) => c.stateLabel && !c.stateLabel.startsWith('popup_'))).toBe(true);
    const d = structuredClone(FIXTURES.healthy.diagnosis);
    d.services.push({ id: 'telemetry', state: 'failing', requests: 3, failures: 3, hosts: ['gm.mmstat.com'] });
    expect(servicesView(d, 'en', en).some((c) => c.id === 'telemetry')).toBe(false);
  });

  it('evidence rows carry counts, hosts and a short local time range', () => {
    const rows = evidenceView(FIXTURES.provider.diagnosis, en, FIXTURE_NOW);
    const n = FIXTURES.provider.diagnosis.evidence[0]!.count;
    expect(rows[0]!.text).toBe(`${n} requests with keys or sessions that had just worked were refused (oss, openapi)`);
    expect(rows[0]!.count).toBe(`×${n}`);
    expect(rows[0]!.hosts).toBe('photos.oss-cn-hangzhou.aliyuncs.com, ecs.cn-hangzhou.aliyuncs.com');
    expect(evidenceView(FIXTURES.provider.diagnosis, zh, FIXTURE_NOW)[0]!.text).toMatch(new RegExp(`^${n} 个请求被拒`));
    expect(rows[0]!.range).toMatch(/^\d\d:\d\d–\d\d:\d\d$/);
  });

  it('advice keeps order and actions', () => {
    expect(adviceView(FIXTURES.provider.diagnosis, en).map((a) => a.action)).toEqual(['open-status', 'copy-report']);
    expect(adviceView(EXTRA_FIXTURES['cookies-blocked']!.diagnosis, en).map((a) => a.action)).toContain(
      'clear-cookies',
    );
  });

  it('timeline: 60 bars, failures visible, totals', () => {
    const v = timelineView(FIXTURES.provider.timeline);
    expect(v.bars.length).toBe(60);
    expect(v.totalFailures).toBe(FIXTURES.provider.timeline.failures.reduce((a, b) => a + b, 0));
    expect(v.totalFailures).toBeGreaterThan(10);
    expect(v.bars.every((b) => b.hFail <= v.height && b.hReq <= v.height && b.hFail <= Math.max(b.hReq, 2))).toBe(true);
    expect(v.bars.filter((b) => b.failures > 0).every((b) => b.hFail >= 2)).toBe(true);
    const empty = timelineView({ start: 0, bucketMs: 60_000, failures: [], requests: [] });
    expect(empty.bars).toEqual([]);
    expect(empty.peak).toBe(0);
  });

  it('short local time', () => {
    const now = new Date(2024, 0, 2, 10, 0).getTime();
    expect(shortTime(new Date(2024, 0, 2, 9, 5).getTime(), now)).toBe('09:05');
    expect(shortTime(new Date(2024, 0, 1, 23, 59).getTime(), now)).toBe('01-01 23:59');
  });

  it('status page by language; cookie origin; browser name; file name', () => {
    expect(statusPageFor('zh_CN')).toBe(STATUS_PAGES.cn);
    expect(statusPageFor('en')).toBe(STATUS_PAGES.intl);
    expect(clearCookiesOrigin('https://www.taobao.com', FIXTURES.user.diagnosis)).toBe('https://www.taobao.com');
    expect(clearCookiesOrigin(null, FIXTURES.provider.diagnosis)).toBe('https://photos.oss-cn-hangzhou.aliyuncs.com');
    const withLogin = structuredClone(FIXTURES.provider.diagnosis);
    withLogin.services.push({
      id: 'login',
      state: 'degraded',
      requests: 9,
      failures: 3,
      hosts: ['account.aliyun.com'],
    });
    expect(clearCookiesOrigin(null, withLogin), 'the sign-in host first').toBe('https://account.aliyun.com');
    expect(clearCookiesOrigin(null, FIXTURES.user.diagnosis)).toBe('https://img.alicdn.com');
    expect(clearCookiesOrigin(null, FIXTURES.healthy.diagnosis)).toBeNull();
    expect(
      browserName(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome 156.0.0.0');
    expect(browserName('Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0')).toBe('Firefox 153.0');
    expect(exportFileName('provider', FIXTURE_NOW, 'har')).toMatch(/^faultline-provider-\d{8}-\d{4}\.har$/);
  });

  it('language: setting overrides the browser', () => {
    expect(effectiveLang('auto', 'zh-CN')).toBe('zh_CN');
    expect(effectiveLang('auto', 'en-US')).toBe('en');
    expect(effectiveLang('en', 'zh-CN')).toBe('en');
    expect(effectiveLang('zh_CN', 'fr')).toBe('zh_CN');
  });
});

describe('connector twins', () => {
  it('the popup gives up after ~1.5 s instead of waiting forever', async () => {
    expect(STATE_TIMEOUT_MS).toBeLessThanOrEqual(2000);
    const c = createMockConnector({ hang: true });
    await expect(withTimeout(c.getState(), 30)).rejects.toBeInstanceOf(TimeoutError);
  });

  it('the mock answers each verdict with its fixture and records calls', async () => {
    for (const v of VERDICTS) {
      const c = createMockConnector({ verdict: v });
      expect((await c.getState()).diagnosis.verdict).toBe(v);
    }
    const c = createMockConnector();
    await c.clearSiteCookies('https://www.taobao.com');
    expect(c.calls).toEqual([{ method: 'clearSiteCookies', args: ['https://www.taobao.com'] }]);
  });

  it('provider fixture has the 2023-11-12 shape with request ids', () => {
    const p = FIXTURES.provider;
    expect(p.diagnosis.cause).toBe('auth-service');
    expect(new Date(p.diagnosis.since!).toISOString()).toBe('2023-11-12T09:53:30.000Z');
    const ids = p.recentFailures.map((o) => o.ids ?? {});
    expect(ids.some((x) => x.ossRequestId && x.ossEc)).toBe(true);
    expect(ids.some((x) => x.acsRequestId)).toBe(true);
    expect(ids.some((x) => x.eagleEyeTraceId && x.eagleId)).toBe(true);
  });
});

describe('the popup is honest about quiet states and agrees with itself (engine output, not fixtures)', () => {
  it('fresh install / a quiet hour: watching, nothing wrong seen — not "something failed", no "?" badge', () => {
    for (const outs of [[], [o('img.alicdn.com', { at: 1 }), o('www.taobao.com', { at: 2, type: 'main_frame' })]]) {
      const d = diagnose(outs, [], { now: sec(10) });
      expect([d.verdict, d.cause]).toEqual(['healthy', 'none']);
      const h = headlineView(d, en, sec(10));
      expect([h.headline, h.title]).toEqual(['Watching', 'Nothing wrong seen']);
      expect(h.explain).toContain(`${outs.length} requests so far, and none of them failed`);
      expect(headlineView(d, zh, sec(10)).headline).toBe('正在留意');
      const b = badgeModel(d, 'en');
      expect(b.text).toBe('');
      expect(b.title).toBe('Faultline is watching: nothing wrong seen so far');
    }
    // enough traffic: everything works, as before
    const busy = diagnose(okImgs(8), [], { now: sec(10) });
    expect(headlineView(busy, en, sec(10)).headline).toBe('Everything works');
    expect(badgeModel(busy, 'en').title).toBe(badgeModel({ ...busy, evidence: [] }, 'en').title);
  });

  it('a service the evidence names as failing is never shown as Working (the 2023-11-12 replay)', () => {
    const outs = [
      ...[0, 1, 2].flatMap((i) => [ossOk(-300 + i * 10), apiOk(-290 + i * 10)]),
      ...[0, 1, 2, 3, 4].map((i) => ossRefused(i * 10)),
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => apiRefused(2 + i * 10)),
      ...okImgs(6, 0),
    ];
    const d = diagnose(outs, [], { now: sec(120) });
    expect([d.verdict, d.cause]).toEqual(['provider', 'auth-service']);
    const cells = servicesView(d, 'en', en);
    const openapi = cells.find((c) => c.id === 'openapi')!;
    expect(openapi.state).not.toBe('ok');
    expect(openapi.detail).toBe('9 of 12 failed');
    expect(cells.find((c) => c.id === 'oss')!.state).not.toBe('ok');
  });
});
