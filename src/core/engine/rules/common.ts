/**
 * What every rule family shares: the finding a rule returns (Finding, Blame), the Rule type, the user()/provider()
 * constructors, and the evidence helpers more than one family reads (control sites, cookie-less retries, DNS
 * probes, first successes). Imports nothing from the families or from rules.ts.
 */
import { serviceOf } from '../../catalogue/match';
import type { LoopObservation } from '../../loops/redirect-loops';
import type { Cause, Evidence, Observation, ServiceId, Verdict } from '../../types';
import { type FailClass, isProviderSide, marksService } from '../classify';
import { type Ctx, fact, hostList } from '../context';
import type { Item } from '../tally';

export type { Ctx, LoopObservation };

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
   * Redirect loops (core/loops). Each is over once no step of it for RECOVERY_QUIET_MS and RECOVERY_MIN_OK
   * successes since its newest step: page loads (main_frame, sub_frame, xhr) on its hosts or on the service it
   * protected for a loop through a login host, any successful request on its hosts otherwise.
   */
  loops?: LoopObservation[];
}

export interface Finding {
  verdict: Verdict;
  cause: Cause;
  evidence: Evidence[];
  blame?: Blame;
}

export type Rule = (ctx: Ctx) => Finding | null;

export const user = (cause: Cause, evidence: Evidence[], blame?: Blame): Finding =>
  blame ? { verdict: 'user', cause, evidence, blame } : { verdict: 'user', cause, evidence };
export const provider = (cause: Cause, evidence: Evidence[], blame?: Blame): Finding =>
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

export type ProbeObs = Extract<Observation, { kind: 'probe' }>;
export type BrokenImage = Extract<Observation, { kind: 'broken-image' }>;

/** Host of a probe target (a host, or host + path shape). */
export const targetHost = (target: string): string => target.split('/')[0]!.toLowerCase();

/** Cookie-less retries by host: the newest conclusive result of each (inconclusive ones never reach ctx.probes). */
export function retriesByHost(ctx: Ctx): Map<string, ProbeObs> {
  const m = new Map<string, ProbeObs>();
  for (const p of ctx.probes) {
    if (p.probe !== 'cookieless-retry') continue;
    const h = targetHost(p.target);
    const cur = m.get(h);
    if (!cur || p.t >= cur.t) m.set(h, p);
  }
  return m;
}

export function serviceOfHost(ctx: Ctx, host: string): ServiceId | null {
  const h = ctx.tally.hosts.get(host);
  return h ? h.service : serviceOf(host);
}

/** Retries of a service's hosts that failed without cookies too: the resource fails for anyone. */
export function retryFailsEvidence(ctx: Ctx, s: ServiceId): Evidence[] {
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
export function controlEvidence(ctx: Ctx): Evidence[] {
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

/** Watched failures that a rule may lay on either side (provider-side classes, offline, proxy, TLS authority, unknown). */
export function watchedFailing(ctx: Ctx): Item[] {
  const out: Item[] = [];
  for (const [c, a] of ctx.fails)
    if (isProviderSide(c) || c === 'offline' || c === 'proxy' || c === 'tls-ca' || c === 'unknown')
      for (const it of a) if (it.o.service !== null) out.push(it);
  return out;
}

export const dnsProbes = (ctx: Ctx) => ctx.probes.filter((p) => p.probe === 'dns');

/** First time in the window a service (or key) worked. */
export function firstOk(ctx: Ctx, s: ServiceId): number {
  return ctx.tally.svcOk.get(s)?.peek() ?? Infinity;
}

export function firstOkByKey(ctx: Ctx): Map<string, number> {
  const m = new Map<string, number>();
  ctx.tally.keyed.forEach((it) => {
    if (it.c === null && it.o.kind === 'ok' && !m.has(it.o.keyTag!)) m.set(it.o.keyTag!, it.o.t);
  });
  return m;
}
