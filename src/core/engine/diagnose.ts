/**
 * diagnose(): a time-ordered stream of outcomes and observations in, one Diagnosis out. Pure (no browser, no
 * Node APIs). The same Tally + rules back the live engine (live.ts).
 */
import type { Advice, Cause, Diagnosis, Evidence, Observation, RequestOutcome, ServiceSummary } from '../types';
import { buildCtx, type Ctx, fact } from './context';
import { type Finding, RULES } from './rules';
import { Tally } from './tally';
import { WINDOW_MS } from './thresholds';

export interface DiagnoseOptions {
  now: number;
  /** Window length in ms (default WINDOW_MS). Outcomes and observations older than now − window are ignored. */
  window?: number;
}

export function diagnose(outcomes: readonly RequestOutcome[], observations: readonly Observation[], opts: DiagnoseOptions): Diagnosis {
  const from = opts.now - (opts.window ?? WINDOW_MS);
  const tally = new Tally();
  for (const o of outcomes) if (o.source !== 'probe' && o.t >= from) tally.add(Tally.classify(o));
  const obs = observations.filter((o) => o.t >= from);
  return decide(tally, obs, opts.now);
}

/** Run the rules over a tally (shared by diagnose() and LiveEngine). */
export function decide(tally: Tally, obs: Observation[], now: number): Diagnosis {
  const ctx = buildCtx(tally, obs, now);
  let finding: Finding | null = null;
  for (const [, rule] of RULES) {
    finding = rule(ctx);
    if (finding) break;
  }
  const f = finding!;
  const evidence = [...f.evidence];
  const noise = noiseEvidence(ctx);
  if (noise) evidence.push(noise);
  return {
    verdict: f.verdict,
    cause: f.cause,
    services: summaries(ctx),
    evidence,
    advice: adviceFor(f.cause, f.verdict),
    since: sinceOf(f, ctx),
    at: now,
  };
}

/** Name of the rule that decided (for tests and debugging). */
export function decidingRule(tally: Tally, obs: Observation[], now: number): string {
  const ctx = buildCtx(tally, obs, now);
  for (const [name, rule] of RULES) if (rule(ctx)) return name;
  return 'unclear';
}

function sinceOf(f: Finding, ctx: Ctx): number | null {
  if (f.verdict === 'healthy') {
    let first = Infinity;
    for (const q of ctx.tally.svcOk.values()) first = Math.min(first, q.peek() ?? Infinity);
    return Number.isFinite(first) ? first : null;
  }
  let first = Infinity;
  for (const e of f.evidence) if (e.first > 0 && e.first < first) first = e.first;
  return Number.isFinite(first) ? first : null;
}

function summaries(ctx: Ctx): ServiceSummary[] {
  const out: ServiceSummary[] = [];
  for (const s of ctx.services.values()) {
    const x: ServiceSummary = { id: s.id, state: s.state, requests: s.requests, failures: s.strong + s.weak, hosts: s.hosts.slice(0, 8) };
    if (s.last !== undefined) x.lastFailure = s.last;
    out.push(x);
  }
  out.sort((a, b) => b.failures - a.failures || b.requests - a.requests || (a.id < b.id ? -1 : 1));
  return out;
}

function noiseEvidence(ctx: Ctx): Evidence | null {
  const n = ctx.tally.noise;
  const total = n.aborted + n.tracking + n['not-modified'] + n.favicon + n['token-refresh'] + n['not-found'];
  if (total === 0) return null;
  return fact('ignored', [n.aborted, n.tracking, n['not-modified'], n.favicon, n['token-refresh'], n['not-found']], ctx.now, total);
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
  outage: [['advice_wait_provider', 'open-status'], ['advice_copy_report', 'copy-report']],
  'auth-service': [['advice_auth_service', 'open-status'], ['advice_copy_report', 'copy-report']],
  cdn: [['advice_wait_provider', 'retry'], ['advice_copy_report', 'copy-report']],
  'server-error': [['advice_wait_provider', 'retry'], ['advice_copy_report', 'copy-report']],
  'login-loop': [['advice_login_loop', 'open-status'], ['advice_copy_report', 'copy-report']],
  'page-bug': [['advice_page_bug', 'retry'], ['advice_copy_report', 'copy-report']],
  'dns-provider': [['advice_wait_provider', 'open-status']],
  none: [],
  'insufficient-evidence': [['advice_unclear', 'retry']],
};

export function adviceFor(cause: Cause, _verdict: string): Advice[] {
  return (ADVICE[cause] ?? []).map(([key, action]) => {
    const a: Advice = { id: key.slice(7).replace(/_/g, '-'), text: { key } };
    if (action) a.action = action;
    return a;
  });
}
