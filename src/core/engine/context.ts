/**
 * Derived view of a Tally that every rule reads: per-service and control statistics, computed once per
 * diagnosis in O(hosts + failures).
 */
import { SERVICES } from '../catalogue/services';
import type { Evidence, Observation, RequestIds, RequestOutcome, ServiceId } from '../types';
import { type FailClass, isProviderSide, marksControl, marksService } from './classify';
import type { Item, Tally } from './tally';
import {
  CONTROL_FAIL_RATIO,
  CONTROL_MIN_FAIL,
  CONTROL_MIN_OK,
  EVIDENCE_MAX_HOSTS,
  EVIDENCE_MAX_IDS,
  FAILING_RATIO,
  HOST_FAIL_RATIO,
  MIN_FAILURES,
  SERVICE_FAIL_RATIO,
} from './thresholds';

export interface SvcStat {
  id: ServiceId;
  group: string;
  requests: number;
  ok: number;
  /** Provider-side failures (conn, http5, auth, dns, tls, loop). */
  strong: number;
  /** Failures without a reason (Firefox HAR status 0). */
  weak: number;
  byClass: Partial<Record<FailClass, number>>;
  hosts: string[];
  /** Hosts whose own failures are significant. */
  badHosts: string[];
  significant: boolean;
  /** Significant counting weak failures too (for "unclear" rather than "healthy"). */
  weakSignificant: boolean;
  state: 'ok' | 'degraded' | 'failing' | 'idle';
  first?: number;
  last?: number;
}

export interface ControlStat {
  requests: number;
  ok: number;
  failures: number;
  byClass: Partial<Record<FailClass, number>>;
  hosts: string[];
  works: boolean;
  failing: boolean;
  /** What decided `works` / `failing`: the control traffic itself, or only the extension's control probes. */
  by: 'traffic' | 'probe' | null;
  /** The control probes: newest conclusive result per target (masked failures left out). */
  probes: { ok: string[]; failed: string[] };
}

type ProbeObs = Extract<Observation, { kind: 'probe' }>;

/**
 * How an inconclusive probe result is stored: `detail` starts with this (src/background/probes.ts writes
 * 'inconclusive: redirect' for a ProbeResult with `inconclusive`; toObservation() alone drops the flag).
 */
export const INCONCLUSIVE = 'inconclusive';

/** A probe result that must not be read either way: no evidence at all. */
export function isInconclusive(p: ProbeObs): boolean {
  const d = p.detail;
  if (d === undefined) return false;
  if (d.startsWith(INCONCLUSIVE)) return true;
  // run.ts's own words for an inconclusive cookie-less retry, in case the flag was not encoded.
  return p.probe === 'cookieless-retry' && !p.ok && (d === 'redirect' || d === 'opaque');
}

/** Failures and observations set aside because what they blamed has recovered (decide() in diagnose.ts). */
export interface Mask {
  /** Failures of these services (classes of marksService). */
  services: Set<ServiceId>;
  /** Failures of these classes, any traffic. */
  classes: Set<FailClass>;
  /** Failing control probes. */
  controlProbes: boolean;
  obs: Set<Observation>;
}

export const emptyMask = (): Mask => ({
  services: new Set(),
  classes: new Set(),
  controlProbes: false,
  obs: new Set(),
});

export function isMasked(m: Mask | undefined, it: Item): boolean {
  if (!m) return false;
  const c = it.c!;
  if (m.classes.has(c)) return true;
  if (it.o.service !== null) return m.services.has(it.o.service) && marksService(c);
  return false;
}

/**
 * The normal HTTP authentication handshake: a 401 that asked for credentials (WWW-Authenticate), followed by a
 * success on the same endpoint. Not a failure.
 */
export function isAnsweredChallenge(tally: Tally, it: Item): boolean {
  const o = it.o;
  if (!o.challenge || o.status !== 401) return false;
  const e = tally.endpoint(o.host, o.path);
  return e !== undefined && e.last >= o.t;
}

export interface Ctx {
  now: number;
  tally: Tally;
  obs: Observation[];
  probes: ProbeObs[];
  services: Map<ServiceId, SvcStat>;
  control: ControlStat;
  /** Failures by class (all user traffic, watched and control), without masked ones. */
  fails: Map<FailClass, Item[]>;
  /** What was set aside as recovered (undefined on the first pass). */
  mask: Mask | undefined;
}

const GROUP = new Map<ServiceId, string>(SERVICES.map((s) => [s.id, s.group]));
export const groupOf = (s: ServiceId): string => GROUP.get(s) ?? s;

export function buildCtx(tally: Tally, allObs: Observation[], now: number, mask?: Mask): Ctx {
  const services = new Map<ServiceId, SvcStat>();
  const obs = mask && mask.obs.size ? allObs.filter((o) => !mask.obs.has(o)) : allObs;
  // Masked failures and answered challenges are taken off their hosts' counters (they stay requests: they happened).
  const aside = (it: Item) => isMasked(mask, it) || (tally.challenges > 0 && isAnsweredChallenge(tally, it));
  let minus: Map<string, Partial<Record<FailClass, number>>> | null = null;
  if ((mask && (mask.services.size || mask.classes.size)) || tally.challenges > 0) {
    minus = new Map();
    tally.fails.forEach((it) => {
      if (!aside(it)) return;
      let m = minus!.get(it.o.host);
      if (!m) minus!.set(it.o.host, (m = {}));
      m[it.c!] = (m[it.c!] ?? 0) + 1;
    });
  }
  const control: ControlStat = {
    requests: 0,
    ok: 0,
    failures: 0,
    byClass: {},
    hosts: [],
    works: false,
    failing: false,
    by: null,
    probes: { ok: [], failed: [] },
  };
  for (const h of tally.hosts.values()) {
    const less = minus?.get(h.host);
    if (h.service === null) {
      control.requests += h.requests;
      control.ok += h.ok;
      if (h.ok > 0) control.hosts.push(h.host);
      for (const k in h.byClass) {
        const c = k as FailClass;
        const n = h.byClass[c]! - (less?.[c] ?? 0);
        if (n <= 0) continue;
        control.byClass[c] = (control.byClass[c] ?? 0) + n;
        if (marksControl(c)) control.failures += n;
      }
      continue;
    }
    let s = services.get(h.service);
    if (!s) {
      s = {
        id: h.service,
        group: groupOf(h.service),
        requests: 0,
        ok: 0,
        strong: 0,
        weak: 0,
        byClass: {},
        hosts: [],
        badHosts: [],
        significant: false,
        weakSignificant: false,
        state: 'idle',
      };
      services.set(h.service, s);
    }
    s.requests += h.requests;
    s.ok += h.ok;
    s.hosts.push(h.host);
    let hs = 0;
    let hw = 0;
    for (const k in h.byClass) {
      const c = k as FailClass;
      const n = h.byClass[c]! - (less?.[c] ?? 0);
      if (n <= 0) continue;
      s.byClass[c] = (s.byClass[c] ?? 0) + n;
      if (isProviderSide(c)) hs += n;
      else if (c === 'unknown') hw += n;
    }
    s.strong += hs;
    s.weak += hw;
    if (hs >= MIN_FAILURES && hs >= HOST_FAIL_RATIO * h.requests) s.badHosts.push(h.host);
    if (hs + hw >= MIN_FAILURES && hs + hw >= HOST_FAIL_RATIO * h.requests) s.weakSignificant = true;
  }
  // Deterministic host order (by requests, then name) whatever the Map's insertion history.
  const byReq = (a: string, b: string) =>
    (tally.hosts.get(b)?.requests ?? 0) - (tally.hosts.get(a)?.requests ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  control.hosts.sort(byReq);
  for (const s of services.values()) {
    s.hosts.sort(byReq);
    s.badHosts.sort(byReq);
    s.significant = s.badHosts.length > 0 || (s.strong >= MIN_FAILURES && s.strong >= SERVICE_FAIL_RATIO * s.requests);
    const all = s.strong + s.weak;
    s.weakSignificant ||= s.significant || (all >= MIN_FAILURES && all >= SERVICE_FAIL_RATIO * s.requests);
    s.state =
      s.requests === 0
        ? 'idle'
        : s.significant
          ? s.strong >= FAILING_RATIO * s.requests
            ? 'failing'
            : 'degraded'
          : 'ok';
  }
  const probes = obs.filter((o): o is ProbeObs => o.kind === 'probe' && !isInconclusive(o));
  const ctlProbes = probes.filter((p) => p.probe === 'control' && !(mask?.controlProbes && !p.ok));
  // Newest result per neutral site; the majority decides, a tie goes to the newest result of all.
  const newest = new Map<string, ProbeObs>();
  for (const p of ctlProbes) newest.set(p.target, p);
  for (const [target, p] of newest) (p.ok ? control.probes.ok : control.probes.failed).push(target);
  const nOk = control.probes.ok.length;
  const nFail = control.probes.failed.length;
  const lastOk = ctlProbes.length > 0 && ctlProbes[ctlProbes.length - 1]!.ok;
  const probeWorks = nOk + nFail > 0 && (nOk > nFail || (nOk === nFail && lastOk));
  const probeFailing = nOk + nFail > 0 && !probeWorks;
  const trafficWorks = control.ok >= CONTROL_MIN_OK && control.failures < CONTROL_FAIL_RATIO * control.requests;
  const trafficFailing =
    control.failures >= CONTROL_MIN_FAIL && control.failures >= CONTROL_FAIL_RATIO * control.requests;
  control.failing = trafficFailing || probeFailing;
  control.works = !control.failing && (trafficWorks || probeWorks);
  control.by = control.failing
    ? trafficFailing
      ? 'traffic'
      : 'probe'
    : control.works
      ? trafficWorks
        ? 'traffic'
        : 'probe'
      : null;
  const fails = new Map<FailClass, Item[]>();
  tally.fails.forEach((it) => {
    if (minus && aside(it)) return;
    const c = it.c!;
    let a = fails.get(c);
    if (!a) fails.set(c, (a = []));
    a.push(it);
    if (it.o.service !== null) {
      const s = services.get(it.o.service);
      if (s && (isProviderSide(c) || c === 'unknown')) {
        if (s.first === undefined || it.o.t < s.first) s.first = it.o.t;
        if (s.last === undefined || it.o.t > s.last) s.last = it.o.t;
      }
    }
  });
  return { now, tally, obs, probes, services, control, fails, mask };
}

/** Items of some classes, optionally only watched (service ≠ null) traffic. */
export function failsOf(ctx: Ctx, classes: FailClass[], watchedOnly = false): Item[] {
  const out: Item[] = [];
  for (const c of classes) {
    const a = ctx.fails.get(c);
    if (!a) continue;
    for (const it of a) if (!watchedOnly || it.o.service !== null) out.push(it);
  }
  return out;
}

export function distinctHosts(items: readonly { o: RequestOutcome }[]): string[] {
  const s = new Set<string>();
  for (const it of items) s.add(it.o.host);
  return [...s];
}

/** Evidence from outcomes: count, hosts (capped), time span and support-ticket ids. */
export function evidence(
  id: string,
  args: (string | number)[],
  items: readonly { o: RequestOutcome }[],
  count = items.length,
): Evidence {
  let first = Infinity;
  let last = -Infinity;
  const hosts: string[] = [];
  const ids: RequestIds[] = [];
  for (const it of items) {
    const o = it.o;
    if (o.t < first) first = o.t;
    if (o.t > last) last = o.t;
    if (hosts.length < EVIDENCE_MAX_HOSTS && !hosts.includes(o.host)) hosts.push(o.host);
    if (o.ids && ids.length < EVIDENCE_MAX_IDS) ids.push(o.ids);
  }
  const e: Evidence = {
    id,
    text: { key: 'evidence_' + id.replace(/-/g, '_'), args },
    count,
    hosts,
    first: Number.isFinite(first) ? first : 0,
    last: Number.isFinite(last) ? last : 0,
  };
  if (ids.length) e.ids = ids;
  return e;
}

/** Evidence for a fact with no outcomes behind it (a probe, an observation, a summary). */
export function fact(id: string, args: (string | number)[], t: number, count = 1, hosts: string[] = []): Evidence {
  return {
    id,
    text: { key: 'evidence_' + id.replace(/-/g, '_'), args },
    count,
    hosts: hosts.slice(0, EVIDENCE_MAX_HOSTS),
    first: t,
    last: t,
  };
}

export function hostList(hosts: readonly string[]): string {
  const h = hosts.slice(0, EVIDENCE_MAX_HOSTS).join(', ');
  return hosts.length > EVIDENCE_MAX_HOSTS ? h + ', …' : h;
}
