import { describe, expect, it } from 'vitest';
import { initialProbeState, recordResult, updateIncident, type ProbeState } from '../../src/core/probes/budget';
import {
  DEFAULT_PROBE_SETTINGS,
  controlTarget,
  hasWatchedFailures,
  planProbes,
  retryUrl,
  schedule,
  signedOssExpiry,
} from '../../src/core/probes/planner';
import type { ProbeSettings, RecentRequest } from '../../src/core/probes/types';
import { serviceOf } from '../../src/core/catalogue/match';
import type { RequestOutcome } from '../../src/core/types';

const NOW = 1_700_000_000_000;
const MIN = 60_000;

function out(p: Partial<RequestOutcome> & { host: string }): RequestOutcome {
  return {
    t: NOW - 5_000,
    ms: 100,
    service: serviceOf(p.host),
    path: '/x.png',
    type: 'image',
    method: 'GET',
    status: 200,
    kind: 'ok',
    phase: 'ok',
    source: 'browser',
    ...p,
  };
}
const fail5xx = (host: string, extra: Partial<RequestOutcome> = {}): RequestOutcome =>
  out({ host, status: 503, kind: 'http.5xx', phase: 'application', ...extra });
const rr = (outcome: RequestOutcome, url?: string): RecentRequest => (url ? { outcome, url } : { outcome });

const NO_CONTROL: ProbeSettings = { controlSites: [], statusPage: false, dohResolver: '' };
const plan = (
  recent: RecentRequest[],
  settings: ProbeSettings = NO_CONTROL,
  state: ProbeState = initialProbeState(),
  now = NOW,
) => planProbes({ now, recent, settings, state });

describe('no probe while healthy', () => {
  const healthy: RecentRequest[] = [
    ...Array.from({ length: 200 }, (_, i) => rr(out({ host: 'img.alicdn.com', t: NOW - i * 100 }))),
    rr(out({ host: 'g.alicdn.com', status: 0, kind: 'aborted', phase: 'client', error: 'net::ERR_ABORTED' })),
    rr(
      out({
        host: 'www.taobao.com',
        status: 200,
        kind: 'aborted',
        phase: 'client',
        error: 'NS_BINDING_ABORTED',
        type: 'main_frame',
      }),
    ),
    rr(out({ host: 'log.mmstat.com', status: 0, kind: 'tcp.reset', phase: 'connection' })),
    rr(out({ host: 'log.mmstat.com', status: 0, kind: 'blocked.extension', phase: 'client' })),
    rr(
      out({
        host: 'g.alicdn.com',
        status: 0,
        kind: 'blocked.extension',
        phase: 'client',
        error: 'net::ERR_BLOCKED_BY_CLIENT',
      }),
    ),
    rr(out({ host: 'img.alicdn.com', status: 304 })),
    rr(out({ host: 'www.taobao.com', status: 404, kind: 'http.4xx', phase: 'application', path: '/favicon.ico' })),
    rr(out({ host: 'www.baidu.com', service: null, status: 0, kind: 'tcp.timed_out', phase: 'connection' })),
    rr(out({ host: 'img.alicdn.com', status: 503, kind: 'http.5xx', phase: 'application', source: 'probe' })),
    rr(fail5xx('img.alicdn.com', { t: NOW - 61_000 }), 'https://img.alicdn.com/x.png'), // older than 60 s
  ];
  it('plans nothing, with every probe kind enabled', () => {
    expect(hasWatchedFailures(healthy, NOW)).toBe(false);
    expect(plan(healthy, DEFAULT_PROBE_SETTINGS)).toEqual([]);
    expect(plan([], DEFAULT_PROBE_SETTINGS)).toEqual([]);
  });
  it('schedule() sends nothing and starts no incident', () => {
    const r = schedule({ now: NOW, recent: healthy, settings: DEFAULT_PROBE_SETTINGS, state: initialProbeState() });
    expect(r.requests).toEqual([]);
    expect(r.state.incident).toBeNull();
    expect(r.state.sent).toEqual([]);
  });
  it('a failure exactly 60 s old still counts, 60.001 s does not', () => {
    const f = (age: number) => [rr(fail5xx('img.alicdn.com', { t: NOW - age }))];
    expect(hasWatchedFailures(f(60_000), NOW)).toBe(true);
    expect(hasWatchedFailures(f(60_001), NOW)).toBe(false);
  });
});

describe('a failing provider image', () => {
  const recent = [
    rr(
      fail5xx('img.alicdn.com', { path: '/imgextra/i1/{n}/{id}.jpg' }),
      'https://img.alicdn.com/imgextra/i1/2200/O1CN01abcdefGHIJ12345678.jpg?x-oss-process=resize&token=SECRET',
    ),
  ];
  it('plans controls, a cookie-less retry without the query, and the status page', () => {
    const ps = plan(recent, DEFAULT_PROBE_SETTINGS);
    expect(ps.map((p) => p.key)).toEqual([
      'control:www.baidu.com',
      'control:www.qq.com',
      'control:www.163.com',
      'control:www.bing.com',
      'cookieless-retry:img.alicdn.com',
      'status-page:status.aliyun.com',
    ]);
    expect(ps[0]).toEqual({
      probe: 'control',
      key: 'control:www.baidu.com',
      target: 'www.baidu.com',
      url: 'https://www.baidu.com/favicon.ico',
      method: 'HEAD',
      timeoutMs: 4000,
    });
    expect(ps[4]).toEqual({
      probe: 'cookieless-retry',
      key: 'cookieless-retry:img.alicdn.com',
      target: 'img.alicdn.com/imgextra/i1/{n}/{id}.jpg',
      url: 'https://img.alicdn.com/imgextra/i1/2200/O1CN01abcdefGHIJ12345678.jpg',
      method: 'GET',
      timeoutMs: 8000,
    });
    expect(ps[5]!.url).toBe(
      'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-hangzhou',
    );
    for (const p of ps) expect(p.target).not.toContain('SECRET');
  });
  it('retries at most one per host per minute', () => {
    let r = schedule({ now: NOW, recent, settings: NO_CONTROL, state: initialProbeState() });
    expect(r.requests.map((p) => p.probe)).toEqual(['cookieless-retry']);
    const again = [
      ...recent,
      rr(fail5xx('img.alicdn.com', { t: NOW + 20_000, path: '/b.png' }), 'https://img.alicdn.com/b.png'),
    ];
    r = schedule({ now: NOW + 30_000, recent: again, settings: NO_CONTROL, state: r.state });
    expect(r.requests).toEqual([]);
    r = schedule({ now: NOW + MIN - 1, recent: again, settings: NO_CONTROL, state: r.state });
    expect(r.requests).toEqual([]);
    r = schedule({ now: NOW + MIN, recent: again, settings: NO_CONTROL, state: r.state });
    expect(r.requests.map((p) => p.url)).toEqual(['https://img.alicdn.com/b.png']);
  });
  it('one retry per host even with many failures in the same round; other hosts get theirs', () => {
    const many = [
      ...Array.from({ length: 10 }, (_, i) =>
        rr(fail5xx('img.alicdn.com', { path: `/p${i}.png` }), `https://img.alicdn.com/p${i}.png`),
      ),
      rr(fail5xx('g.alicdn.com', { path: '/a.js', type: 'script' }), 'https://g.alicdn.com/a.js'),
    ];
    expect(plan(many).map((p) => p.url)).toEqual(['https://g.alicdn.com/a.js', 'https://img.alicdn.com/p9.png']);
  });
  it('status page at most once per 5 minutes', () => {
    const s: ProbeSettings = { ...NO_CONTROL, statusPage: true };
    const img = (t: number) => [rr(fail5xx('img.alicdn.com', { t: t - 1000 }))]; // no url: no retry
    let r = schedule({ now: NOW, recent: img(NOW), settings: s, state: initialProbeState() });
    expect(r.requests.map((p) => p.probe)).toEqual(['status-page']);
    for (const dt of [MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN - 1]) {
      r = schedule({ now: NOW + dt, recent: img(NOW + dt), settings: s, state: r.state });
      expect(r.requests).toEqual([]);
    }
    r = schedule({ now: NOW + 5 * MIN, recent: img(NOW + 5 * MIN), settings: s, state: r.state });
    expect(r.requests.map((p) => p.probe)).toEqual(['status-page']);
  });
  it('status region follows the failing hosts', () => {
    const ps = plan([rr(fail5xx('bucket.oss-cn-beijing.aliyuncs.com'))], { ...NO_CONTROL, statusPage: true });
    expect(ps.map((p) => p.url)).toEqual([
      'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-beijing',
    ]);
  });
  it('settings turn probes off', () => {
    expect(plan(recent, { controlSites: [], statusPage: false, dohResolver: '' }).map((p) => p.probe)).toEqual([
      'cookieless-retry',
    ]);
  });
});

describe('cookie-less retry eligibility', () => {
  const yes = (o: RequestOutcome, url: string) => retryUrl({ outcome: o, url }, NOW);
  it('never POSTs, main frames, login/mtop/openapi hosts, dns or client failures, or without the real URL', () => {
    expect(
      yes(fail5xx('img.alicdn.com', { method: 'POST', type: 'xhr', path: '/api' }), 'https://img.alicdn.com/api'),
    ).toBeNull();
    expect(yes(fail5xx('www.taobao.com', { type: 'main_frame', path: '/' }), 'https://www.taobao.com/')).toBeNull();
    expect(
      yes(fail5xx('login.taobao.com', { type: 'xhr', path: '/check' }), 'https://login.taobao.com/check'),
    ).toBeNull();
    expect(
      yes(
        fail5xx('h5api.m.taobao.com', { type: 'xhr', path: '/h5/mtop.x/1.0/' }),
        'https://h5api.m.taobao.com/h5/mtop.x/1.0/',
      ),
    ).toBeNull();
    expect(yes(fail5xx('ecs.aliyuncs.com', { type: 'xhr', path: '/' }), 'https://ecs.aliyuncs.com/')).toBeNull();
    expect(
      yes(
        out({ host: 'img.alicdn.com', status: 0, kind: 'dns.name_not_resolved', phase: 'dns' }),
        'https://img.alicdn.com/x.png',
      ),
    ).toBeNull();
    expect(yes(fail5xx('img.alicdn.com'), 'https://user:pw@img.alicdn.com/x.png')).toBeNull();
    expect(yes(fail5xx('img.alicdn.com'), 'https://other.alicdn.com/x.png')).toBeNull();
    expect(retryUrl({ outcome: fail5xx('img.alicdn.com') }, NOW)).toBeNull();
  });
  it('xhr only with a placeholder-free path; never with {email}', () => {
    expect(
      yes(
        fail5xx('oss.console.aliyun.com', { type: 'xhr', path: '/api/bucket/{id}' }),
        'https://oss.console.aliyun.com/api/bucket/abc',
      ),
    ).toBeNull();
    expect(
      yes(
        fail5xx('oss.console.aliyun.com', { type: 'xhr', path: '/api/regions' }),
        'https://oss.console.aliyun.com/api/regions?_t=1',
      ),
    ).toBe('https://oss.console.aliyun.com/api/regions');
    expect(
      yes(fail5xx('img.alicdn.com', { path: '/u/{email}/a.png' }), 'https://img.alicdn.com/u/a@b.c/a.png'),
    ).toBeNull();
  });
  it('keeps the query of a signed OSS URL, unless it has expired', () => {
    const o = out({
      host: 'bucket.oss-cn-hangzhou.aliyuncs.com',
      status: 403,
      kind: 'http.4xx',
      phase: 'application',
      code: 'InvalidAccessKeyId',
    });
    const exp = Math.floor(NOW / 1000) + 3600;
    const signed = `https://bucket.oss-cn-hangzhou.aliyuncs.com/x.png?OSSAccessKeyId=LTAIabcd1234&Expires=${exp}&Signature=abc%3D`;
    expect(yes(o, signed)).toBe(signed);
    expect(signedOssExpiry(`OSSAccessKeyId=a&Expires=${exp}&Signature=s`)).toBe(exp * 1000);
    expect(yes(o, signed.replace(String(exp), String(Math.floor(NOW / 1000) - 10)))).toBeNull();
    const v4 =
      'x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAI%2F20231112&x-oss-date=20231112T094400Z&x-oss-expires=3600&x-oss-signature=ff';
    expect(signedOssExpiry(v4)).toBe(Date.UTC(2023, 10, 12, 10, 44, 0));
    // Not signed: the query goes.
    expect(yes(o, 'https://bucket.oss-cn-hangzhou.aliyuncs.com/x.png?x-oss-process=image/resize')).toBe(
      'https://bucket.oss-cn-hangzhou.aliyuncs.com/x.png',
    );
  });
});

describe('DNS and clock probes', () => {
  it('one DNS probe per host failing with dns.*, at the configured resolver, no retry for it', () => {
    const dnsFail = (host: string) =>
      rr(
        out({ host, status: 0, kind: 'dns.name_not_resolved', phase: 'dns', error: 'net::ERR_NAME_NOT_RESOLVED' }),
        `https://${host}/x.png`,
      );
    const ps = plan([dnsFail('img.alicdn.com'), dnsFail('img.alicdn.com'), dnsFail('g.alicdn.com')], {
      ...NO_CONTROL,
      dohResolver: 'https://dns.alidns.com/resolve',
    });
    expect(ps).toEqual([
      {
        probe: 'dns',
        key: 'dns:img.alicdn.com',
        target: 'img.alicdn.com',
        name: 'img.alicdn.com',
        url: 'https://dns.alidns.com/resolve?name=img.alicdn.com&type=A',
        method: 'GET',
        timeoutMs: 8000,
      },
      {
        probe: 'dns',
        key: 'dns:g.alicdn.com',
        target: 'g.alicdn.com',
        name: 'g.alicdn.com',
        url: 'https://dns.alidns.com/resolve?name=g.alicdn.com&type=A',
        method: 'GET',
        timeoutMs: 8000,
      },
    ]);
  });
  it('a clock probe on signed-request failures when Date headers cannot tell', () => {
    const o = out({
      host: 'bucket.oss-cn-hangzhou.aliyuncs.com',
      status: 403,
      kind: 'http.4xx',
      phase: 'application',
      code: 'RequestTimeTooSkewed',
      type: 'xhr',
      method: 'PUT',
    });
    expect(plan([rr(o)])).toEqual([
      {
        probe: 'clock',
        key: 'clock:*',
        target: 'bucket.oss-cn-hangzhou.aliyuncs.com',
        url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/',
        method: 'HEAD',
        timeoutMs: 8000,
      },
    ]);
    // Fresh answers with Date headers from three hosts: the passive estimate suffices.
    const dated = ['ecs.console.aliyun.com', 'oss.console.aliyun.com', 'www.yuque.com'].map((host, i) =>
      rr(out({ host, type: 'xhr', t: NOW - i * 1000, serverDate: NOW - i * 1000 + 3 * 3600_000 })),
    );
    expect(plan([rr(o), ...dated])).toEqual([]);
    // …but not pictures of one image host (one host cannot decide)
    const pictures = [1, 2, 3].map((i) =>
      rr(out({ host: 'img.alicdn.com', t: NOW - i * 1000, serverDate: NOW - i * 1000 + 3 * 3600_000 })),
    );
    expect(plan([rr(o), ...pictures]).map((p) => p.probe)).toEqual(['clock']);
    // An ordinary 5xx does not ask for the clock.
    expect(plan([rr(fail5xx('ecs.aliyuncs.com', { type: 'xhr' }))])).toEqual([]);
  });
});

describe('budget inside the planner', () => {
  it('caps a round at 8 probes, in priority order', () => {
    const settings: ProbeSettings = {
      controlSites: [
        'www.baidu.com',
        'https://www.qq.com/',
        'www.163.com',
        'www.microsoft.com',
        'www.apple.com',
        'www.bing.com',
      ],
      statusPage: true,
      dohResolver: 'https://doh.pub/resolve',
    };
    const recent = [
      ...['a', 'b', 'c', 'd'].map((h) =>
        rr(out({ host: `${h}.alicdn.com`, status: 0, kind: 'dns.failed', phase: 'dns' })),
      ),
      ...['img', 'g', 'at'].map((h) => rr(fail5xx(`${h}.alicdn.com`), `https://${h}.alicdn.com/x.png`)),
    ];
    const ps = plan(recent, settings);
    expect(ps.length).toBe(8);
    expect(ps.map((p) => p.key)).toEqual([
      'control:www.baidu.com',
      'control:www.qq.com',
      'control:www.163.com',
      'control:www.microsoft.com',
      'control:www.apple.com',
      'dns:a.alicdn.com',
      'dns:b.alicdn.com',
      'dns:c.alicdn.com',
    ]);
  });
  it('skips targets in back-off', () => {
    let state = updateIncident(initialProbeState(), NOW - 1000, true);
    state = recordResult(state, NOW - 1000, 'control:www.baidu.com', false);
    const ps = plan(
      [rr(fail5xx('img.alicdn.com'))],
      { ...NO_CONTROL, controlSites: ['www.baidu.com', 'www.qq.com'] },
      state,
    );
    expect(ps.map((p) => p.key)).toEqual(['control:www.qq.com']);
  });
});

describe('control sites', () => {
  it('normalizes hosts and URLs, refuses Alibaba-group, credentials and junk', () => {
    expect(controlTarget('www.baidu.com')).toEqual({ host: 'www.baidu.com', url: 'https://www.baidu.com/' });
    expect(controlTarget(' http://WWW.163.com/favicon.ico ')).toEqual({
      host: 'www.163.com',
      url: 'http://www.163.com/favicon.ico',
    });
    expect(controlTarget('www.taobao.com')).toBeNull();
    expect(controlTarget('https://u:p@www.qq.com/')).toBeNull();
    expect(controlTarget('ftp://www.qq.com/')).toBeNull();
    expect(controlTarget('localhost')).toBeNull();
    expect(controlTarget('')).toBeNull();
  });
});
