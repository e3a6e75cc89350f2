/**
 * The reasoning, as small named rules. Each reads the derived context and returns a finding or null; the
 * first finding in RULES order wins. Order: the user's own network (everything failing, offline, proxy,
 * DNS), the clock and TLS interception, then the provider's shapes (auth onset, breadth, loops, page bugs,
 * CDN, one server), then user shapes that only hold when the rest works (credentials, anti-bot, blocking
 * extension), healthy, the session (a cookie-less retry works where the user's requests are refused), and
 * last unclear. A finding names what it blames (Blame); diagnose.ts drops it once that has recovered.
 */
import { isLoginHost, serviceOf } from '../catalogue/match';
import type { Cause, Evidence, Observation, RequestOutcome, ServiceId, Verdict } from '../types';
import { type FailClass, isProviderSide, marksService } from './classify';
import { type Ctx, distinctHosts, evidence, fact, failsOf, hostList, type SvcStat } from './context';
import type { Item } from './tally';
import {
  AUTH_ONSET_MIN_FAILURES,
  AUTH_ONSET_MIN_SERVICES,
  BLOCKED_MIN,
  BROKEN_IMAGE_MIN,
  CHAIN_GAP_MS,
  CLOCK_SKEW_MIN_RESPONSES,
  CLOCK_SKEW_MS,
  CLOCK_SKEW_RATIO,
  CONTROL_MIN_OK,
  CREDENTIALS_MIN_FAILURES,
  CREDENTIALS_MIN_OTHERS_OK,
  DNS_MIN,
  HOST_FAIL_RATIO,
  LOOP_MIN_OBSERVATIONS,
  LOOP_REPEAT_REDIRECTS,
  LOOP_REPEAT_REDIRECTS_PLAIN,
  MIN_TRAFFIC,
  OFFLINE_MIN,
  OUTAGE_MIN_GROUPS,
  OUTAGE_OVERLAP_MS,
  PAGE_BUG_MIN,
  PING_PONG_MIN_HOPS,
  PROXY_MIN,
  RISK_MIN,
  SERVICE_FAIL_RATIO,
  TLS_DATE_MIN_HOSTS,
  TLS_INTERCEPT_MIN_HOSTS,
} from './thresholds';

/**
 * What a finding blames, for recovery (diagnose.ts): it is dropped once all of it has been quiet for
 * RECOVERY_QUIET_MS and works again (RECOVERY_MIN_OK successes since). No blame = never dropped early (a clock
 * seen wrong in Date headers or by the clock probe: it leaves with the window).
 */
export interface Blame {
  /** Services whose failures (classes of marksService) the finding rests on; successes to these count. */
  services?: ServiceId[];
  /** Failure classes, any traffic (the user's own network); successes to any watched service count. */
  classes?: FailClass[];
  /** Control traffic failing too (its failures must be quiet as well). */
  control?: boolean;
  /** Observations the finding rests on; successes after the newest count (to `services`, else to any). */
  obs?: Observation[];
  /**
   * Redirect loops (observed or found in the outcomes). Each is over once no step of it for RECOVERY_QUIET_MS and
   * RECOVERY_MIN_OK successes since its last step: page loads (main_frame, sub_frame, xhr) on its hosts or on the
   * service it protected for a loop through a login host, any successful request on its hosts otherwise.
   */
  loops?: Loop[];
}

export interface Finding {
  verdict: Verdict;
  cause: Cause;
  evidence: Evidence[];
  blame?: Blame;
}

export type Rule = (ctx: Ctx) => Finding | null;

const user = (cause: Cause, evidence: Evidence[], blame?: Blame): Finding =>
  blame ? { verdict: 'user', cause, evidence, blame } : { verdict: 'user', cause, evidence };
const provider = (cause: Cause, evidence: Evidence[], blame?: Blame): Finding =>
  blame ? { verdict: 'provider', cause, evidence, blame } : { verdict: 'provider', cause, evidence };

/** Blame of failing outcomes: their services for service-marked classes, the class itself otherwise. */
export function blameOf(items: readonly Item[]): Blame {
  const services = new Set<ServiceId>();
  const classes = new Set<FailClass>();
  for (const it of items) {
    if (it.o.service !== null && marksService(it.c!)) services.add(it.o.service);
    else classes.add(it.c!);
  }
  const b: Blame = {};
  if (services.size) b.services = [...services];
  if (classes.size) b.classes = [...classes];
  return b;
}

type ProbeObs = Extract<Observation, { kind: 'probe' }>;
type BrokenImage = Extract<Observation, { kind: 'broken-image' }>;

/** Host of a probe target (a host, or host + path shape). */
const targetHost = (target: string): string => target.split('/')[0]!.toLowerCase();

/** Cookie-less retries by host: the newest conclusive result of each (inconclusive ones never reach ctx.probes). */
function retriesByHost(ctx: Ctx): Map<string, ProbeObs> {
  const m = new Map<string, ProbeObs>();
  for (const p of ctx.probes) {
    if (p.probe !== 'cookieless-retry') continue;
    const h = targetHost(p.target);
    const cur = m.get(h);
    if (!cur || p.t >= cur.t) m.set(h, p);
  }
  return m;
}

function serviceOfHost(ctx: Ctx, host: string): ServiceId | null {
  const h = ctx.tally.hosts.get(host);
  return h ? h.service : serviceOf(host);
}

/** Retries of a service's hosts that failed without cookies too: the resource fails for anyone. */
function retryFailsEvidence(ctx: Ctx, s: ServiceId): Evidence[] {
  const failed = [...retriesByHost(ctx).entries()].filter(([h, p]) => !p.ok && serviceOfHost(ctx, h) === s);
  if (failed.length === 0) return [];
  const hosts = failed.map(([h]) => h);
  return [fact('retry-fails', [hostList(hosts)], failed[failed.length - 1]![1].t, failed.length, hosts)];
}

/**
 * Other sites work / fail: from the control traffic when that decided (control-ok, control-failing), else from
 * the extension's control probes (control-probe-ok, control-probe-failing: "$1 of $2 neutral sites answered /
 * did not answer", newest result per site, the sites as hosts).
 */
function controlEvidence(ctx: Ctx): Evidence[] {
  const c = ctx.control;
  if (c.by === 'probe') {
    const p = c.probes;
    const total = p.ok.length + p.failed.length;
    const hosts = c.works ? p.ok : p.failed;
    return [
      fact(
        c.works ? 'control-probe-ok' : 'control-probe-failing',
        [hosts.length, total, hostList(hosts)],
        ctx.now,
        hosts.length,
        hosts,
      ),
    ];
  }
  if (c.works) return [fact('control-ok', [c.ok, hostList(c.hosts)], ctx.now, c.ok, c.hosts)];
  if (c.failing) return [fact('control-failing', [c.failures, c.requests], ctx.now, c.failures, c.hosts)];
  return [];
}

function watchedFailing(ctx: Ctx): Item[] {
  const out: Item[] = [];
  for (const [c, a] of ctx.fails)
    if (isProviderSide(c) || c === 'offline' || c === 'proxy' || c === 'tls-ca' || c === 'unknown')
      for (const it of a) if (it.o.service !== null) out.push(it);
  return out;
}

/** OONI: the provider and the control both fail → the problem is on the user's side. */
export const ruleEverythingFailing: Rule = (ctx) => {
  if (!ctx.control.failing) return null;
  const watched = watchedFailing(ctx);
  if (watched.length === 0) return null;
  const count = (cs: FailClass[]) => cs.reduce((n, c) => n + (ctx.fails.get(c)?.length ?? 0), 0);
  const dns = count(['dns']);
  const proxy = count(['proxy']);
  const tls = count(['tls-ca']);
  const other = count(['offline', 'conn', 'unknown']);
  const max = Math.max(dns, proxy, tls, other);
  const cause: Cause =
    max === dns && dns > 0
      ? 'dns-local'
      : max === proxy && proxy > 0
        ? 'proxy'
        : max === tls && tls > 0
          ? 'tls-interception'
          : 'offline';
  const classes = [...ctx.fails.keys()].filter(
    (c) => isProviderSide(c) || c === 'offline' || c === 'proxy' || c === 'tls-ca' || c === 'unknown',
  );
  const blame: Blame = { classes, control: true };
  if (ctx.control.probes.failed.length) {
    const failed = new Set(ctx.control.probes.failed);
    const newest = new Map<string, ProbeObs>();
    for (const p of ctx.probes) if (p.probe === 'control' && failed.has(p.target)) newest.set(p.target, p);
    blame.obs = [...newest.values()];
  }
  return user(
    cause,
    [...controlEvidence(ctx), evidence('watched-failing', [watched.length, hostList(distinctHosts(watched))], watched)],
    blame,
  );
};

/** The browser itself says it is offline. */
export const ruleOffline: Rule = (ctx) => {
  const off = ctx.fails.get('offline') ?? [];
  if (off.length < OFFLINE_MIN) return null;
  return user('offline', [evidence('offline', [off.length], off), ...controlEvidence(ctx)], { classes: ['offline'] });
};

/** Proxy connection failures. */
export const ruleProxy: Rule = (ctx) => {
  const p = ctx.fails.get('proxy') ?? [];
  if (p.length < PROXY_MIN) return null;
  return user('proxy', [evidence('proxy-failed', [p.length, hostList(distinctHosts(p))], p)], { classes: ['proxy'] });
};

const dnsProbes = (ctx: Ctx) => ctx.probes.filter((p) => p.probe === 'dns');

/** Names fail to resolve here but exist (public resolver), or control names fail too → local DNS. */
export const ruleDnsLocal: Rule = (ctx) => {
  const d = ctx.fails.get('dns') ?? [];
  if (d.length < DNS_MIN) return null;
  const failing = new Set(distinctHosts(d));
  const exists = dnsProbes(ctx).filter((p) => p.exists === true && (failing.has(p.target) || p.target === ''));
  const controlDns = d.filter((it) => it.o.service === null);
  if (exists.length === 0 && controlDns.length === 0) return null;
  const ev = [evidence('dns-failed', [d.length, hostList([...failing])], d)];
  if (exists.length)
    ev.push(fact('dns-probe-exists', [exists[0]!.target], exists[0]!.t, exists.length, [exists[0]!.target]));
  return user('dns-local', ev, { classes: ['dns'] });
};

/** Provider names fail while other names resolve, or a public resolver cannot resolve them either. */
export const ruleDnsProvider: Rule = (ctx) => {
  const d = (ctx.fails.get('dns') ?? []).filter((it) => it.o.service !== null);
  if (d.length < DNS_MIN) return null;
  const failing = new Set(distinctHosts(d));
  const missing = dnsProbes(ctx).filter((p) => p.exists === false && (failing.has(p.target) || p.target === ''));
  if (missing.length === 0 && !ctx.control.works) return null;
  const ev = [evidence('dns-failed', [d.length, hostList([...failing])], d)];
  if (missing.length)
    ev.push(fact('dns-probe-missing', [missing[0]!.target], missing[0]!.t, missing.length, [missing[0]!.target]));
  return provider('dns-provider', [...ev, ...controlEvidence(ctx)], blameOf(d));
};

/** The clock: servers say our time is off (codes), certificate dates fail on several hosts, Date headers or a probe show skew. */
export const ruleClockSkew: Rule = (ctx) => {
  const ev: Evidence[] = [];
  const codes = ctx.fails.get('skew') ?? [];
  if (codes.length) ev.push(evidence('clock-code', [codes.length, hostList(distinctHosts(codes))], codes));
  const t = ctx.tally;
  // Date headers alone prove nothing (cached responses keep their origin Date; HAR tools write wrong zones):
  // they only count next to failures a wrong clock explains.
  const clocky =
    codes.length +
    (ctx.fails.get('tls-date')?.length ?? 0) +
    (ctx.fails.get('auth')?.length ?? 0) +
    (ctx.fails.get('tls')?.length ?? 0);
  const dateSkew = clocky > 0 && t.skewed >= CLOCK_SKEW_MIN_RESPONSES && t.skewed >= CLOCK_SKEW_RATIO * t.dated;
  if (dateSkew)
    ev.push(fact('clock-date', [Math.round(Math.abs(t.skewSum / t.skewed) / 60_000), t.skewed], ctx.now, t.skewed));
  const probe = ctx.probes.filter(
    (p) => p.probe === 'clock' && p.skewMs !== undefined && Math.abs(p.skewMs) > CLOCK_SKEW_MS,
  );
  if (probe.length)
    ev.push(
      fact(
        'clock-probe',
        [Math.round(Math.abs(probe[probe.length - 1]!.skewMs!) / 60_000)],
        probe[probe.length - 1]!.t,
      ),
    );
  const date = ctx.fails.get('tls-date') ?? [];
  const dateHosts = distinctHosts(date);
  if (dateHosts.length >= TLS_DATE_MIN_HOSTS || (dateHosts.length > 0 && ev.length > 0))
    ev.push(evidence('tls-date', [dateHosts.length, hostList(dateHosts)], date));
  if (ev.length === 0) return null;
  // Resting on failures only (clock codes, certificate dates), it recovers like them; Date headers or a clock
  // probe that saw the skew keep it until they leave the window.
  return dateSkew || probe.length ? user('clock-skew', ev) : user('clock-skew', ev, blameOf([...codes, ...date]));
};

/** Certificates from an unknown authority on several hosts: something between the user and the internet re-signs TLS. */
export const ruleTlsInterception: Rule = (ctx) => {
  const ca = ctx.fails.get('tls-ca') ?? [];
  const hosts = distinctHosts(ca);
  if (hosts.length < TLS_INTERCEPT_MIN_HOSTS) return null;
  return user(
    'tls-interception',
    [evidence('tls-authority', [hosts.length, hostList(hosts)], ca), ...controlEvidence(ctx)],
    { classes: ['tls-ca'] },
  );
};

/** First time in the window a service (or key) worked. */
function firstOk(ctx: Ctx, s: ServiceId): number {
  return ctx.tally.svcOk.get(s)?.peek() ?? Infinity;
}

function firstOkByKey(ctx: Ctx): Map<string, number> {
  const m = new Map<string, number>();
  ctx.tally.keyed.forEach((it) => {
    if (it.c === null && it.o.kind === 'ok' && !m.has(it.o.keyTag!)) m.set(it.o.keyTag!, it.o.t);
  });
  return m;
}

/**
 * Onset (2023-11-12): keys and services that worked start being refused, on several services at once →
 * the provider's authentication service.
 */
export const ruleAuthOnset: Rule = (ctx) => {
  // Weak candidates (signed OpenAPI refusals without a body code) count, but one service must show a real auth failure.
  const auth = failsOf(ctx, ['auth', 'auth-weak'], true);
  if (auth.length < AUTH_ONSET_MIN_FAILURES) return null;
  const keyOk = firstOkByKey(ctx);
  const firstFail = new Map<ServiceId, number>();
  const onsetBy = new Map<ServiceId, Item[]>();
  for (const it of auth) {
    const s = it.o.service!;
    if (!firstFail.has(s)) firstFail.set(s, it.o.t);
  }
  for (const it of auth) {
    const s = it.o.service!;
    const workedBefore =
      firstOk(ctx, s) < firstFail.get(s)! ||
      (it.o.keyTag !== undefined && (keyOk.get(it.o.keyTag) ?? Infinity) < it.o.t);
    if (!workedBefore) continue;
    let a = onsetBy.get(s);
    if (!a) onsetBy.set(s, (a = []));
    a.push(it);
  }
  if (onsetBy.size < AUTH_ONSET_MIN_SERVICES) return null;
  const items = [...onsetBy.values()].flat();
  if (!items.some((it) => it.c === 'auth')) return null;
  const ev = [evidence('auth-onset', [items.length, [...onsetBy.keys()].join(', ')], items)];
  const five = failsOf(ctx, ['http5'], true);
  if (five.length) ev.push(evidence('server-5xx', [five.length, hostList(distinctHosts(five))], five));
  return provider('auth-service', [...ev, ...controlEvidence(ctx)], { services: [...onsetBy.keys()] });
};

/** Services whose failures overlap in time, grouped by independent infrastructure group. */
function overlappingGroups(sig: SvcStat[]): SvcStat[] {
  // Keep the services whose failure span overlaps (±OUTAGE_OVERLAP_MS) with the largest one's span.
  if (sig.length === 0) return [];
  const anchor = [...sig].sort((a, b) => b.strong - a.strong)[0]!;
  // Ordered by first failure, then id: the same whatever order the window met the hosts in (LiveEngine ≡ diagnose()).
  return sig
    .filter((s) => s.first! <= anchor.last! + OUTAGE_OVERLAP_MS && s.last! >= anchor.first! - OUTAGE_OVERLAP_MS)
    .sort((a, b) => a.first! - b.first! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Breadth: independent service groups failing at the same time → an outage. */
export const ruleOutage: Rule = (ctx) => {
  const sig = [...ctx.services.values()].filter((s) => s.significant && s.first !== undefined);
  const together = overlappingGroups(sig);
  const groups = new Set(together.map((s) => s.group));
  const status = ctx.probes.filter(isOfficialIncident);
  if (groups.size < OUTAGE_MIN_GROUPS && !(status.length > 0 && sig.length > 0)) return null;
  const items = failsOf(ctx, ['conn', 'http5', 'auth', 'dns', 'tls', 'loop'], true).filter((it) =>
    together.some((s) => s.id === it.o.service),
  );
  const ev = [evidence('services-failing', [together.length, together.map((s) => s.id).join(', ')], items)];
  if (status.length) ev.push(fact('status-page', [status[0]!.target], status[0]!.t));
  for (const s of together) ev.push(...retryFailsEvidence(ctx, s.id));
  return provider('outage', [...ev, ...controlEvidence(ctx)], {
    services: (together.length ? together : sig).map((s) => s.id),
  });
};

/**
 * A status-page probe is official evidence of an incident only when the feed was read AND lists alarms: run.ts
 * writes `ok` = "the feed was readable" and detail `"<n> events, <m> alarm"` (STATUS_ALARMS). An unreadable feed
 * (ok false: HTTP error, garbage, timeout) is no evidence either way; a readable feed without alarms is none.
 * run.ts's `<m> alarm` counts the alarms of the feed's last 24 hours, ended ones too; when the detail also says
 * `<k> active` (open alarms and notices, as officialState() reads them), that count is used instead.
 */
export const STATUS_ALARMS = /(\d+) alarm/;
export const STATUS_ACTIVE = /(\d+) active/;

export function isOfficialIncident(p: ProbeObs): boolean {
  if (p.probe !== 'status-page' || !p.ok || p.detail === undefined) return false;
  const m = STATUS_ACTIVE.exec(p.detail) ?? STATUS_ALARMS.exec(p.detail);
  return m !== null && Number(m[1]) > 0;
}

export interface Loop {
  hosts: string[];
  hops: number;
  login: boolean;
  cookiesSet: boolean;
  cookiesReturned: boolean;
  cookiesBlocked?: boolean;
  /** Any step carried a cookie (true), every step was seen carrying none (false), or unknown (absent). */
  cookiesSent?: boolean;
  t: number;
  /** Start time of its newest step (chains keep growing after they were found to loop). */
  last: number;
  /** The service the loop protected (not the login service when another is involved). */
  service: ServiceId | null;
  items: { o: RequestOutcome }[];
  /** The observation it came from, for loops observed by the extension. */
  obs?: Observation;
}

/**
 * Loops from the outcomes themselves: redirects are chained (a step continues a chain when its URL is the
 * previous step's target, within CHAIN_GAP_MS). A chain is a loop when one URL redirects
 * LOOP_REPEAT_REDIRECTS times through a login host (A→login→A→login), LOOP_REPEAT_REDIRECTS_PLAIN times
 * otherwise, when hosts ping-pong through a login host for PING_PONG_MIN_HOPS hops, or when a page ends in
 * the browser's own redirect-loop error. A→login→A that then loads is not. Only page navigations and chains
 * through a login host count: pixels and cookie-sync beacons bounce between ad servers by design.
 */
export function loopsFromOutcomes(redirects: readonly RequestOutcome[]): Loop[] {
  const loops: Loop[] = [];
  const waiting = new Map<string, { steps: RequestOutcome[]; last: number; done: boolean; loop?: Loop }>();
  for (const o of redirects) {
    if (o.type === 'image' || o.type === 'ping') continue; // pixels bounce between ad servers by design
    const key = o.host + o.path;
    if (o.kind === 'http.redirect_loop') {
      if (o.type !== 'main_frame' && o.type !== 'sub_frame' && o.type !== 'xhr') continue;
      // The browser gave up: at the end of a chain seen here, it is that chain's last step.
      const prev = waiting.get(key);
      if (prev && o.t - prev.last <= CHAIN_GAP_MS) {
        waiting.delete(key);
        if (prev.loop) {
          prev.loop.items.push({ o });
          if (o.t > prev.loop.last) prev.loop.last = o.t;
        } else loops.push(describeLoop([...prev.steps, o], true));
      } else loops.push(describeLoop([o], true));
      continue;
    }
    let chain = waiting.get(key);
    if (chain && o.t - chain.last > CHAIN_GAP_MS) chain = undefined;
    if (chain) waiting.delete(key);
    else chain = { steps: [], last: o.t, done: false };
    chain.steps.push(o);
    chain.last = o.t;
    if (chain.loop && o.t > chain.loop.last) chain.loop.last = o.t;
    if (
      !chain.done &&
      (o.type === 'main_frame' || o.type === 'sub_frame' || chain.steps.some((s) => isLoginHost(s.host))) &&
      isLoop(chain.steps)
    ) {
      chain.done = true;
      chain.loop = describeLoop(chain.steps, false);
      loops.push(chain.loop);
    }
    if (o.redirectTo) waiting.set(o.redirectTo, chain);
  }
  return loops;
}

function isLoop(steps: RequestOutcome[]): boolean {
  const seen = new Map<string, number>();
  let login = false;
  for (const s of steps) if (isLoginHost(s.host)) login = true;
  const need = login ? LOOP_REPEAT_REDIRECTS : LOOP_REPEAT_REDIRECTS_PLAIN;
  for (const s of steps) {
    const k = s.host + s.path;
    const n = (seen.get(k) ?? 0) + 1;
    if (n >= need) return true;
    seen.set(k, n);
  }
  if (steps.length >= PING_PONG_MIN_HOPS) {
    const n = steps.length;
    const a = steps[n - 4]!.host;
    const b = steps[n - 3]!.host;
    if (a !== b && steps[n - 2]!.host === a && steps[n - 1]!.host === b && (isLoginHost(a) || isLoginHost(b)))
      return true;
  }
  return false;
}

function describeLoop(steps: RequestOutcome[], browser: boolean): Loop {
  const hosts = [...new Set(steps.map((s) => s.host))];
  let cookiesSet = false;
  let cookiesReturned = false;
  const set = new Set<string>();
  for (const s of steps) {
    if (s.sentCookies && set.size > 0 && s.sentCookies.some((n) => set.has(n))) cookiesReturned = true;
    if (s.setCookies && s.setCookies.length) {
      cookiesSet = true;
      for (const n of s.setCookies) set.add(n);
    }
  }
  const login =
    hosts.some((h) => isLoginHost(h)) ||
    steps.some((s) => s.redirectTo !== undefined && isLoginHost(s.redirectTo.split('/')[0]!));
  let last = steps[0]!.t;
  for (const s of steps) if (s.t > last) last = s.t;
  const service =
    steps.find((s) => s.service !== null && s.service !== 'login')?.service ??
    steps.find((s) => s.service !== null)?.service ??
    null;
  const loop: Loop = {
    hosts,
    hops: browser ? 20 : steps.length,
    login,
    cookiesSet,
    cookiesReturned,
    t: steps[0]!.t,
    last,
    service,
    items: steps.map((o) => ({ o })),
  };
  const requests = steps.filter((s) => s.kind !== 'http.redirect_loop');
  if (requests.some((s) => s.sentCookies && s.sentCookies.length > 0)) loop.cookiesSent = true;
  else if (requests.length > 0 && requests.every((s) => s.sentCookies !== undefined)) loop.cookiesSent = false;
  return loop;
}

/**
 * Redirect loops (observed by the extension, or found in the outcomes). Cookies set but never carried back, or
 * cookies blocked by the browser → cookies-blocked (user); cookies carried back and still bounced →
 * login-loop (provider; page-bug when no login host is involved); nothing known about cookies → unclear.
 */
export const ruleLoops: Rule = (ctx) => {
  const loops: Loop[] = [];
  for (const o of ctx.obs) {
    if (o.kind !== 'redirect-loop') continue;
    const l: Loop = {
      hosts: o.hosts,
      hops: o.hops,
      login: o.login,
      cookiesSet: o.cookiesSet,
      cookiesReturned: o.cookiesReturned,
      t: o.t,
      last: o.t,
      service: o.service,
      items: [],
      obs: o,
    };
    if (o.cookiesBlocked !== undefined) l.cookiesBlocked = o.cookiesBlocked;
    if (o.cookiesSent !== undefined) l.cookiesSent = o.cookiesSent;
    loops.push(l);
  }
  // Loops set aside as recovered (their steps are masked) are no longer found.
  const masked = ctx.mask?.outs;
  if (ctx.tally.redirects.length)
    loops.push(
      ...loopsFromOutcomes(ctx.tally.redirects.toArray()).filter(
        (l) => l.items.some((it) => it.o.service !== null) && !(masked && masked.has(l.items[0]!.o)),
      ),
    );
  if (loops.length < LOOP_MIN_OBSERVATIONS) return null;
  // Every loop of the window is blamed: the finding is over once all have recovered (diagnose.ts sets aside those
  // that have, and looks again).
  const blame: Blame = { loops };
  const loopEv = (l: Loop) =>
    l.items.length
      ? evidence('redirect-loop', [hostList(l.hosts), l.hops], l.items)
      : fact('redirect-loop', [hostList(l.hosts), l.hops], l.t, 1, l.hosts);
  const blocked = loops.find((l) => l.cookiesBlocked === true || (l.cookiesSet && !l.cookiesReturned));
  if (blocked)
    return user(
      'cookies-blocked',
      [loopEv(blocked), fact(blocked.cookiesBlocked ? 'cookies-blocked' : 'cookies-not-returned', [], blocked.t)],
      blame,
    );
  const returned = loops.find((l) => l.cookiesReturned);
  if (returned)
    return provider(
      returned.login ? 'login-loop' : 'page-bug',
      [loopEv(returned), fact('cookies-returned', [], returned.t)],
      blame,
    );
  // No cookie set and none sent at any step: this browser's cookies cannot be the cause; the server bounces.
  const cookieless = loops.find((l) => !l.cookiesSet && l.cookiesSent === false);
  if (cookieless)
    return provider(
      cookieless.login ? 'login-loop' : 'page-bug',
      [loopEv(cookieless), fact('cookies-none', [], cookieless.t)],
      blame,
    );
  return {
    verdict: 'unclear',
    cause: 'insufficient-evidence',
    evidence: [loopEv(loops[0]!), fact('cookies-unknown', [], loops[0]!.t)],
    blame,
  };
};

/** The service of the page a picture was on (a provider page), or of the picture's own host. */
const pageService = (ctx: Ctx, o: BrokenImage): ServiceId | null => serviceOfHost(ctx, o.pageHost) ?? o.service;

/**
 * Addresses built from a missing value (…/undefined, …/null), and pictures on provider pages whose address is
 * empty (src undefined/null/empty) or never resolved (a lazy-load attribute the page's script never filled).
 */
export const rulePageBug: Rule = (ctx) => {
  const bugs = failsOf(ctx, ['pagebug'], true);
  // A picture with src="undefined" shows twice: as its request to …/undefined and as the content script's
  // empty-url report. The larger of the two counts, not their sum, is the number of broken addresses.
  let pictures = 0;
  const obsHosts: string[] = [];
  const used: BrokenImage[] = [];
  let t = 0;
  for (const o of ctx.obs) {
    if (
      o.kind === 'broken-image' &&
      (o.reason === 'empty-url' || o.reason === 'lazy-unresolved') &&
      pageService(ctx, o) !== null
    ) {
      pictures += o.count;
      obsHosts.push(o.pageHost);
      used.push(o);
      t = Math.max(t, o.t);
    }
  }
  const n = Math.max(bugs.length, pictures);
  if (n < PAGE_BUG_MIN) return null;
  const hosts = [...new Set([...distinctHosts(bugs), ...obsHosts])];
  const ev = bugs.length
    ? evidence('page-bug', [n, hostList(hosts)], bugs, n)
    : fact('page-bug', [n, hostList(hosts)], t, n, hosts);
  const blame = blameOf(bugs);
  if (used.length) {
    blame.obs = used;
    blame.services = [...new Set([...(blame.services ?? []), ...used.map((o) => pageService(ctx, o)!)])];
  }
  return provider('page-bug', [ev], blame);
};

function serviceFailEvidence(ctx: Ctx, s: SvcStat): Evidence[] {
  const five = (ctx.fails.get('http5') ?? []).filter((it) => it.o.service === s.id);
  const conn = failsOf(ctx, ['conn', 'tls'], true).filter((it) => it.o.service === s.id);
  const ev: Evidence[] = [];
  if (five.length) ev.push(evidence('server-5xx', [five.length, hostList(distinctHosts(five))], five));
  if (conn.length) ev.push(evidence('conn-failed', [conn.length, hostList(distinctHosts(conn))], conn));
  ev.push(...retryFailsEvidence(ctx, s.id));
  return ev;
}

const significantBy = (ctx: Ctx, classes: FailClass[]) =>
  [...ctx.services.values()].filter(
    (s) => s.significant && classes.reduce((n, c) => n + (s.byClass[c] ?? 0), 0) >= Math.max(1, s.strong / 2),
  );

/**
 * Broken pictures (load error, zero size) on CDN hosts, counted like CDN failures: each picture is a failure
 * of its host (the larger of its failed requests and its broken pictures, as a failed request usually is a
 * broken picture too), against the host's requests. Only hosts with outcomes count (a ratio needs requests).
 */
function brokenCdn(ctx: Ctx): { n: number; hosts: string[]; used: BrokenImage[] } | null {
  const byHost = new Map<string, { n: number; obs: BrokenImage[] }>();
  for (const o of ctx.obs) {
    if (o.kind !== 'broken-image' || (o.reason !== 'error' && o.reason !== 'zero-size') || o.service !== 'cdn')
      continue;
    let b = byHost.get(o.host);
    if (!b) byHost.set(o.host, (b = { n: 0, obs: [] }));
    b.n += Math.max(1, o.count);
    b.obs.push(o);
  }
  if (byHost.size === 0) return null;
  const strong = new Map<string, number>();
  for (const it of failsOf(ctx, ['conn', 'http5', 'tls'], true))
    if (byHost.has(it.o.host)) strong.set(it.o.host, (strong.get(it.o.host) ?? 0) + 1);
  let pictures = 0;
  let failed = 0;
  let bad = false;
  const hosts: string[] = [];
  const used: BrokenImage[] = [];
  for (const [host, b] of byHost) {
    const h = ctx.tally.hosts.get(host);
    if (!h || h.service !== 'cdn') continue;
    const f = Math.max(strong.get(host) ?? 0, b.n);
    pictures += b.n;
    failed += f;
    hosts.push(host);
    used.push(...b.obs);
    if (b.n >= BROKEN_IMAGE_MIN && f >= HOST_FAIL_RATIO * Math.max(h.requests, f)) bad = true;
  }
  if (pictures < BROKEN_IMAGE_MIN) return null;
  const svcReq = ctx.services.get('cdn')?.requests ?? 0;
  if (!bad && !(failed >= SERVICE_FAIL_RATIO * Math.max(svcReq, failed))) return null;
  return { n: pictures, hosts, used };
}

/** The CDN / image edge resets, times out or answers 5xx, or many of its pictures arrive broken. */
export const ruleCdn: Rule = (ctx) => {
  const s = significantBy(ctx, ['conn', 'http5', 'tls']).find((x) => x.id === 'cdn');
  const pics = brokenCdn(ctx);
  if (!s && !pics) return null;
  const ev = s ? serviceFailEvidence(ctx, s) : retryFailsEvidence(ctx, 'cdn');
  const blame: Blame = { services: ['cdn'] };
  if (pics) {
    let t = 0;
    for (const o of pics.used) t = Math.max(t, o.t);
    ev.push(fact('broken-images', [pics.n, hostList(pics.hosts)], t, pics.n, pics.hosts));
    blame.obs = pics.used;
  }
  return provider('cdn', [...ev, ...controlEvidence(ctx)], blame);
};

/** One service answers 5xx (or drops connections while the rest works). */
export const ruleServerError: Rule = (ctx) => {
  const others = ctx.control.works || [...ctx.services.values()].some((x) => !x.significant && x.ok >= CONTROL_MIN_OK);
  // A clean request of the extension's own (no cookies) answered with an error too: the resource fails for anyone.
  const retryFails = (s: SvcStat) => retryFailsEvidence(ctx, s.id).length > 0;
  const sig = significantBy(ctx, ['conn', 'http5', 'tls']).filter(
    (s) => (s.byClass.http5 ?? 0) > 0 || others || retryFails(s),
  );
  if (sig.length === 0) return null;
  sig.sort((a, b) => b.strong - a.strong);
  return provider('server-error', [...serviceFailEvidence(ctx, sig[0]!), ...controlEvidence(ctx)], {
    services: [sig[0]!.id],
  });
};

/**
 * One key (or resource) refused from its very first request while the rest of the provider works → the
 * user's credentials. An auth error alone never proves this.
 */
export const ruleCredentials: Rule = (ctx) => {
  const auth = failsOf(ctx, ['auth'], true);
  if (auth.length < CREDENTIALS_MIN_FAILURES) return null;
  const byRes = new Map<string, Item[]>();
  for (const it of auth) {
    const k = it.o.keyTag ?? 'host:' + it.o.host;
    let a = byRes.get(k);
    if (!a) byRes.set(k, (a = []));
    a.push(it);
  }
  if (byRes.size !== 1) return null;
  const [res, items] = [...byRes][0]!;
  if (items.length < CREDENTIALS_MIN_FAILURES) return null;
  const workedBefore = res.startsWith('host:')
    ? (ctx.tally.hosts.get(items[0]!.o.host)?.ok ?? 0) > 0
    : (firstOkByKey(ctx).get(res) ?? Infinity) < items[0]!.o.t;
  if (workedBefore) return null;
  let othersOk = 0;
  for (const s of ctx.services.values()) othersOk += s.ok;
  if (res.startsWith('host:')) othersOk -= ctx.tally.hosts.get(items[0]!.o.host)?.ok ?? 0;
  const otherFailing = [...ctx.services.values()].some((s) => s.significant && (s.byClass.auth ?? 0) < s.strong);
  if (othersOk < CREDENTIALS_MIN_OTHERS_OK || otherFailing) return null;
  return user('credentials', [evidence('credentials', [items.length, othersOk], items)], blameOf(items));
};

/** mtop anti-bot answers (RGV587_ERROR, FAIL_SYS_USER_VALIDATE, the punish page): risk control, never an outage. */
export const ruleRiskControl: Rule = (ctx) => {
  const r = ctx.fails.get('risk') ?? [];
  if (r.length < RISK_MIN) return null;
  return user('risk-control', [evidence('risk-control', [r.length, hostList(distinctHosts(r))], r)], blameOf(r));
};

/** Another extension blocks provider resources (not trackers). */
export const ruleBlockedByExtension: Rule = (ctx) => {
  const b = failsOf(ctx, ['blocked'], true);
  if (b.length < BLOCKED_MIN) return null;
  return user('blocked-by-extension', [evidence('blocked', [b.length, hostList(distinctHosts(b))], b)], {
    classes: ['blocked'],
  });
};

/**
 * Failures that keep a page from being called healthy even one at a time (auth, DNS, TLS authority and dates, the
 * clock, loops; a weak auth candidate when it is a 401/403). Recovered ones are masked out of ctx.fails like any
 * other: ruleUnclear blames them all, so they recover with it.
 */
function healthBlockers(ctx: Ctx): Item[] {
  return [...failsOf(ctx, ['auth', 'dns', 'tls-ca', 'tls-date', 'skew', 'loop'], true), ...weakRefusals(ctx)];
}

/** Weak auth candidates answered 401/403 (a 404 is as often a missing resource: only the onset counts it). */
function weakRefusals(ctx: Ctx): Item[] {
  return failsOf(ctx, ['auth-weak'], true).filter((it) => it.o.status === 401 || it.o.status === 403);
}

/** Enough traffic and nothing significant failing. */
export const ruleHealthy: Rule = (ctx) => {
  const t = ctx.tally;
  if (t.watched < MIN_TRAFFIC) return null;
  for (const s of ctx.services.values()) if (s.weakSignificant) return null;
  if (healthBlockers(ctx).length > 0) return null;
  // Failures as seen in the window (recovered ones included: they happened).
  let failed = 0;
  for (const h of t.hosts.values()) {
    if (h.service === null) continue;
    for (const k in h.byClass)
      if (isProviderSide(k as FailClass) || k === 'unknown') failed += h.byClass[k as FailClass]!;
  }
  return { verdict: 'healthy', cause: 'none', evidence: [fact('traffic', [t.watched, failed], ctx.now, t.watched)] };
};

/**
 * Refused (401/403, auth codes) with the user's cookies, while the same resource, asked again by the extension
 * without cookies, works: the user's session (cookies, login state) is what is refused. Only reached when no
 * other rule decided: then this retry is the one signal that tells the sides apart.
 */
export const ruleSession: Rule = (ctx) => {
  const retries = retriesByHost(ctx);
  const okHosts = new Set<string>();
  for (const [h, p] of retries) if (p.ok) okHosts.add(h);
  if (okHosts.size === 0) return null;
  const auth = failsOf(ctx, ['auth'], true).filter((it) => okHosts.has(it.o.host));
  if (auth.length === 0) return null;
  const hosts = distinctHosts(auth);
  const last = Math.max(...hosts.map((h) => retries.get(h)!.t));
  return user(
    'credentials',
    [
      evidence('auth-failed', [auth.length, hostList(hosts)], auth),
      fact('retry-ok', [hostList(hosts)], last, hosts.length, hosts),
    ],
    blameOf(auth),
  );
};

/** Failures that no rule explains, or too little traffic. */
export const ruleUnclear: Rule = (ctx) => {
  const ev: Evidence[] = [];
  const f = [...watchedFailing(ctx), ...weakRefusals(ctx)];
  if (f.length) ev.push(evidence('watched-failing', [f.length, hostList(distinctHosts(f))], f));
  // A public resolver without a clear answer (SERVFAIL, REFUSED, NODATA…) is neither "exists" nor NXDOMAIN.
  const dnsFailing = new Set(distinctHosts(ctx.fails.get('dns') ?? []));
  const vague = dnsProbes(ctx).filter((p) => p.exists === undefined && p.ok && dnsFailing.has(p.target));
  if (vague.length)
    ev.push(
      fact('dns-probe-unknown', [vague[0]!.target, vague[0]!.detail ?? ''], vague[0]!.t, vague.length, [
        vague[0]!.target,
      ]),
    );
  if (ctx.tally.watched < MIN_TRAFFIC) ev.push(fact('few-requests', [ctx.tally.watched], ctx.now, ctx.tally.watched));
  const finding: Finding = {
    verdict: 'unclear',
    cause: 'insufficient-evidence',
    evidence: [...ev, ...controlEvidence(ctx)],
  };
  // Blamed: what failed, and whatever keeps ruleHealthy from answering (so that it can recover).
  const blamed = new Set<Item>(f);
  for (const it of healthBlockers(ctx)) blamed.add(it);
  if (blamed.size) finding.blame = blameOf([...blamed]);
  return finding;
};

/** The rules in the order they are tried. */
export const RULES: readonly (readonly [string, Rule])[] = [
  ['everything-failing', ruleEverythingFailing],
  ['offline', ruleOffline],
  ['proxy', ruleProxy],
  ['dns-local', ruleDnsLocal],
  ['clock-skew', ruleClockSkew],
  ['tls-interception', ruleTlsInterception],
  ['auth-onset', ruleAuthOnset],
  ['outage', ruleOutage],
  ['dns-provider', ruleDnsProvider],
  ['loops', ruleLoops],
  ['page-bug', rulePageBug],
  ['cdn', ruleCdn],
  ['server-error', ruleServerError],
  ['credentials', ruleCredentials],
  ['risk-control', ruleRiskControl],
  ['blocked-by-extension', ruleBlockedByExtension],
  ['healthy', ruleHealthy],
  ['session', ruleSession],
  ['unclear', ruleUnclear],
];

export type { Observation };
