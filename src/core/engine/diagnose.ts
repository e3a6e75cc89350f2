/**
 * diagnose(): a time-ordered stream of outcomes and observations in, one Diagnosis out. Pure (no browser, no
 * Node APIs). The same Tally + rules back the live engine (live.ts).
 */
import type {
  Advice,
  Cause,
  Diagnosis,
  Evidence,
  Observation,
  RequestOutcome,
  ServiceId,
  ServiceSummary,
} from '../types';
import { buildCtx, type Ctx, emptyMask, fact, hostList, type Mask } from './context';
import { RULES } from './rules';
import type { Blame, Finding, LoopObservation } from './rules/common';
import { countAfter, type Mark, okSince, Tally } from './tally';
import type { FailClass } from './classify';
import { FAILING_RATIO, RECOVERY_MIN_OK, RECOVERY_QUIET_MS, WINDOW_MS } from './thresholds';

export interface DiagnoseOptions {
  now: number;
  /** Window length in ms (default WINDOW_MS). Outcomes and observations older than now − window are ignored. */
  window?: number;
}

export function diagnose(
  outcomes: readonly RequestOutcome[],
  observations: readonly Observation[],
  opts: DiagnoseOptions,
): Diagnosis {
  const from = opts.now - (opts.window ?? WINDOW_MS);
  const tally = new Tally();
  for (const o of outcomes) if (o.source !== 'probe' && o.t >= from) tally.add(Tally.classify(o));
  const obs = observations.filter((o) => o.t >= from);
  return decide(tally, obs, opts.now);
}

/** Run the rules over a tally (shared by diagnose() and LiveEngine). */
export function decide(tally: Tally, obs: Observation[], now: number): Diagnosis {
  const { ctx, first, finding: f, recovered } = run(tally, obs, now);
  const evidence = [...recovered, ...f.evidence];
  const noise = noiseEvidence(ctx);
  if (noise) evidence.push(noise);
  return {
    verdict: f.verdict,
    cause: f.cause,
    services: summaries(ctx, first, f),
    evidence,
    advice: f.evidence.some((e) => e.id === 'retry-ok')
      ? SESSION_ADVICE.map((a) => ({ ...a, text: { ...a.text } }))
      : adviceFor(f.cause, f.verdict),
    since: sinceOf(f, ctx, recovered),
    at: now,
  };
}

/** Name of the rule that decided (for tests and debugging); 'recovered' when a finding was dropped as recovered. */
export function decidingRule(tally: Tally, obs: Observation[], now: number): string {
  return run(tally, obs, now).rule;
}

/**
 * The first finding of RULES; when it blames something that has recovered (recoveryOf), what it blames is set
 * aside and the rules run again — another problem may remain. Ends healthy (with `recovered` evidence) only when
 * nothing else is wrong. At most one pass per blamed thing (bounded by services + classes).
 */
function run(
  tally: Tally,
  obs: Observation[],
  now: number,
): { ctx: Ctx; first: Ctx; finding: Finding; rule: string; recovered: Evidence[] } {
  const recovered: Evidence[] = [];
  let mask: Mask | undefined;
  let first: Ctx | undefined;
  for (let pass = 0; ; pass++) {
    const ctx = buildCtx(tally, obs, now, mask);
    first ??= ctx;
    let finding: Finding | null = null;
    let rule = 'unclear';
    for (const [name, r] of RULES) {
      finding = r(ctx);
      if (finding) {
        rule = name;
        break;
      }
    }
    const f = finding!;
    let blame = f.verdict !== 'healthy' && pass < 32 ? f.blame : undefined;
    let ev = blame ? recoveryOf(ctx, blame) : null;
    if (!ev && blame?.services && blame.services.length > 1) {
      // Several services blamed, some of them working again: set those aside and look at the rest.
      const back = blame.services.filter((s) => recoveryOf(ctx, { services: [s] }) !== null);
      if (back.length) {
        blame = { services: back };
        ev = recoveryOf(ctx, blame);
      }
    }
    if (!ev && blame?.loops && blame.loops.length > 1) {
      // Several loops, some of them over: set those aside (all at once) and look at the rest.
      const back = blame.loops.filter((l) => recoveryOf(ctx, { loops: [l] }) !== null);
      if (back.length) {
        blame = { loops: back };
        ev = recoveryOf(ctx, blame);
      }
    }
    if (!ev) {
      if (recovered.length && f.verdict === 'healthy') return { ctx, first, finding: f, rule: 'recovered', recovered };
      // Something else is still wrong: the recovered part is no longer the story.
      return { ctx, first, finding: f, rule, recovered: [] };
    }
    recovered.push(ev);
    mask = extend(mask ?? emptyMask(), blame!);
  }
}

function extend(m: Mask, b: Blame): Mask {
  const out: Mask = {
    services: new Set(m.services),
    classes: new Set(m.classes),
    controlProbes: m.controlProbes || !!b.control,
    obs: new Set(m.obs),
  };
  for (const s of b.services ?? []) out.services.add(s);
  for (const c of b.classes ?? []) out.classes.add(c);
  for (const o of b.obs ?? []) out.obs.add(o);
  for (const l of b.loops ?? []) out.obs.add(l);
  return out;
}

/** Successful requests to service `s` (or to any watched service) started after `t`: binary search per service. */
function okAfter(ctx: Ctx, services: readonly ServiceId[] | null, t: number): { n: number; first: number } {
  let n = 0;
  let first = Infinity;
  const qs = services ? services.map((s) => ctx.tally.svcOk.get(s)) : [...ctx.tally.svcOk.values()];
  for (const q of qs) {
    const a = countAfter(q, t);
    n += a.n;
    first = Math.min(first, a.first);
  }
  return { n, first };
}

/**
 * Successes after a loop's newest step that show it is over. Through a login host: page loads (main_frame,
 * sub_frame, xhr) on the loop's hosts or on the service it protected. Otherwise: any successful request on its
 * hosts. Each request counted once.
 */
export function loopOk(ctx: Ctx, l: LoopObservation): { n: number; first: number } {
  const t = ctx.tally;
  let n = 0;
  let first = Infinity;
  const add = (a: { n: number; first: number }) => {
    n += a.n;
    first = Math.min(first, a.first);
  };
  if (l.login) {
    const svc = l.service;
    if (svc !== null) add(countAfter(t.svcLoad.get(svc), l.t));
    for (const h of l.hosts)
      if (svc === null || (t.hosts.get(h)?.service ?? null) !== svc) add(countAfter(t.hostLoad.get(h), l.t));
  } else for (const h of l.hosts) add(countAfter(t.hostOk.get(h), l.t));
  return { n, first };
}

/**
 * `recovered` evidence when everything the finding blames has been quiet for RECOVERY_QUIET_MS and works again,
 * else null. Services: no failure of theirs for RECOVERY_QUIET_MS, each has succeeded since its last failure, and
 * RECOVERY_MIN_OK successes to them in all. Classes (the user's network): no failure of the class for
 * RECOVERY_QUIET_MS and RECOVERY_MIN_OK successes to watched services since. Observations: quiet since the
 * newest, RECOVERY_MIN_OK successes after it. Silence (no successes) is never recovery.
 */
function recoveryOf(ctx: Ctx, b: Blame): Evidence | null {
  const quietFrom = ctx.now - RECOVERY_QUIET_MS;
  let lastFail = -Infinity;
  let firstOk = -Infinity;
  let any = false;
  let count = 0;
  const quiet = (m: Mark): boolean => m.fails === 0 || m.last <= quietFrom;
  const take = (m: Mark, needOk = true) => {
    any = true;
    lastFail = Math.max(lastFail, m.last);
    if (needOk) firstOk = Math.max(firstOk, m.firstOk ?? Infinity);
  };
  if (b.services?.length) {
    let sum = 0;
    let marked = 0;
    for (const s of b.services) {
      const m = ctx.tally.svcMarks.get(s);
      if (!m || m.fails === 0) continue;
      if (!quiet(m)) return null;
      const n = okSince(m);
      if (n === 0) return null;
      sum += n;
      marked++;
      take(m);
    }
    if (marked > 0) {
      if (sum < RECOVERY_MIN_OK) return null;
      count = Math.max(count, sum);
    }
  }
  if (b.classes?.length) {
    let min = Infinity;
    for (const c of b.classes) {
      const m = ctx.tally.classMarks.get(c);
      if (!m || m.fails === 0) continue;
      if (!quiet(m)) return null;
      min = Math.min(min, okSince(m));
      take(m);
    }
    if (Number.isFinite(min)) {
      if (min < RECOVERY_MIN_OK) return null;
      count = Math.max(count, min);
    }
  }
  if (b.control) {
    const m = ctx.tally.controlMark;
    if (m.fails > 0) {
      if (!quiet(m)) return null;
      take(m, false);
    }
  }
  if (b.obs?.length) {
    let t = -Infinity;
    for (const o of b.obs) t = Math.max(t, o.t);
    if (t > quietFrom) return null;
    const after = okAfter(ctx, b.services?.length ? b.services : null, t);
    if (after.n < RECOVERY_MIN_OK) return null;
    any = true;
    count = Math.max(count, after.n);
    lastFail = Math.max(lastFail, t);
    firstOk = Math.max(firstOk, after.first);
  }
  if (b.loops?.length) {
    for (const l of b.loops) {
      if (l.t > quietFrom) return null;
      const after = loopOk(ctx, l);
      if (after.n < RECOVERY_MIN_OK) return null;
      any = true;
      count = Math.max(count, after.n);
      lastFail = Math.max(lastFail, l.t);
      firstOk = Math.max(firstOk, after.first);
    }
  }
  if (!any || !Number.isFinite(firstOk)) return null;
  const hosts: string[] = [];
  const working = (h: string) => (ctx.tally.hosts.get(h)?.ok ?? 0) > 0 && !hosts.includes(h);
  if (b.loops?.length && !b.services?.length) {
    for (const l of b.loops) {
      for (const h of l.hosts) if (working(h)) hosts.push(h);
      if (l.service !== null) for (const h of ctx.services.get(l.service)?.hosts ?? []) if (working(h)) hosts.push(h);
    }
  }
  const svcs = b.services?.length ? b.services : b.loops?.length ? [] : [...ctx.services.keys()].sort();
  for (const s of svcs) for (const h of ctx.services.get(s)?.hosts ?? []) if (working(h)) hosts.push(h);
  const e = fact('recovered', [count, hostList(hosts)], lastFail, count, hosts);
  e.last = firstOk;
  return e;
}

function sinceOf(f: Finding, ctx: Ctx, recovered: Evidence[]): number | null {
  if (f.verdict === 'healthy' && recovered.length) {
    // Healthy again since the last of the recoveries.
    let t = -Infinity;
    for (const e of recovered) t = Math.max(t, e.last);
    return t;
  }
  if (f.verdict === 'healthy') {
    let first = Infinity;
    for (const q of ctx.tally.svcOk.values()) first = Math.min(first, q.peek() ?? Infinity);
    return Number.isFinite(first) ? first : null;
  }
  let first = Infinity;
  for (const e of f.evidence) if (e.first > 0 && e.first < first) first = e.first;
  return Number.isFinite(first) ? first : null;
}

/**
 * Services the finding names, each with a lower bound of its failures: those it blames, and those whose hosts its
 * evidence lists (the count of an evidence that lists one service's hosts only). Control sites, recoveries and
 * loops (redirects are not failed requests) name none.
 */
function namedServices(ctx: Ctx, f: Finding): Map<ServiceId, number> {
  const named = new Map<ServiceId, number>();
  for (const s of f.blame?.services ?? []) named.set(s, 0);
  for (const e of f.evidence) {
    if (e.id.startsWith('control') || e.id === 'recovered' || e.id === 'redirect-loop') continue;
    const svcs = new Set<ServiceId>();
    for (const h of e.hosts) {
      const s = ctx.tally.hosts.get(h)?.service;
      if (s) svcs.add(s);
    }
    for (const s of svcs) named.set(s, Math.max(named.get(s) ?? 0, svcs.size === 1 ? e.count : 0));
  }
  return named;
}

/**
 * Per service: the state as decided (recovered services are `ok`), the failures as seen in the window (every failed
 * request, whatever its class). The popup agrees with itself: a service the finding names as failing is never
 * shown as working (at least `degraded`, `failing` from FAILING_RATIO of its requests).
 */
function summaries(ctx: Ctx, seen: Ctx, f: Finding): ServiceSummary[] {
  const out: ServiceSummary[] = [];
  const named = f.verdict === 'healthy' ? new Map<ServiceId, number>() : namedServices(ctx, f);
  for (const s0 of seen.services.values()) {
    const s = ctx.services.get(s0.id) ?? s0;
    let failures = 0;
    for (const k in s0.byClass) failures += s0.byClass[k as FailClass]!;
    failures = Math.max(failures, named.get(s.id) ?? 0);
    let state = s.state;
    if (state === 'ok' && failures > 0 && named.has(s.id))
      state = failures >= FAILING_RATIO * s.requests ? 'failing' : 'degraded';
    const x: ServiceSummary = { id: s.id, state, requests: s.requests, failures, hosts: s.hosts.slice(0, 8) };
    if (s0.last !== undefined) x.lastFailure = s0.last;
    out.push(x);
  }
  out.sort((a, b) => b.failures - a.failures || b.requests - a.requests || (a.id < b.id ? -1 : 1));
  return out;
}

function noiseEvidence(ctx: Ctx): Evidence | null {
  const n = ctx.tally.noise;
  const total = n.aborted + n.tracking + n['not-modified'] + n.favicon + n['token-refresh'] + n['not-found'];
  if (total === 0) return null;
  return fact(
    'ignored',
    [n.aborted, n.tracking, n['not-modified'], n.favicon, n['token-refresh'], n['not-found']],
    ctx.now,
    total,
  );
}

const ADVICE: Record<Cause, [string, Advice['action']?][]> = {
  offline: [['advice_check_connection', 'retry']],
  'dns-local': [['advice_dns_local', 'retry']],
  proxy: [['advice_proxy', 'retry']],
  'tls-interception': [['advice_tls_interception']],
  'clock-skew': [['advice_clock']],
  'blocked-by-extension': [['advice_blocked_extension']],
  'cookies-blocked': [['advice_cookies_blocked', 'clear-cookies']],
  credentials: [['advice_credentials']],
  'risk-control': [['advice_risk_control']],
  outage: [
    ['advice_wait_provider', 'open-status'],
    ['advice_copy_report', 'copy-report'],
  ],
  'auth-service': [
    ['advice_auth_service', 'open-status'],
    ['advice_copy_report', 'copy-report'],
  ],
  cdn: [
    ['advice_wait_provider', 'retry'],
    ['advice_copy_report', 'copy-report'],
  ],
  'server-error': [
    ['advice_wait_provider', 'retry'],
    ['advice_copy_report', 'copy-report'],
  ],
  'login-loop': [
    ['advice_login_loop', 'open-status'],
    ['advice_copy_report', 'copy-report'],
  ],
  'page-bug': [
    ['advice_page_bug', 'retry'],
    ['advice_copy_report', 'copy-report'],
  ],
  'dns-provider': [['advice_wait_provider', 'open-status']],
  none: [],
  'insufficient-evidence': [['advice_unclear', 'retry']],
};

/** Credentials found by a cookie-less retry that works: the session (cookies, login state), not an AccessKey. */
const SESSION_ADVICE: readonly Advice[] = [{ id: 'session', text: { key: 'advice_session' }, action: 'clear-cookies' }];

export function adviceFor(cause: Cause, _verdict: string): Advice[] {
  return (ADVICE[cause] ?? []).map(([key, action]) => {
    const a: Advice = { id: key.slice(7).replace(/_/g, '-'), text: { key } };
    if (action) a.action = action;
    return a;
  });
}
