/**
 * Recovery (both paths: diagnose() and LiveEngine), probe results (inconclusive, cookie-less retry, DNS answers)
 * and broken-image observations. Every test asserts verdict AND cause.
 */
import { describe, expect, it } from 'vitest';
import { decidingRule, diagnose, LiveEngine, RECOVERY_MIN_OK, RECOVERY_QUIET_MS, Tally } from '../../src/core/engine';
import type { Diagnosis, Observation, RequestOutcome } from '../../src/core/types';

import { T0, o, n, okImgs, ctl, sec } from './engine-fixtures';

/** diagnose() and LiveEngine on the same stream, at `now` (default: one second after the last outcome). */
function both(outs: RequestOutcome[], obs: Observation[] = [], now?: number) {
  const sorted = [...outs].sort((a, b) => a.t - b.t);
  const at = now ?? Math.max(T0, ...sorted.map((x) => x.t)) + 1000;
  const d = diagnose(sorted, obs, { now: at });
  const live = new LiveEngine();
  for (const x of sorted) live.add(x);
  for (const x of obs) live.addObservation(x);
  const l = live.diagnose(at);
  expect({ ...l, since: null }, 'LiveEngine ≡ diagnose()').toEqual({ ...d, since: null });
  const tally = new Tally();
  for (const x of sorted) tally.add(Tally.classify(x));
  return { verdict: d.verdict, cause: d.cause, d, rule: decidingRule(tally, obs, at) };
}
const vc = (r: { verdict: string; cause: string }) => [r.verdict, r.cause];
const ev = (d: Diagnosis, id: string) => d.evidence.find((e) => e.id === id);

// Two independent groups fail together for 4 s: an outage.
const outage = () => [
  ...n(4, (i) => o('ecs.console.aliyun.com', { at: i, status: 502 })),
  ...n(4, (i) => o('img.alicdn.com', { at: i, error: 'net::ERR_CONNECTION_RESET' })),
  ...ctl(4),
];
const consoleOk = (k: number, at: number) =>
  n(k, (i) => o('ecs.console.aliyun.com', { at: at + i, path: `/api/${i}` }));

describe('recovery', () => {
  it('uses the named constants', () => {
    expect(RECOVERY_QUIET_MS).toBe(60_000);
    expect(RECOVERY_MIN_OK).toBe(5);
  });

  it('outage, then 5 successes to the blamed services more than 60 s later → healthy, with `recovered` evidence', () => {
    const r = both([...outage(), ...consoleOk(3, 70), ...okImgs(2, 73)]);
    expect(vc(r)).toEqual(['healthy', 'none']);
    expect(r.rule).toBe('recovered');
    const e = ev(r.d, 'recovered')!;
    expect(e.text.key).toBe('evidence_recovered');
    expect(e.first).toBe(sec(3)); // the last failure
    expect(e.last).toBe(sec(73)); // first success after it (of the later of the two services)
    expect(e.count).toBe(5);
    expect(r.d.since).toBe(sec(73));
    // the failures are still in the window and still shown per service
    expect(r.d.services.find((s) => s.id === 'console')?.lastFailure).toBe(sec(3));
  });

  it('pictures of the failing page that worked while its slow failures were still pending are no recovery', () => {
    // One page load: 8 pictures asked for at once; 4 fail slowly (504 after 10 s), 6 work at once. Arrival order
    // (the running worker's) puts the successes before the failures; start order (a rebuilt one) after them.
    const page = [
      ...n(4, (i) => o('img.alicdn.com', { at: i * 0.1, status: 504, ms: 10_000, path: `/f/${i}.jpg` })),
      ...okImgs(6, 0.5),
    ];
    // 90 s later, nothing else happened: the CDN was failing when last seen, whatever order the events came in.
    expect(vc(both(page, [], sec(90)))).toEqual(['provider', 'cdn']);
    const live = new LiveEngine();
    for (const x of [...page].sort((a, b) => a.t + (a.ms ?? 0) - (b.t + (b.ms ?? 0)))) live.add(x);
    expect(vc(live.diagnose(sec(90)))).toEqual(['provider', 'cdn']);
    // Requests made once the failures were over count: the next page load works → recovered.
    expect(vc(both([...page, ...okImgs(5, 75)], [], sec(90)))).toEqual(['healthy', 'none']);
  });

  it('the same successes only 20 s after the failures → still the provider', () => {
    const r = both([...outage(), ...consoleOk(3, 20), ...okImgs(3, 21)]);
    expect(vc(r)).toEqual(['provider', 'outage']);
    expect(ev(r.d, 'recovered')).toBeUndefined();
  });

  it('no traffic after the failures → stays as it was: silence is not recovery', () => {
    expect(vc(both(outage(), [], sec(10 * 60)))).toEqual(['provider', 'outage']);
  });

  it('successes to only one of the blamed services: that one is set aside, the silent one keeps its verdict', () => {
    const r = both([...outage(), ...consoleOk(8, 70)]);
    expect(vc(r)).toEqual(['provider', 'cdn']);
    expect(ev(r.d, 'recovered')).toBeUndefined();
    expect(r.d.services.find((s) => s.id === 'console')?.state).toBe('ok');
    expect(r.d.services.find((s) => s.id === 'cdn')?.state).toBe('failing');
  });

  it('fewer than RECOVERY_MIN_OK successes → still the provider', () => {
    expect(vc(both([...outage(), ...consoleOk(2, 70), ...okImgs(RECOVERY_MIN_OK - 3, 73)]))).toEqual([
      'provider',
      'outage',
    ]);
  });

  it('a new failure restarts the count', () => {
    const outs = [
      ...outage(),
      ...consoleOk(3, 70),
      ...okImgs(3, 73),
      o('img.alicdn.com', { at: 80, error: 'net::ERR_CONNECTION_RESET' }),
      ...okImgs(5, 90),
    ];
    // last failure at 80 s: quiet only from 140 s on
    expect(vc(both(outs, [], sec(100)))).toEqual(['provider', 'outage']);
    expect(vc(both(outs, [], sec(141)))).toEqual(['healthy', 'none']);
  });

  it('one service recovered, another still failing (within the outage overlap) → the other one is the diagnosis', () => {
    const outs = [
      ...okImgs(6),
      ...n(4, (i) => o('www.yuque.com', { at: i, status: 503 })),
      ...n(6, (i) => o('www.yuque.com', { at: 70 + i })),
      ...n(4, (i) => o('mybucket.oss-cn-hangzhou.aliyuncs.com', { at: 80 + i, status: 503 })),
    ];
    const r = both(outs);
    expect(vc(r)).toEqual(['provider', 'server-error']);
    expect(ev(r.d, 'server-5xx')!.hosts).toEqual(['mybucket.oss-cn-hangzhou.aliyuncs.com']);
  });

  it('user side: the proxy is fixed → 5 successes to any watched service after 60 s → healthy', () => {
    const bad = n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_TUNNEL_CONNECTION_FAILED' }));
    expect(vc(both([...bad, ...okImgs(5, 70)]))).toEqual(['healthy', 'none']);
    expect(vc(both([...bad, ...okImgs(4, 70)]))).toEqual(['user', 'proxy']);
    expect(vc(both([...bad, ...okImgs(5, 30)]))).toEqual(['user', 'proxy']);
  });

  it('user side: offline, then back online', () => {
    const off = n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_INTERNET_DISCONNECTED' }));
    expect(vc(both(off))).toEqual(['user', 'offline']);
    // the browser's own word holds until a later request succeeds — then it was a blip, and it is over
    expect(vc(both([...off, ...okImgs(6, 65)]))).toEqual(['healthy', 'none']);
    expect(vc(both([...okImgs(6, -60), ...off, ...okImgs(1, 10)]))).toEqual(['healthy', 'none']);
  });

  it('user side: everything failing (control too), then the network works again', () => {
    const outs = [
      ...n(4, (i) => o('img.alicdn.com', { at: i, error: 'net::ERR_CONNECTION_TIMED_OUT' })),
      ...ctl(4, 0, { error: 'net::ERR_CONNECTION_TIMED_OUT' }),
    ];
    expect(vc(both([...outs, ...okImgs(6, 30)]))).toEqual(['user', 'offline']);
    expect(vc(both([...outs, ...okImgs(6, 70), ...ctl(2, 70)]))).toEqual(['healthy', 'none']);
    // a control probe that failed recently keeps it
    const probe: Observation = {
      kind: 'probe',
      t: sec(50),
      probe: 'control',
      target: 'https://www.baidu.com/',
      ok: false,
    };
    expect(vc(both([...outs, ...okImgs(6, 70)], [probe]))).toEqual(['user', 'offline']);
  });

  it('blocked-by-extension: the blocker is turned off', () => {
    const b = n(3, (i) => o('g.alicdn.com', { at: i, error: 'net::ERR_BLOCKED_BY_CLIENT' }));
    expect(vc(both([...okImgs(6), ...b]))).toEqual(['user', 'blocked-by-extension']);
    expect(vc(both([...okImgs(6), ...b, ...okImgs(5, 70)]))).toEqual(['healthy', 'none']);
  });

  it('LiveEngine: provider while failing, healthy once recovered, since = the recovery', () => {
    const live = new LiveEngine();
    for (const x of outage()) live.add(x);
    expect(vc(live.diagnose(sec(5)))).toEqual(['provider', 'outage']);
    for (const x of [...consoleOk(3, 20), ...okImgs(3, 21)]) live.add(x);
    expect(vc(live.diagnose(sec(30)))).toEqual(['provider', 'outage']);
    expect(vc(live.diagnose(sec(62)))).toEqual(['provider', 'outage']); // only 59 s since the last failure
    const d = live.diagnose(sec(64));
    expect(vc(d)).toEqual(['healthy', 'none']);
    expect(d.since).toBe(sec(21));
    expect(ev(d, 'recovered')!.last).toBe(sec(21));
  });

  it('LiveEngine: marks stay exact while old events are evicted (1-minute window)', () => {
    const live = new LiveEngine(60_000);
    const outs = [
      ...outage(),
      ...consoleOk(3, 20),
      ...okImgs(3, 40),
      ...n(4, (i) => o('www.yuque.com', { at: 50 + i, status: 503 })),
      ...n(6, (i) => o('www.yuque.com', { at: 100 + i })),
      ...okImgs(3, 130),
    ];
    outs.sort((a, b) => a.t - b.t);
    outs.forEach((x, i) => {
      live.add(x);
      const now = x.t + 1;
      const batch = diagnose(outs.slice(0, i + 1), [], { now, window: 60_000 });
      expect({ ...live.diagnose(now), since: null }).toEqual({ ...batch, since: null });
    });
    for (const s of [150, 160, 175, 200]) {
      const batch = diagnose(outs, [], { now: sec(s), window: 60_000 });
      expect({ ...live.diagnose(sec(s)), since: null }).toEqual({ ...batch, since: null });
    }
  });

  it('unclear findings recover too, a single old blip does not keep a healthy page unclear', () => {
    const auth = o('b.oss-cn-hangzhou.aliyuncs.com', { status: 403, code: 'InvalidAccessKeyId', keyTag: 'k' });
    expect(vc(both([auth, ...okImgs(8)]))).toEqual(['unclear', 'insufficient-evidence']);
    const later = n(5, (i) => o('b.oss-cn-hangzhou.aliyuncs.com', { at: 70 + i, keyTag: 'k' }));
    expect(vc(both([auth, ...okImgs(8), ...later]))).toEqual(['healthy', 'none']);
  });
});

describe('probe results', () => {
  const resets = n(4, (i) => o('www.yuque.com', { at: i, error: 'net::ERR_CONNECTION_RESET' }));
  it('inconclusive probes are no evidence (stored as detail "inconclusive…", or run.ts’s redirect/opaque)', () => {
    const failing: Observation = {
      kind: 'probe',
      t: T0,
      probe: 'control',
      target: 'https://www.baidu.com/',
      ok: false,
    };
    expect(vc(both([...resets, ...okImgs(2)], [failing]))).toEqual(['user', 'offline']);
    expect(vc(both([...resets, ...okImgs(2)], [{ ...failing, detail: 'inconclusive: network error' }]))).toEqual([
      'unclear',
      'insufficient-evidence',
    ]);
    const auth = n(2, (i) => o('img.alicdn.com', { at: i, status: 403 }));
    for (const detail of ['inconclusive: redirect', 'inconclusive', 'redirect', 'opaque']) {
      const retry: Observation = {
        kind: 'probe',
        t: sec(3),
        probe: 'cookieless-retry',
        target: 'img.alicdn.com/i/{n}.jpg',
        ok: detail.startsWith('inconclusive') && detail !== 'inconclusive',
        detail,
      };
      expect(vc(both([...auth, ...okImgs(8, 2)], [retry])), detail).toEqual(['unclear', 'insufficient-evidence']);
    }
  });

  it('cookie-less retry works while the user’s requests with cookies are refused → the session (credentials)', () => {
    const auth = n(2, (i) => o('img.alicdn.com', { at: i, status: 403, path: '/private/a.jpg' }));
    const retry: Observation = {
      kind: 'probe',
      t: sec(3),
      probe: 'cookieless-retry',
      target: 'img.alicdn.com/private/a.jpg',
      ok: true,
      detail: 'HTTP 200',
    };
    expect(vc(both([...auth, ...okImgs(8, 2)]))).toEqual(['unclear', 'insufficient-evidence']);
    const r = both([...auth, ...okImgs(8, 2)], [retry]);
    expect(vc(r)).toEqual(['user', 'credentials']);
    expect(r.rule).toBe('session');
    expect(ev(r.d, 'retry-ok')!.text.key).toBe('evidence_retry_ok');
    expect(r.d.advice.map((a) => [a.text.key, a.action])).toEqual([['advice_session', 'clear-cookies']]);
    // a newer retry that failed without cookies too takes it back
    const again: Observation = { ...retry, t: sec(5), ok: false, detail: 'HTTP 403' };
    expect(vc(both([...auth, ...okImgs(8, 2)], [retry, again]))).toEqual(['unclear', 'insufficient-evidence']);
  });

  it('cookie-less retry failing too supports the provider side for that host’s service', () => {
    expect(vc(both([...resets, ...okImgs(2)]))).toEqual(['unclear', 'insufficient-evidence']);
    const retry: Observation = {
      kind: 'probe',
      t: sec(5),
      probe: 'cookieless-retry',
      target: 'www.yuque.com/api/x',
      ok: false,
      detail: 'HTTP 502',
    };
    const r = both([...resets, ...okImgs(2)], [retry]);
    expect(vc(r)).toEqual(['provider', 'server-error']);
    expect(ev(r.d, 'retry-fails')!.hosts).toEqual(['www.yuque.com']);
    // a retry of another service's host says nothing about this one
    expect(vc(both([...resets, ...okImgs(2)], [{ ...retry, target: 'img.alicdn.com/x.jpg' }]))).toEqual([
      'unclear',
      'insufficient-evidence',
    ]);
  });

  it('DNS: NXDOMAIN (exists false), exists, and SERVFAIL/unknown (exists undefined) stay apart', () => {
    const bad = n(3, (i) => o('www.taobao.com', { at: i, error: 'net::ERR_NAME_NOT_RESOLVED' }));
    const dns = (x: Partial<Extract<Observation, { kind: 'probe' }>>): Observation => ({
      kind: 'probe',
      t: sec(4),
      probe: 'dns',
      target: 'www.taobao.com',
      ok: true,
      ...x,
    });
    expect(vc(both([...bad, ...okImgs(6)], [dns({ exists: false, detail: 'NXDOMAIN' })]))).toEqual([
      'provider',
      'dns-provider',
    ]);
    expect(vc(both([...bad, ...okImgs(6)], [dns({ exists: true, detail: 'NOERROR 2 answers' })]))).toEqual([
      'user',
      'dns-local',
    ]);
    const r = both([...bad, ...okImgs(6)], [dns({ detail: 'SERVFAIL' })]);
    expect(vc(r)).toEqual(['unclear', 'insufficient-evidence']);
    expect(ev(r.d, 'dns-probe-unknown')!.text.args).toEqual(['www.taobao.com', 'SERVFAIL']);
    // the resolver itself unreachable (ok false): nothing
    expect(
      ev(both([...bad, ...okImgs(6)], [dns({ ok: false, detail: 'resolver HTTP 503' })]).d, 'dns-probe-unknown'),
    ).toBeUndefined();
  });
});

describe('broken-image observations', () => {
  const img = (x: Partial<Extract<Observation, { kind: 'broken-image' }>>): Observation => ({
    kind: 'broken-image',
    t: sec(6),
    host: 'img.alicdn.com',
    service: 'cdn',
    path: '/i/{n}.jpg',
    reason: 'error',
    count: 1,
    pageHost: 'www.taobao.com',
    ...x,
  });
  it('many error / zero-size pictures on a CDN host with outcomes → cdn', () => {
    const r = both(okImgs(6), [img({ count: 2 }), img({ reason: 'zero-size', count: 2 })]);
    expect(vc(r)).toEqual(['provider', 'cdn']);
    expect(ev(r.d, 'broken-images')!.count).toBe(4);
    expect(ev(r.d, 'broken-images')!.text.key).toBe('evidence_broken_images');
  });
  it('too few pictures, too small a share, or no outcomes for the host → not cdn', () => {
    expect(vc(both(okImgs(6), [img({ count: 2 })]))).toEqual(['healthy', 'none']);
    expect(vc(both(okImgs(40), [img({ count: 4 })]))).toEqual(['healthy', 'none']);
    expect(vc(both(okImgs(6), [img({ host: 'gw.alicdn.com', count: 6 })]))).toEqual(['healthy', 'none']);
    // not a CDN host
    expect(
      vc(
        both(
          [...okImgs(6), ...n(4, (i) => o('www.yuque.com', { at: i }))],
          [img({ host: 'www.yuque.com', service: 'docs', count: 6 })],
        ),
      ),
    ).toEqual(['healthy', 'none']);
  });
  it('pictures and failed requests of the same host are not counted twice', () => {
    // 2 failed requests that are the 2 broken pictures, among 20: 2 failures, not 4
    const outs = [...okImgs(18), ...n(2, (i) => o('img.alicdn.com', { at: 30 + i, status: 504 }))];
    expect(vc(both([...outs, ...ctl(4)], [img({ count: 2 })]))).toEqual(['healthy', 'none']);
    expect(vc(both([...outs, ...ctl(4)], [img({ count: 4 })]))).toEqual(['provider', 'cdn']);
  });
  it('broken CDN pictures recover like failures', () => {
    expect(vc(both([...okImgs(6), ...okImgs(5, 70)], [img({ count: 5 })]))).toEqual(['healthy', 'none']);
    expect(vc(both([...okImgs(6), ...okImgs(5, 30)], [img({ count: 5 })]))).toEqual(['provider', 'cdn']);
  });
  it('empty-url and lazy-unresolved pictures on provider pages → page-bug; elsewhere not', () => {
    expect(vc(both(okImgs(6), [img({ reason: 'lazy-unresolved', count: 3 })]))).toEqual(['provider', 'page-bug']);
    // src="undefined": the picture's own host is no provider host, the page is
    expect(
      vc(both(okImgs(6), [img({ reason: 'empty-url', host: 'undefined', service: null, path: '/', count: 2 })])),
    ).toEqual(['provider', 'page-bug']);
    expect(
      vc(
        both(okImgs(6), [
          img({
            reason: 'lazy-unresolved',
            host: 'cdn.example.org',
            service: null,
            pageHost: 'blog.example.org',
            count: 5,
          }),
        ]),
      ),
    ).toEqual(['healthy', 'none']);
  });
});
