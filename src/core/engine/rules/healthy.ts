/**
 * The last rules: healthy (or quiet: too little traffic and nothing wrong), the session (a cookie-less retry works
 * where the user is refused), unclear (failures whose side no rule decided).
 */
import type { Evidence } from '../../types';
import { type FailClass, isProviderSide } from '../classify';
import { distinctHosts, evidence, fact, failsOf, hostList } from '../context';
import type { Item } from '../tally';
import { MIN_TRAFFIC } from '../thresholds';
import { loopBlame, loopEvidence, loopsOf } from './loops';
import {
  type Blame,
  blameOf,
  controlEvidence,
  type Ctx,
  dnsProbes,
  type Finding,
  retriesByHost,
  type Rule,
  user,
  watchedFailing,
} from './common';

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

/**
 * Enough traffic and nothing significant failing → healthy. Too little traffic (a fresh install, a quiet hour) and
 * no watched request failed → healthy too, with the `few-requests` fact: Faultline is watching and has seen nothing
 * wrong (src/core/quiet.ts; the popup and the CLI say so instead of "everything works").
 */
export const ruleHealthy: Rule = (ctx) => {
  const t = ctx.tally;
  if (healthBlockers(ctx).length > 0 || loopsOf(ctx).length > 0) return null;
  if (t.watched < MIN_TRAFFIC) {
    for (const a of ctx.fails.values()) for (const it of a) if (it.o.service !== null) return null;
    return { verdict: 'healthy', cause: 'none', evidence: [fact('few-requests', [t.watched], ctx.now, t.watched)] };
  }
  for (const s of ctx.services.values()) if (s.weakSignificant) return null;
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
  // Loops whose cookies did not decide (rules/loops.ts): evidence, and they keep the verdict from healthy.
  const loops = loopsOf(ctx);
  for (const l of loops.slice(0, 1)) ev.push(loopEvidence(l), fact('cookies-unknown', [], l.t));
  if (ctx.tally.watched < MIN_TRAFFIC) ev.push(fact('few-requests', [ctx.tally.watched], ctx.now, ctx.tally.watched));
  const finding: Finding = {
    verdict: 'unclear',
    cause: 'insufficient-evidence',
    evidence: [...ev, ...controlEvidence(ctx)],
  };
  // Blamed: what failed, and whatever keeps ruleHealthy from answering (so that it can recover).
  const blamed = new Set<Item>(f);
  for (const it of healthBlockers(ctx)) blamed.add(it);
  let blame: Blame | undefined = blamed.size ? blameOf([...blamed]) : undefined;
  if (loops.length) {
    const lb = loopBlame(ctx, loops);
    blame = { ...blame, loops: lb.loops! };
    if (lb.classes) blame.classes = [...new Set([...(blame.classes ?? []), ...lb.classes])];
  }
  if (blame) finding.blame = blame;
  return finding;
};
