/**
 * What the simulator's end-to-end scenarios found: loops and healthy-blocking failures that recover, control
 * evidence from probes, the status-page reading, and auth failures as a live browser sees them (no bodies: OSS
 * ECs, OpenAPI request ids). Both paths (diagnose() and LiveEngine) on every stream; verdict AND cause.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decidingRule,
  diagnose,
  failClass,
  isOfficialIncident,
  LiveEngine,
  RECOVERY_MIN_OK,
  RECOVERY_QUIET_MS,
  Tally,
} from '../../src/core/engine';
import { findLoops } from '../../src/core/loops/redirect-loops';
import { OSS_EC_CODES, providerCode } from '../../src/core/taxonomy/provider-codes';
import type { Diagnosis, Observation, RequestOutcome } from '../../src/core/types';
import { REFERENCE, external } from '../corpus/paths';

import { T0, o, n, okImgs, ctl, sec, ossOk, ossRefused, apiOk, apiRefused } from './engine-fixtures';

function both(outs: RequestOutcome[], obs: Observation[] = [], now?: number) {
  const sorted = [...outs].sort((a, b) => a.t - b.t);
  const at = now ?? Math.max(T0, ...sorted.map((x) => x.t), ...obs.map((x) => x.t)) + 1000;
  const d = diagnose(sorted, obs, { now: at });
  const live = new LiveEngine();
  for (const x of sorted) live.add(x);
  for (const x of [...obs].sort((a, b) => a.t - b.t)) live.addObservation(x);
  const l = live.diagnose(at);
  expect({ ...l, since: null }, 'LiveEngine ≡ diagnose()').toEqual({ ...d, since: null });
  const tally = new Tally();
  for (const x of sorted) tally.add(Tally.classify(x));
  return { verdict: d.verdict, cause: d.cause, d, rule: decidingRule(tally, obs, at) };
}
const vc = (r: { verdict: string; cause: string }) => [r.verdict, r.cause];
const ev = (d: Diagnosis, id: string) => d.evidence.find((e) => e.id === id);

// ---- live shapes of 2023-11-12 (no bodies) -------------------------------------------------------------------

const consoleApi = (at: number, status = 200) =>
  o('ecs.console.aliyun.com', { at, type: 'xhr', path: '/api/ecs/DescribeInstances.json', status });
const consolePage = (at: number, path = '/') => o('ecs.console.aliyun.com', { at, type: 'main_frame', path });

/** The sign-in loop of the outage as webRequest sees it: /session ↔ signin.aliyun.com, ticket sent back, then ERR_TOO_MANY_REDIRECTS. */
function signinLoop(at: number): RequestOutcome[] {
  const out: RequestOutcome[] = [];
  for (let k = 0; k < 3; k++) {
    out.push(
      o('ecs.console.aliyun.com', {
        at: at + k,
        type: 'main_frame',
        path: '/session',
        status: 302,
        redirectTo: 'signin.aliyun.com/login.htm',
        sentCookies: k ? ['login_aliyunid_ticket'] : [],
      }),
    );
    out.push(
      o('signin.aliyun.com', {
        at: at + k + 0.3,
        type: 'main_frame',
        path: '/login.htm',
        status: 302,
        redirectTo: 'ecs.console.aliyun.com/session',
        setCookies: ['login_aliyunid_ticket'],
        sentCookies: k ? ['login_aliyunid_ticket'] : [],
      }),
    );
  }
  out.push(
    o('ecs.console.aliyun.com', {
      at: at + 3,
      type: 'main_frame',
      path: '/session',
      error: 'net::ERR_TOO_MANY_REDIRECTS',
    }),
  );
  return out;
}
const loopObs = (at: number): Observation => ({
  kind: 'redirect-loop',
  t: sec(at),
  hosts: ['ecs.console.aliyun.com', 'signin.aliyun.com'],
  hops: 6,
  login: true,
  cookies: 'returned',
  service: 'console',
});

/** 17:30–17:38 everything works; 17:39 keys refused (OSS EC, OpenAPI 404 + request id), console 503, sign-in loops. */
function outage(): { outs: RequestOutcome[]; obs: Observation[] } {
  const outs = [
    consolePage(-300),
    ...n(4, (i) => ossOk(-290 + i * 20, i)),
    ...n(3, (i) => apiOk(-280 + i * 20)),
    ...n(3, (i) => consoleApi(-270 + i * 20)),
    ...ctl(4, -260),
    consolePage(0),
    ...n(4, (i) => ossRefused(1 + i * 10)),
    ...n(3, (i) => apiRefused(2 + i * 10)),
    ...n(3, (i) => consoleApi(3 + i * 10, 503)),
    ...signinLoop(40),
    ...ctl(4, 45),
  ];
  return { outs, obs: [loopObs(42), loopObs(47)] };
}
/** Recovery: the user keeps working, every request succeeds (8 page loads with their calls, like the simulator). */
function recovery(from: number): RequestOutcome[] {
  return n(8, (k) => from + k * 15).flatMap((t) => [
    consolePage(t),
    consolePage(t + 1, '/session'),
    consoleApi(t + 2),
    ossOk(t + 3, k0(t)),
    apiOk(t + 4),
  ]);
}
const k0 = (t: number) => t % 7;

describe('auth failures as a live browser sees them (no bodies)', () => {
  it('OSS ECs: documented ones give the provider code (with their status), only when no body code was read', () => {
    expect(providerCode(ossRefused(0))).toBe('InvalidAccessKeyId');
    for (const ec of ['0002-00000901', '0002-00000902', '0002-00000903', '0002-00000904'])
      expect(failClass(ossRefused(0, ec)), ec).toBe('auth');
    expect(failClass(ossRefused(0, '0002-00000501'))).toBe('skew');
    expect(providerCode(ossRefused(0, '0002-00000504'))).toBeUndefined(); // not documented: a plain 403
    expect(failClass({ ...ossRefused(0), status: 200, kind: 'ok', phase: 'ok' })).toBeNull();
    expect(failClass({ ...ossRefused(0), status: 503, kind: 'http.5xx' })).toBe('http5');
    expect(providerCode({ ...ossRefused(0), code: 'AccessDenied' })).toBe('AccessDenied');
    expect(failClass({ ...ossRefused(0, '0002-00000501'), code: 'InvalidAccessKeyId' })).toBe('auth');
  });

  it('the EC table names its source keys, and they exist in the reference', () => {
    for (const [ec, m] of OSS_EC_CODES) {
      expect(ec).toMatch(/^0002-00000\d{3}$/);
      expect(['oss_ec_ak', 'oss_ec_skew']).toContain(m.src);
      expect(m.status).toBe(403);
    }
    const ref = external(REFERENCE);
    if (!ref) return;
    const sources = (JSON.parse(readFileSync(ref, 'utf8')) as { sources: Record<string, string[]> }).sources;
    for (const [ec, m] of OSS_EC_CODES)
      expect(
        sources[m.src]!.some((u) => u.endsWith(ec)),
        ec,
      ).toBe(true);
  });

  it('OpenAPI 401/403/404 with x-acs-request-id on a signed request and no body code: a weak auth candidate', () => {
    for (const s of [401, 403, 404]) expect(failClass(apiRefused(0, s)), String(s)).toBe('auth-weak');
    expect(failClass({ ...apiRefused(0), keyTag: undefined })).toBeNull(); // not signed: an ordinary 404
    expect(failClass({ ...apiRefused(0), ids: {} })).toBeNull();
    expect(failClass({ ...apiRefused(0), code: 'InvalidInstanceId.NotFound' })).toBeNull(); // the body said what it was
    expect(failClass({ ...apiRefused(0), code: 'InvalidAccessKeyId.NotFound' })).toBe('auth');
    expect(failClass(apiRefused(0, 400))).toBeNull();
    expect(failClass({ ...apiRefused(0), host: 'photos.oss-cn-hangzhou.aliyuncs.com', service: 'oss' })).toBeNull(); // OpenAPI only
  });

  it('the live 2023-11-12 replay (OSS EC 403s + OpenAPI 404s on keys that worked + console 503) → provider/auth-service', () => {
    const { outs, obs } = outage();
    const r = both(outs, obs, sec(60));
    expect(vc(r)).toEqual(['provider', 'auth-service']);
    expect(r.rule).toBe('auth-onset');
    const onset = ev(r.d, 'auth-onset')!;
    expect(onset.text.args).toEqual([7, 'oss, openapi']);
    expect(onset.ids!.some((x) => x.ossEc === '0002-00000902')).toBe(true);
    expect(onset.ids!.some((x) => x.acsRequestId !== undefined)).toBe(true);
  });

  it('weak candidates never decide alone: OpenAPI refusals only → not auth-service; never credentials', () => {
    const before = [...n(3, (i) => apiOk(i)), ...okImgs(8, 0), ...n(3, (i) => consoleApi(i))];
    // two services, but only OpenAPI's weak candidates: no onset
    const weakOnly = [
      ...before,
      ...n(4, (i) => apiRefused(20 + i)),
      ...n(3, (i) => o('www.yuque.com', { at: 20 + i, type: 'xhr', status: 404 })),
    ];
    expect(both(weakOnly).cause).not.toBe('auth-service');
    // one key refused from its first request (403 + request id, no body) while the rest works: not credentials
    const fresh = [
      ...okImgs(8),
      ...n(6, (i) => ossOk(i, i)),
      ...n(3, (i) => ({ ...apiRefused(10 + i, 403), keyTag: 'k2' })),
    ];
    expect(vc(both(fresh))).toEqual(['unclear', 'insufficient-evidence']);
    expect(ev(both(fresh).d, 'watched-failing')!.hosts).toEqual(['ecs.cn-hangzhou.aliyuncs.com']);
    // 404s alone stay what they were for the healthy rule (not-found is routine)
    expect(
      vc(
        both([
          ...okImgs(8),
          ...n(6, (i) => ossOk(i, i)),
          ...n(3, (i) => ({ ...apiRefused(10 + i, 404), keyTag: 'k2' })),
        ]),
      ),
    ).toEqual(['healthy', 'none']);
  });
});

describe('recovery after an outage that included a login loop (simulator, 2023-11-12)', () => {
  it('uses the recovery constants', () => {
    expect([RECOVERY_QUIET_MS, RECOVERY_MIN_OK]).toEqual([60_000, 5]);
  });

  it('after the provider recovered and the user browsed successfully → healthy/none, with `recovered` evidence', () => {
    const { outs, obs } = outage();
    const all = [...outs, ...recovery(200)];
    const r = both(all, obs, sec(320));
    expect(vc(r)).toEqual(['healthy', 'none']);
    expect(r.rule).toBe('recovered');
    const rec = r.d.evidence.filter((e) => e.id === 'recovered');
    expect(rec.length).toBeGreaterThanOrEqual(2);
    expect(rec.some((e) => e.hosts.includes('ecs.console.aliyun.com'))).toBe(true);
    expect(r.d.since).toBeGreaterThanOrEqual(sec(200));
  });

  it('…but not while the loop is recent, nor without enough page loads after it', () => {
    const { outs, obs } = outage();
    // the loop's last step at 47 s: quiet only from 107 s
    expect(vc(both([...outs, ...recovery(60)], obs, sec(100)))).not.toEqual(['healthy', 'none']);
    // the other failures recovered, the login never loaded again: only pictures elsewhere → still the loop
    const pics = [...n(6, (i) => ossOk(200 + i, i)), ...n(6, (i) => apiOk(200 + i)), ...okImgs(10, 200)];
    const r = both([...outs, ...pics], obs, sec(320));
    expect(vc(r)).toEqual(['provider', 'login-loop']);
    expect(ev(r.d, 'recovered')).toBeUndefined();
  });

  it('a new loop step restarts it', () => {
    const { outs, obs } = outage();
    const later = [...recovery(200), ...signinLoop(330)];
    expect(vc(both([...outs, ...later], [...obs, loopObs(332)], sec(340)))).toEqual(['provider', 'login-loop']);
    // …and it recovers again in turn
    expect(vc(both([...outs, ...later, ...recovery(400)], [...obs, loopObs(332)], sec(520)))).toEqual([
      'healthy',
      'none',
    ]);
  });

  it('a loop found in the outcomes (a HAR: findLoops) recovers with page loads on its hosts or its service', () => {
    const outs = [...signinLoop(0), ...okImgs(6, 0), ...ctl(4)];
    const loops = findLoops(outs);
    expect(loops).toHaveLength(1);
    expect(vc(both(outs, loops))).toEqual(['provider', 'login-loop']);
    expect(vc(both([...outs, ...n(RECOVERY_MIN_OK, (i) => consoleApi(70 + i))], loops))).toEqual(['healthy', 'none']);
    expect(vc(both([...outs, ...n(RECOVERY_MIN_OK - 1, (i) => consoleApi(70 + i))], loops))).toEqual([
      'provider',
      'login-loop',
    ]);
    // pictures are not page loads
    expect(vc(both([...outs, ...okImgs(12, 70)], loops))).toEqual(['provider', 'login-loop']);
  });

  it('ERR_TOO_MANY_REDIRECTS on the login host ends the chain: the loop protected the console and recovers with it', () => {
    const steps = [
      ...signinLoop(0).slice(0, 6),
      o('ecs.console.aliyun.com', {
        at: 3,
        type: 'main_frame',
        path: '/session',
        status: 302,
        redirectTo: 'signin.aliyun.com/login.htm',
        sentCookies: ['login_aliyunid_ticket'],
      }),
      o('signin.aliyun.com', { at: 3.3, type: 'main_frame', path: '/login.htm', error: 'net::ERR_TOO_MANY_REDIRECTS' }),
    ];
    const loops = findLoops(steps);
    expect(loops).toHaveLength(1);
    expect(loops[0]!.service).toBe('console');
    expect(loops[0]!.t).toBe(sec(3.3)); // the browser's error is its newest step
    const outs = [...steps, ...okImgs(6), ...ctl(4)];
    expect(vc(both(outs, loops))).toEqual(['provider', 'login-loop']);
    // the sign-in page is never loaded again (the ticket is valid): console pages are what shows it is over
    const r = both([...outs, ...n(RECOVERY_MIN_OK, (i) => consolePage(70 + i))], loops);
    expect(vc(r)).toEqual(['healthy', 'none']);
    expect(r.d.services.find((x) => x.id === 'login')?.failures).toBe(1); // still shown as it happened
  });

  it('loops reported every 5 s for a long time all recover at once (no pass limit)', () => {
    const obs = n(60, (i) => loopObs(i * 5));
    const outs = [...okImgs(8), ...n(6, (i) => consolePage(400 + i))];
    expect(vc(both(outs, obs, sec(350)))).toEqual(['provider', 'login-loop']);
    const r = both(outs, obs, sec(410));
    expect(vc(r)).toEqual(['healthy', 'none']);
  });

  it('cookies-blocked loops recover too once the login works', () => {
    const blocked: Observation = { ...loopObs(0), cookiesBlocked: true } as Observation;
    expect(vc(both(okImgs(8), [blocked]))).toEqual(['user', 'cookies-blocked']);
    expect(vc(both([...okImgs(8), ...n(5, (i) => consolePage(70 + i))], [blocked]))).toEqual(['healthy', 'none']);
  });

  it('LiveEngine along the whole replay: identical to diagnose() at every step, auth-service during, healthy after', () => {
    const { outs, obs } = outage();
    const stream: ({ o: RequestOutcome } | { x: Observation })[] = [
      ...outs.map((x) => ({ o: x })),
      ...obs.map((x) => ({ x })),
      ...recovery(200).map((x) => ({ o: x })),
    ];
    const t = (e: { o: RequestOutcome } | { x: Observation }) => ('o' in e ? e.o.t : e.x.t);
    stream.sort((a, b) => t(a) - t(b));
    for (const window of [60_000, 15 * 60_000]) {
      const live = new LiveEngine(window);
      const seenO: RequestOutcome[] = [];
      const seenX: Observation[] = [];
      let during = '';
      for (const e of stream) {
        if ('o' in e) {
          live.add(e.o);
          seenO.push(e.o);
        } else {
          live.addObservation(e.x);
          seenX.push(e.x);
        }
        const now = t(e) + 1;
        const batch = diagnose(seenO, seenX, { now, window });
        const d = live.diagnose(now);
        expect({ ...d, since: null }).toEqual({ ...batch, since: null });
        if (now === sec(47) + 1 && window > 60_000) during = `${d.verdict}/${d.cause}`;
      }
      if (window > 60_000) {
        expect(during).toBe('provider/auth-service');
        expect(vc(live.diagnose(sec(320)))).toEqual(['healthy', 'none']);
      }
    }
  });
});

describe('the healthy rule’s blockers honour recovery', () => {
  it('one certificate-date failure, then 5 successes after a quiet minute → healthy', () => {
    const bad = o('gw.alipayobjects.com', { at: 0, error: 'net::ERR_CERT_DATE_INVALID' });
    expect(vc(both([bad, ...okImgs(8)]))).toEqual(['unclear', 'insufficient-evidence']);
    expect(vc(both([bad, ...okImgs(8), ...okImgs(5, 70)]))).toEqual(['healthy', 'none']);
    expect(vc(both([bad, ...okImgs(8), ...okImgs(5, 30)]))).toEqual(['unclear', 'insufficient-evidence']);
  });

  it('clock codes alone (RequestTimeTooSkewed via EC) recover with the service that refused them', () => {
    const skew = n(2, (i) => ossRefused(i, '0002-00000501'));
    expect(vc(both([...skew, ...okImgs(8)]))).toEqual(['user', 'clock-skew']);
    expect(vc(both([...skew, ...okImgs(8), ...n(5, (i) => ossOk(70 + i, i))]))).toEqual(['healthy', 'none']);
    // successes elsewhere do not show the clock was fixed
    expect(vc(both([...skew, ...okImgs(8), ...okImgs(8, 70)]))).toEqual(['user', 'clock-skew']);
  });

  it('an old auth failure whose service never worked again still keeps it unclear (silence is not recovery)', () => {
    const auth = [ossOk(-10), ossRefused(0), ossRefused(1)]; // the key worked before: not credentials
    expect(vc(both([...auth, ...okImgs(8), ...okImgs(8, 70)]))).toEqual(['unclear', 'insufficient-evidence']);
    expect(vc(both([...auth, ...okImgs(8), ...n(5, (i) => ossOk(70 + i, i))]))).toEqual(['healthy', 'none']);
  });
});

describe('control evidence from the extension’s probes', () => {
  const resets = n(4, (i) => o('www.yuque.com', { at: i, error: 'net::ERR_CONNECTION_RESET' }));
  const probe = (target: string, ok: boolean, at = 3): Observation => ({
    kind: 'probe',
    t: sec(at),
    probe: 'control',
    target,
    ok,
    detail: ok ? 'opaque' : 'network error',
  });

  it('other sites known to work only from probes: "$1 of $2 neutral sites answered", the sites as hosts', () => {
    const r = both(
      [...resets, ...okImgs(2)],
      [probe('www.baidu.com', true), probe('www.qq.com', true), probe('www.163.com', false, 2)],
    );
    expect(vc(r)).toEqual(['provider', 'server-error']);
    const e = ev(r.d, 'control-probe-ok')!;
    expect(e.text).toEqual({ key: 'evidence_control_probe_ok', args: [2, 3, 'www.baidu.com, www.qq.com'] });
    expect(e.count).toBe(2);
    expect(e.hosts).toEqual(['www.baidu.com', 'www.qq.com']);
    expect(ev(r.d, 'control-ok')).toBeUndefined();
  });

  it('other sites known to fail only from probes: "$1 of $2 neutral sites did not answer"', () => {
    const r = both([...resets, ...okImgs(2)], [probe('www.baidu.com', false), probe('www.qq.com', false)]);
    expect(vc(r)).toEqual(['user', 'offline']);
    expect(ev(r.d, 'control-probe-failing')!.text).toEqual({
      key: 'evidence_control_probe_failing',
      args: [2, 2, 'www.baidu.com, www.qq.com'],
    });
    expect(ev(r.d, 'control-failing')).toBeUndefined();
  });

  it('the newest result per site counts; control traffic, when it decides, keeps its own evidence', () => {
    const r = both(
      [...resets, ...okImgs(2)],
      [probe('www.baidu.com', false, 1), probe('www.baidu.com', true, 2), probe('www.qq.com', true, 3)],
    );
    expect(ev(r.d, 'control-probe-ok')!.text.args).toEqual([2, 2, 'www.baidu.com, www.qq.com']);
    const t = both([...resets, ...okImgs(2), ...ctl(4, 5)], [probe('www.baidu.com', true)]);
    expect(vc(t)).toEqual(['provider', 'server-error']);
    expect(ev(t.d, 'control-ok')!.text.args).toEqual([4, 'www.baidu.com, www.qq.com']);
    expect(ev(t.d, 'control-probe-ok')).toBeUndefined();
  });
});

describe('status-page probes', () => {
  const p = (ok: boolean, alarms?: number, detail?: string) => ({
    kind: 'probe' as const,
    t: T0,
    probe: 'status-page' as const,
    target: 'status.aliyun.com',
    ok,
    ...(alarms !== undefined ? { alarms } : {}),
    ...(detail !== undefined ? { detail } : {}),
  });
  it('only a readable feed with open alarms (a number, never parsed from text) is official evidence', () => {
    expect(isOfficialIncident(p(true, 1))).toBe(true);
    expect(isOfficialIncident(p(true, 2))).toBe(true);
    expect(isOfficialIncident(p(true, 0))).toBe(false);
    expect(isOfficialIncident(p(true))).toBe(false);
    // the human-readable detail is not read
    expect(isOfficialIncident(p(true, undefined, '3 events, 2 open alarms'))).toBe(false);
    for (const d of ['HTTP 503', 'unreadable feed', 'timeout', 'network error'])
      expect(isOfficialIncident(p(false, 1, d)), d).toBe(false);
    expect(isOfficialIncident({ ...p(true, 1), probe: 'control' })).toBe(false);
  });
});
