/** Each rule of the diagnosis engine on small synthetic streams; every test asserts verdict AND cause. */
import { describe, expect, it } from 'vitest';
import { decidingRule, diagnose, failClass, MIN_FAILURES, MIN_TRAFFIC, Tally } from '../../src/core/engine';
import { findLoops } from '../../src/core/loops/redirect-loops';
import type { Observation, RequestOutcome } from '../../src/core/types';
import { T0, n, o, okImgs } from './engine-fixtures';

const ctl = (k: number, p: Partial<RequestOutcome> = {}) =>
  n(k, (i) => o(i % 2 ? 'www.qq.com' : 'www.baidu.com', { at: i, ...p }));
function run(outs: RequestOutcome[], obs: Observation[] = []) {
  const sorted = [...outs].sort((a, b) => a.t - b.t);
  const now = Math.max(T0, ...sorted.map((x) => x.t)) + 1000;
  const d = diagnose(sorted, obs, { now });
  const tally = new Tally();
  for (const x of sorted) tally.add(Tally.classify(x));
  return {
    verdict: d.verdict,
    cause: d.cause,
    rule: decidingRule(
      tally,
      obs.filter((x) => x.t >= now - 15 * 60_000),
      now,
    ),
    d,
  };
}
const vc = (r: { verdict: string; cause: string }) => [r.verdict, r.cause];

describe('failClass (precision first)', () => {
  it('aborts, trackers, 304s, favicons, 404s and token refreshes are not failures', () => {
    expect(failClass(o('img.alicdn.com', { error: 'net::ERR_ABORTED' }))).toBeNull();
    expect(failClass(o('log.mmstat.com', { error: 'net::ERR_BLOCKED_BY_CLIENT' }))).toBeNull();
    expect(failClass(o('www.taobao.com', { error: 'NS_ERROR_TRACKING_URI' }))).toBeNull();
    expect(failClass(o('www.taobao.com', { status: 304 }))).toBeNull();
    expect(failClass(o('www.taobao.com', { status: 404, path: '/favicon.ico' }))).toBeNull();
    expect(failClass(o('www.yuque.com', { status: 404, path: '/api/docs/1' }))).toBeNull();
    expect(failClass(o('h5api.m.taobao.com', { code: 'FAIL_SYS_TOKEN_EXOIRED' }))).toBeNull();
  });
  it('classifies provider codes and paths', () => {
    expect(failClass(o('h5api.m.taobao.com', { code: 'RGV587_ERROR' }))).toBe('risk');
    expect(failClass(o('h5api.m.taobao.com', { path: '/_____tmd_____/punish' }))).toBe('risk');
    expect(failClass(o('b.oss-cn-hangzhou.aliyuncs.com', { status: 403, code: 'RequestTimeTooSkewed' }))).toBe('skew');
    expect(failClass(o('ecs.aliyuncs.com', { status: 404, code: 'InvalidAccessKeyId.NotFound' }))).toBe('auth');
    expect(failClass(o('www.taobao.com', { path: '/undefined', status: 404 }))).toBe('pagebug');
    expect(failClass(o('img.alicdn.com', { status: 403, error: 'net::ERR_BLOCKED_BY_ORB' }))).toBe('auth');
  });
});

describe('rules', () => {
  it('offline: the browser says so', () => {
    const r = run([...n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_INTERNET_DISCONNECTED' }))]);
    expect(vc(r)).toEqual(['user', 'offline']);
    expect(r.rule).toBe('offline');
  });
  it('the browser saying it is offline decides on its own, unless later requests succeed', () => {
    const off = o('www.taobao.com', { at: 20, type: 'main_frame', error: 'net::ERR_INTERNET_DISCONNECTED' });
    expect(vc(run([...okImgs(10), off]))).toEqual(['user', 'offline']);
    expect(vc(run([off]))).toEqual(['user', 'offline']);
    expect(vc(run([o('www.taobao.com', { at: 20, error: 'NS_ERROR_OFFLINE' })]))).toEqual(['user', 'offline']);
    // a blip: pictures load again after it
    expect(vc(run([...okImgs(10), off, ...okImgs(3, 21)]))).toEqual(['healthy', 'none']);
  });
  it('OONI: provider and control both fail → user', () => {
    const r = run([
      ...n(4, (i) => o('img.alicdn.com', { at: i, error: 'net::ERR_CONNECTION_TIMED_OUT' })),
      ...ctl(4, { error: 'net::ERR_CONNECTION_TIMED_OUT' }),
    ]);
    expect(vc(r)).toEqual(['user', 'offline']);
    expect(r.rule).toBe('everything-failing');
  });
  it('control probe failing → user', () => {
    const r = run(
      n(4, (i) => o('img.alicdn.com', { at: i, error: 'net::ERR_CONNECTION_RESET' })),
      [{ kind: 'probe', t: T0, probe: 'control', target: 'https://www.baidu.com/', ok: false }],
    );
    expect(vc(r)).toEqual(['user', 'offline']);
  });
  it('control probe ok + provider connections failing → provider', () => {
    const r = run(
      [...n(4, (i) => o('www.yuque.com', { at: i, error: 'net::ERR_CONNECTION_RESET' })), ...okImgs(2)],
      [{ kind: 'probe', t: T0, probe: 'control', target: 'https://www.baidu.com/', ok: true }],
    );
    expect(vc(r)).toEqual(['provider', 'server-error']);
  });
  it('proxy', () => {
    expect(vc(run(n(2, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_TUNNEL_CONNECTION_FAILED' }))))).toEqual([
      'user',
      'proxy',
    ]);
  });
  it('dns: control fails too → dns-local', () => {
    const r = run([
      ...n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_NAME_NOT_RESOLVED' })),
      o('www.baidu.com', { error: 'net::ERR_NAME_NOT_RESOLVED' }),
      ...ctl(4),
    ]);
    expect(vc(r)).toEqual(['user', 'dns-local']);
  });
  it('dns: public resolver says the name exists → dns-local', () => {
    const r = run(
      n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_NAME_NOT_RESOLVED' })),
      [{ kind: 'probe', t: T0, probe: 'dns', target: 'www.taobao.com', ok: true, exists: true }],
    );
    expect(vc(r)).toEqual(['user', 'dns-local']);
  });
  it('dns: public resolver cannot resolve it either → dns-provider', () => {
    const r = run(
      n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_NAME_NOT_RESOLVED' })),
      [{ kind: 'probe', t: T0, probe: 'dns', target: 'www.taobao.com', ok: false, exists: false }],
    );
    expect(vc(r)).toEqual(['provider', 'dns-provider']);
  });
  it('dns: provider names only, control resolves → dns-provider; without control → unclear', () => {
    const bad = n(3, (i) => o('oss-cn-hangzhou.aliyuncs.com', { at: i, error: 'net::ERR_NAME_NOT_RESOLVED' }));
    expect(vc(run([...bad, ...ctl(4)]))).toEqual(['provider', 'dns-provider']);
    expect(vc(run([...bad, ...okImgs(6)]))).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('tls-interception needs several hosts', () => {
    const two = [
      o('www.taobao.com', { error: 'net::ERR_CERT_AUTHORITY_INVALID' }),
      o('img.alicdn.com', { error: 'net::ERR_CERT_AUTHORITY_INVALID' }),
    ];
    expect(vc(run([...two, ...ctl(4)]))).toEqual(['user', 'tls-interception']);
    expect(vc(run([two[0]!, ...okImgs(6)]))).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('clock: certificate dates on two hosts, skew codes, Date headers with auth failures, clock probe', () => {
    expect(
      vc(
        run([
          o('www.taobao.com', { error: 'net::ERR_CERT_DATE_INVALID' }),
          o('img.alicdn.com', { error: 'net::ERR_CERT_DATE_INVALID' }),
        ]),
      ),
    ).toEqual(['user', 'clock-skew']);
    expect(
      vc(run([o('b.oss-cn-hangzhou.aliyuncs.com', { status: 403, code: 'RequestTimeTooSkewed' }), ...okImgs(6)])),
    ).toEqual(['user', 'clock-skew']);
    // Date headers of fresh API answers from three hosts, 30 minutes ahead, next to signed requests refused
    const api = (host: string, at: number, p: Partial<RequestOutcome> = {}) =>
      o(host, { at, type: 'xhr', path: '/api/x.json', serverDate: T0 + at * 1000 + 30 * 60_000, ...p });
    const fresh = ['ecs.console.aliyun.com', 'www.yuque.com', 'h5api.m.taobao.com'].map((h, i) => api(h, i));
    const signed = n(2, (i) => api('b.oss-cn-hangzhou.aliyuncs.com', 5 + i, { status: 403, keyTag: 'k' }));
    const r = run([...signed, ...fresh, ...okImgs(4)]);
    expect(vc(r)).toEqual(['user', 'clock-skew']);
    expect(r.d.evidence.find((e) => e.id === 'clock-date')!.text.args).toEqual([30, 5]); // 3 hosts + OSS, 5 answers
    // two hosts are not several: one stale host could be the whole story
    const undated = signed.map((x) => ({ ...x, serverDate: undefined }));
    expect(vc(run([...undated, ...fresh, ...okImgs(4)]))).toEqual(['user', 'clock-skew']);
    expect(vc(run([...undated, ...fresh.slice(0, 2), ...okImgs(4)]))).not.toEqual(['user', 'clock-skew']);
    expect(
      vc(run(okImgs(6), [{ kind: 'probe', t: T0, probe: 'clock', target: 'x', ok: true, skewMs: 5 * 60_000 }])),
    ).toEqual(['user', 'clock-skew']);
  });
  it('clock: skewed Date headers alone (cached responses, HAR time zones) are not a diagnosis', () => {
    expect(vc(run(okImgs(8).map((x) => ({ ...x, serverDate: x.t - 5 * 3600_000 }))))).toEqual(['healthy', 'none']);
  });
  it('clock: never switched on by an ordinary 401 or an expired session, nor by cached pictures', () => {
    const old = (host: string, at: number, p: Partial<RequestOutcome> = {}) =>
      o(host, { at, type: 'xhr', path: '/api/x.json', serverDate: T0 + at * 1000 - 21 * 86_400_000, ...p });
    const dated = ['ecs.console.aliyun.com', 'www.yuque.com', 'h5api.m.taobao.com'].map((h, i) => old(h, i));
    const expired = n(2, (i) => o('ecs.console.aliyun.com', { at: 10 + i, type: 'xhr', status: 401 }));
    expect(run([...dated, ...expired, ...okImgs(4)]).cause).not.toBe('clock-skew');
    // a 21-day-old cached picture with a certificate-date failure: one stale object is no clock evidence
    const stale = okImgs(6).map((x) => ({ ...x, serverDate: x.t - 21 * 86_400_000 }));
    const one = [o('www.yuque.com', { at: 9, error: 'net::ERR_CERT_DATE_INVALID' })];
    expect(run([...stale, ...one]).d.evidence.map((e) => e.id)).not.toContain('clock-date');
  });
  it('blocked-by-extension: only non-telemetry resources count', () => {
    expect(
      vc(run([...okImgs(6), ...n(3, (i) => o('g.alicdn.com', { at: i, error: 'net::ERR_BLOCKED_BY_CLIENT' }))])),
    ).toEqual(['user', 'blocked-by-extension']);
    expect(
      vc(run([...okImgs(6), ...n(3, (i) => o('log.mmstat.com', { at: i, error: 'net::ERR_BLOCKED_BY_CLIENT' }))])),
    ).toEqual(['healthy', 'none']);
  });
  it('breadth: two independent groups failing together → outage', () => {
    const r = run([
      ...n(4, (i) => o('ecs.console.aliyun.com', { at: i, status: 502 })),
      ...n(4, (i) => o('img.alicdn.com', { at: i, error: 'net::ERR_CONNECTION_RESET' })),
      ...ctl(4),
    ]);
    expect(vc(r)).toEqual(['provider', 'outage']);
  });
  it('breadth: failures far apart in time are not one outage', () => {
    const r = run([
      ...n(4, (i) => o('ecs.console.aliyun.com', { at: i, status: 502 })),
      ...n(4, (i) => o('img.alicdn.com', { at: 600 + i, error: 'net::ERR_CONNECTION_RESET' })),
      ...ctl(4),
    ]);
    expect(r.cause).not.toBe('outage');
  });
  it('status page listing an alarm + a failing service → outage; an unreadable feed or one without alarms is no evidence', () => {
    const fails = [...n(4, (i) => o('www.yuque.com', { at: i, status: 503 })), ...okImgs(4)];
    const feed = (ok: boolean, detail?: string, alarms?: number): Observation => ({
      kind: 'probe',
      t: T0,
      probe: 'status-page',
      target: 'status.aliyun.com',
      ok,
      ...(alarms !== undefined ? { alarms } : {}),
      ...(detail ? { detail } : {}),
    });
    // run.ts: ok = the feed was readable; alarms = its alarms still open
    const r = run(fails, [feed(true, '2 events, 1 open alarms', 1)]);
    expect(vc(r)).toEqual(['provider', 'outage']);
    expect(r.d.evidence.find((e) => e.id === 'status-page')!.text.args).toEqual(['status.aliyun.com']);
    for (const f of [
      feed(false, 'HTTP 503'),
      feed(false, 'unreadable feed'),
      feed(false, 'timeout'),
      feed(true, '0 events, 0 open alarms', 0),
      feed(true, '3 events, 0 open alarms', 0),
      feed(true),
      feed(false, 'HTTP 503', 1),
      feed(false, 'inconclusive: redirect'),
    ]) {
      const x = run(fails, [f]);
      expect(vc(x), JSON.stringify(f)).toEqual(['provider', 'server-error']);
      expect(x.d.evidence.some((e) => e.id === 'status-page')).toBe(false);
    }
  });
  it('cdn: resets and 504s on the image edge', () => {
    const r = run([
      ...okImgs(4),
      ...n(4, (i) => o('img.alicdn.com', { at: 10 + i, status: 504 })),
      ...n(2, (i) => o('img.alicdn.com', { at: 20 + i, error: 'net::ERR_CONNECTION_RESET' })),
      ...ctl(4),
    ]);
    expect(vc(r)).toEqual(['provider', 'cdn']);
  });
  it('server-error: 5xx on one service; below MIN_FAILURES is healthy', () => {
    expect(vc(run([...okImgs(6), ...n(MIN_FAILURES, (i) => o('www.yuque.com', { at: i, status: 500 }))]))).toEqual([
      'provider',
      'server-error',
    ]);
    expect(
      vc(
        run([
          ...okImgs(6),
          ...n(MIN_FAILURES - 1, (i) => o('www.yuque.com', { at: i, status: 500 })),
          ...n(10, (i) => o('www.yuque.com', { at: 20 + i })),
        ]),
      ),
    ).toEqual(['healthy', 'none']);
  });
  it('page-bug: …/undefined requests or empty-url broken images', () => {
    expect(
      vc(
        run([
          ...okImgs(6),
          o('www.taobao.com', { path: '/undefined', status: 404 }),
          o('www.taobao.com', { path: '/a/null', status: 404 }),
        ]),
      ),
    ).toEqual(['provider', 'page-bug']);
    const obs: Observation[] = [
      {
        kind: 'broken-image',
        t: T0,
        host: 'img.alicdn.com',
        service: 'cdn',
        path: '/undefined',
        reason: 'empty-url',
        count: 3,
        pageHost: 'www.taobao.com',
      },
    ];
    expect(vc(run(okImgs(6), obs))).toEqual(['provider', 'page-bug']);
  });
  it('page-bug: one <img src="undefined"> seen both as its request and as the page\'s report is one picture, not two', () => {
    const picture = (count: number): Observation => ({
      kind: 'broken-image',
      t: T0,
      host: 'www.taobao.com',
      service: 'shopping',
      path: '/undefined',
      reason: 'empty-url',
      count,
      pageHost: 'www.taobao.com',
    });
    const one = [picture(1)];
    const req = o('www.taobao.com', { path: '/undefined', status: 404 });
    expect(vc(run([...okImgs(6), req], one))[1]).not.toBe('page-bug');
    const two = [picture(2)];
    expect(vc(run([...okImgs(6), req, o('www.taobao.com', { at: 1, path: '/undefined', status: 404 })], two))).toEqual([
      'provider',
      'page-bug',
    ]);
  });
  it('broken CDN pictures: a picture whose own request answered 4xx is a missing object, not the CDN failing', () => {
    const pictures = (attribution: Partial<Observation>): Observation[] => [
      {
        kind: 'broken-image',
        t: T0,
        host: 'img.alicdn.com',
        service: 'cdn',
        path: '/item/{n}.jpg',
        reason: 'error',
        count: 20,
        pageHost: 'www.taobao.com',
        ...attribution,
      } as Observation,
    ];
    expect(vc(run(okImgs(10), pictures({})))).toEqual(['provider', 'cdn']);
    expect(vc(run(okImgs(10), pictures({ status: 200, failure: 'ok' }))), 'answered 200, not shown').toEqual([
      'provider',
      'cdn',
    ]);
    expect(vc(run(okImgs(10), pictures({ status: 404, failure: 'http.4xx' })))[1]).not.toBe('cdn');
  });
  it('risk-control: anti-bot, never an outage', () => {
    const r = run([
      ...okImgs(6),
      ...n(5, (i) => o('h5api.m.taobao.com', { at: i, code: 'RGV587_ERROR' })),
      ...n(5, (i) => o('h5api.m.1688.com', { at: i, code: 'FAIL_SYS_USER_VALIDATE' })),
    ]);
    expect(vc(r)).toEqual(['user', 'risk-control']);
  });
  it('auth onset across services → auth-service', () => {
    const key = 'k1';
    const r = run([
      ...n(3, (i) => o('b.oss-cn-hangzhou.aliyuncs.com', { at: i, keyTag: key })),
      ...n(3, (i) => o('ecs.aliyuncs.com', { at: i, keyTag: key })),
      ...n(3, (i) =>
        o('b.oss-cn-hangzhou.aliyuncs.com', { at: 60 + i, keyTag: key, status: 403, code: 'InvalidAccessKeyId' }),
      ),
      ...n(3, (i) =>
        o('ecs.aliyuncs.com', { at: 60 + i, keyTag: key, status: 404, code: 'InvalidAccessKeyId.NotFound' }),
      ),
    ]);
    expect(vc(r)).toEqual(['provider', 'auth-service']);
  });
  it('401/403 across several services suddenly → auth-service', () => {
    const r = run([
      ...okImgs(3),
      ...n(3, (i) => o('www.yuque.com', { at: i })),
      ...n(3, (i) => o('img.alicdn.com', { at: 30 + i, status: 403 })),
      ...n(3, (i) => o('www.yuque.com', { at: 30 + i, status: 401 })),
    ]);
    expect(vc(r)).toEqual(['provider', 'auth-service']);
  });
  it('auth error alone → unclear, never user', () => {
    expect(
      vc(
        run([
          o('b.oss-cn-hangzhou.aliyuncs.com', { status: 403, code: 'InvalidAccessKeyId', keyTag: 'k' }),
          ...okImgs(8),
        ]),
      ),
    ).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('one key refused from its first request while the rest works → credentials', () => {
    const r = run([
      ...okImgs(6),
      ...n(3, (i) => o('b.oss-cn-hangzhou.aliyuncs.com', { at: i, keyTag: 'good' })),
      ...n(3, (i) =>
        o('c.oss-cn-hangzhou.aliyuncs.com', { at: i, status: 403, code: 'InvalidAccessKeyId', keyTag: 'bad' }),
      ),
    ]);
    expect(vc(r)).toEqual(['user', 'credentials']);
  });
  it('a key that worked and then fails on one service only is not credentials', () => {
    const r = run([
      ...okImgs(6),
      ...n(3, (i) => o('c.oss-cn-hangzhou.aliyuncs.com', { at: i, keyTag: 'k' })),
      ...n(3, (i) =>
        o('c.oss-cn-hangzhou.aliyuncs.com', { at: 30 + i, status: 403, code: 'InvalidAccessKeyId', keyTag: 'k' }),
      ),
    ]);
    expect(vc(r)).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('loop observations: cookies blocked / not returned → cookies-blocked; returned, carried or none → login-loop', () => {
    const loop = (x: Partial<Extract<Observation, { kind: 'redirect-loop' }>>): Observation => ({
      kind: 'redirect-loop',
      t: T0,
      hosts: ['www.taobao.com', 'login.taobao.com'],
      hops: 8,
      login: true,
      cookies: 'not-returned',
      service: 'shopping',
      ...x,
    });
    expect(vc(run(okImgs(6), [loop({ cookiesBlocked: true, cookies: 'returned' })]))).toEqual([
      'user',
      'cookies-blocked',
    ]);
    expect(vc(run(okImgs(6), [loop({})]))).toEqual(['user', 'cookies-blocked']);
    expect(vc(run(okImgs(6), [loop({ cookies: 'returned' })]))).toEqual(['provider', 'login-loop']);
    // The session cookie went with every step and the server still bounced, whether or not set in the loop.
    expect(vc(run(okImgs(6), [loop({ cookies: 'carried' })]))).toEqual(['provider', 'login-loop']);
    // No cookie set or sent at any step: the browser's cookies cannot be the cause.
    expect(vc(run(okImgs(6), [loop({ cookies: 'none' })]))).toEqual(['provider', 'login-loop']);
    expect(
      vc(run(okImgs(6), [loop({ cookies: 'none', login: false, hosts: ['www.taobao.com', 'www.tmall.com'] })])),
    ).toEqual(['provider', 'page-bug']);
    // Cookies not known: the loop alone decides nothing, and it keeps the verdict from healthy…
    const unknown = run(okImgs(6), [loop({ cookies: 'unknown' })]);
    expect(vc(unknown)).toEqual(['unclear', 'insufficient-evidence']);
    expect(unknown.d.evidence.map((e) => e.id)).toEqual(expect.arrayContaining(['redirect-loop', 'cookies-unknown']));
    // …while sign-in hosts answering 5xx in the same window decide it: the provider's login loop.
    const signin5xx = n(2, (i) =>
      o('login.taobao.com', { at: i, type: 'xhr', path: '/newlogin/login.do', status: 502 }),
    );
    const r = run([...okImgs(6), ...signin5xx], [loop({ cookies: 'unknown' })]);
    expect(vc(r)).toEqual(['provider', 'login-loop']);
    expect(r.d.evidence.map((e) => e.id)).toEqual(['redirect-loop', 'cookies-unknown', 'server-5xx']);
    // …as do refusals there.
    const refused = n(2, (i) => o('account.aliyun.com', { at: i, type: 'xhr', path: '/login/x.json', status: 401 }));
    expect(vc(run([...okImgs(6), ...refused], [loop({ cookies: 'unknown' })]))).toEqual(['provider', 'login-loop']);
    // Observations stored before the cookie state existed read as unknown.
    const legacy = { ...loop({}), cookies: undefined } as unknown as Observation;
    expect(vc(run(okImgs(6), [legacy]))).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('healthy needs MIN_TRAFFIC', () => {
    expect(vc(run(okImgs(MIN_TRAFFIC)))).toEqual(['healthy', 'none']);
    // Fewer requests and nothing wrong: quiet — healthy, resting on `few-requests` (a fresh install, a quiet hour).
    const quiet = run(okImgs(MIN_TRAFFIC - 1));
    expect(vc(quiet)).toEqual(['healthy', 'none']);
    expect(quiet.d.evidence.map((e) => e.id)).toEqual(['few-requests']);
    expect(vc(run([]))).toEqual(['healthy', 'none']);
    // …but one failure among them is unclear, never quiet
    const one = run([...okImgs(2), o('img.alicdn.com', { at: 3, error: 'net::ERR_CONNECTION_RESET' })]);
    expect(vc(one)).toEqual(['unclear', 'insufficient-evidence']);
    expect(one.d.evidence.map((e) => e.id)).toContain('few-requests');
  });
  it('probe outcomes never count as user traffic', () => {
    const probes = n(10, (i) => ({ ...o('www.taobao.com', { at: i, status: 503 }), source: 'probe' as const }));
    expect(vc(run([...okImgs(6), ...probes]))).toEqual(['healthy', 'none']);
  });
  it('evidence carries request ids, hosts and times; advice follows the cause', () => {
    const r = run([
      ...okImgs(6),
      ...n(4, (i) => o('www.yuque.com', { at: i, status: 503, ids: { eagleEyeTraceId: `0b0${i}` } })),
    ]);
    const e = r.d.evidence.find((x) => x.id === 'server-5xx')!;
    expect(e.count).toBe(4);
    expect(e.hosts).toEqual(['www.yuque.com']);
    expect(e.ids?.[0]).toEqual({ eagleEyeTraceId: '0b00' });
    expect(e.text.key).toBe('evidence_server_5xx');
    expect(r.d.advice.map((a) => a.action)).toContain('copy-report');
    expect(r.d.services.find((s) => s.id === 'docs')?.state).toBe('failing');
    expect(r.d.since).toBe(T0);
  });
});

describe('redirect loops from outcomes (a HAR: the one detector, src/core/loops)', () => {
  const hop = (host: string, path: string, to: string, at: number, p: Partial<RequestOutcome> = {}) =>
    o(host, { at, path, status: 302, redirectTo: to, type: 'main_frame', ...p });
  it('A→login→A→login is a loop; a single bounce is not', () => {
    const loop = [
      hop('www.taobao.com', '/my', 'login.taobao.com/member/login.jhtml', 0),
      hop('login.taobao.com', '/member/login.jhtml', 'www.taobao.com/my', 1),
      hop('www.taobao.com', '/my', 'login.taobao.com/member/login.jhtml', 2),
    ];
    expect(findLoops(loop)).toHaveLength(1);
    expect(findLoops(loop.slice(0, 2))).toHaveLength(0);
    // diagnose() reads the loops it is given (the CLI passes readHar's), not its own
    expect(vc(run([...loop, ...okImgs(6)]))).toEqual(['healthy', 'none']);
    expect(vc(run([...loop, ...okImgs(6)], findLoops(loop)))).toEqual(['unclear', 'insufficient-evidence']);
  });
  it('chains break after CHAIN_GAP_MS', () => {
    const loop = [
      hop('www.taobao.com', '/my', 'login.taobao.com/l', 0),
      hop('login.taobao.com', '/l', 'www.taobao.com/my', 1),
      hop('www.taobao.com', '/my', 'login.taobao.com/l', 60),
    ];
    expect(findLoops(loop)).toHaveLength(0);
  });
  it('pixels bouncing between ad servers are not loops', () => {
    const px = [0, 1, 2, 3, 4, 5].map((i) =>
      hop(i % 2 ? 'b.example' : 'a.example', '/sync', i % 2 ? 'a.example/sync' : 'b.example/sync', i * 0.1, {
        type: 'image',
      }),
    );
    expect(findLoops(px)).toHaveLength(0);
  });
  it('a main frame ending in ERR_TOO_MANY_REDIRECTS is a loop', () => {
    expect(findLoops([o('www.taobao.com', { error: 'net::ERR_TOO_MANY_REDIRECTS', type: 'main_frame' })])).toHaveLength(
      1,
    );
  });
});
