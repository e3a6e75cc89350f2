/**
 * Which probes to send now. Pure: reads the recent watched traffic, the settings and the budget state, returns
 * the probes to send (possibly none). `schedule()` also updates the incident and records the sends.
 *
 * Nothing is planned unless a watched failure happened in the last FAILURE_WINDOW_MS. Not failures for this
 * purpose: aborts, telemetry hosts, 304s, favicon 404s, blocks by the browser or an extension (their cause is
 * already known locally), probe traffic itself, and traffic outside the catalogue that the user did not watch.
 *
 * Cookie-less retry decisions (the outcome has only a path shape; the real URL comes with `RecentRequest.url`,
 * held in memory only):
 * - only GET image/script/stylesheet/xhr of catalogue provider hosts, never main_frame, never login/payments/
 *   mtop/openapi/telemetry hosts (session- or signature-bound), never a URL with user:password@;
 * - only application/connection/tls failures (dns failures get a DNS probe; client blocks are local);
 * - xhr only when its path shape has no placeholder ({id}, {n}, {hex}, {uuid}: per-user or per-object API calls);
 *   no retry at all when the shape holds {email};
 * - the query string is stripped (it carries tokens and per-session values), EXCEPT for a signed OSS URL
 *   (OSSAccessKeyId+Signature, or x-oss-signature/x-oss-credential): the signature is its credential, stripping
 *   it would turn every private object into a 403 that wrongly says "fails without cookies too". A signed OSS
 *   URL whose Expires has passed is not retried (its 403 would prove nothing);
 * - one per host per minute (budget key = host).
 */
import { regionOf, serviceOf } from '../catalogue/match';
import { DEFAULT_CONTROL_SITES } from '../settings';
import { isFailureKind } from '../taxonomy/browser-errors';
import { providerCode, SIGNED_FAILURE_CODES } from '../taxonomy/provider-codes';
import type { RequestOutcome, ServiceId } from '../types';
import { splitUrl } from '../url/url-shape';
import { budgetDenial, recordSent, updateIncident, type ProbeState } from './budget';
import { passiveClockSkew } from './clock';
import { dohUrl } from './doh';
import { DEFAULT_STATUS_REGION, statusFeedUrl } from './status-page';
import type { ProbeRequest, ProbeSettings, RecentRequest } from './types';

export const FAILURE_WINDOW_MS = 60_000;
export const CONTROL_TIMEOUT_MS = 4_000;
export const PROBE_TIMEOUT_MS = 8_000;
/** Control sites probed per round (settings may hold up to 10; the rest are ignored). */
export const MAX_CONTROL_PER_ROUND = 5;
export const MAX_DNS_PER_ROUND = 3;
export const MAX_RETRIES_PER_ROUND = 3;

/** DNSPod (Tencent): independent of the provider under diagnosis. AliDNS (https://dns.alidns.com/resolve) also works. */
export const DEFAULT_DOH_RESOLVER = 'https://doh.pub/resolve';

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = {
  /** The user settings' defaults (core/settings.ts): baidu, qq, 163, bing favicons. */
  controlSites: [...DEFAULT_CONTROL_SITES],
  statusPage: true,
  dohResolver: DEFAULT_DOH_RESOLVER,
};

const RETRY_TYPES = new Set(['image', 'script', 'stylesheet', 'xhr']);
const NO_RETRY_SERVICES = new Set<ServiceId>(['login', 'payments', 'mtop', 'openapi', 'telemetry', 'status', 'site']);
const PLACEHOLDER = /\{(?:id|n|hex|uuid|email)\}/;
const AUTH_SERVICES = new Set<ServiceId>(['oss', 'openapi', 'console', 'registry']);

export interface PlanInput {
  now: number;
  recent: readonly RecentRequest[];
  settings: ProbeSettings;
  state: ProbeState;
}

/** Is this outcome a watched failure that justifies probes? */
export function isWatchedFailure(o: RequestOutcome): boolean {
  if (o.source === 'probe') return false;
  if (o.service === null || o.service === 'telemetry') return false;
  if (!isFailureKind(o.kind) || o.phase === 'client' || o.kind.startsWith('blocked.')) return false;
  if (o.status === 304) return false;
  if (o.status === 404 && /\/favicon\.(?:ico|png|svg)$/i.test(o.path)) return false;
  return true;
}

/** Watched failures within FAILURE_WINDOW_MS before `now`. */
export function recentFailures(recent: readonly RecentRequest[], now: number): RecentRequest[] {
  return recent.filter(
    (r) => now - r.outcome.t <= FAILURE_WINDOW_MS && r.outcome.t <= now + 1000 && isWatchedFailure(r.outcome),
  );
}

export function hasWatchedFailures(recent: readonly RecentRequest[], now: number): boolean {
  return recentFailures(recent, now).length > 0;
}

/** Normalize a control site (host or http(s) URL) to {host, url}; null when invalid or Alibaba-group. */
export function controlTarget(site: string): { host: string; url: string } | null {
  const s = site.trim();
  if (!s) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
  const p = splitUrl(withScheme);
  if (!p || (p.scheme !== 'https' && p.scheme !== 'http') || hasUserInfo(withScheme)) return null;
  if (!/^[a-z0-9.-]+$/.test(p.host) || !p.host.includes('.')) return null;
  if (serviceOf(p.host) !== null) return null; // not neutral
  const port = p.port ? `:${p.port}` : '';
  return { host: p.host, url: `${p.scheme}://${p.host}${port}${p.path || '/'}` };
}

function hasUserInfo(url: string): boolean {
  const start = url.indexOf('://') + 3;
  const end = url.slice(start).search(/[/?#]/);
  return url.slice(start, end < 0 ? undefined : start + end).includes('@');
}

function isSignedOss(query: string): boolean {
  return (
    (/(?:^|&)OSSAccessKeyId=/i.test(query) && /(?:^|&)Signature=/i.test(query)) ||
    /(?:^|&)x-oss-(?:signature|credential)=/i.test(query)
  );
}

/** Expiry (ms) of a signed OSS URL, when its query says: V1 Expires=<epoch s>, V4 x-oss-date + x-oss-expires. */
export function signedOssExpiry(query: string): number | null {
  const v1 = /(?:^|&)Expires=(\d{9,11})(?:&|$)/.exec(query);
  if (v1) return Number(v1[1]) * 1000;
  const d = /(?:^|&)x-oss-date=(\d{8}T\d{6}Z)(?:&|$)/i.exec(query);
  const e = /(?:^|&)x-oss-expires=(\d+)(?:&|$)/i.exec(query);
  if (d && e) {
    const x = d[1]!;
    const t = Date.UTC(
      +x.slice(0, 4),
      +x.slice(4, 6) - 1,
      +x.slice(6, 8),
      +x.slice(9, 11),
      +x.slice(11, 13),
      +x.slice(13, 15),
    );
    return t + Number(e[1]) * 1000;
  }
  return null;
}

/** The URL to retry without cookies, or null when this request must not be replayed. */
export function retryUrl(r: RecentRequest, now: number): string | null {
  const o = r.outcome;
  if (!r.url || o.method.toUpperCase() !== 'GET' || !RETRY_TYPES.has(o.type)) return null;
  if (o.service === null || NO_RETRY_SERVICES.has(o.service)) return null;
  if (o.phase !== 'application' && o.phase !== 'connection' && o.phase !== 'tls') return null;
  if (o.path.includes('{email}') || (o.type === 'xhr' && PLACEHOLDER.test(o.path))) return null;
  const p = splitUrl(r.url);
  if (!p || (p.scheme !== 'https' && p.scheme !== 'http') || p.host !== o.host) return null;
  if (hasUserInfo(r.url)) return null;
  const port = p.port ? `:${p.port}` : '';
  const base = `${p.scheme}://${p.host}${port}${p.path}`;
  if (o.service === 'oss' && isSignedOss(p.query)) {
    const exp = signedOssExpiry(p.query);
    if (exp !== null && exp <= now + 5_000) return null;
    return `${base}?${p.query}`;
  }
  return base;
}

function isSignedOrAuthFailure(o: RequestOutcome): boolean {
  const code = providerCode(o);
  if (code !== undefined && SIGNED_FAILURE_CODES.has(code)) return true;
  if (o.kind === 'tls.cert.date_invalid') return true;
  if (o.keyTag && o.status >= 400 && o.status <= 403) return true;
  return (o.status === 401 || o.status === 403) && o.service !== null && AUTH_SERVICES.has(o.service);
}

function candidates(input: PlanInput): ProbeRequest[] {
  const { now, recent, settings } = input;
  const failing = recentFailures(recent, now);
  const out: ProbeRequest[] = [];

  // 1. Control reachability.
  const seen = new Set<string>();
  for (const site of settings.controlSites) {
    const c = controlTarget(site);
    if (!c || seen.has(c.host)) continue;
    seen.add(c.host);
    if (seen.size > MAX_CONTROL_PER_ROUND) break;
    out.push({
      probe: 'control',
      key: `control:${c.host}`,
      target: c.host,
      url: c.url,
      method: 'HEAD',
      timeoutMs: CONTROL_TIMEOUT_MS,
    });
  }

  // 2. DNS: one per host failing with dns.*.
  if (settings.dohResolver) {
    const names = new Set<string>();
    for (const r of failing) {
      const o = r.outcome;
      if (o.phase !== 'dns' && !o.kind.startsWith('dns.')) continue;
      if (names.has(o.host) || names.size >= MAX_DNS_PER_ROUND) continue;
      const url = dohUrl(settings.dohResolver, o.host);
      if (!url) continue;
      names.add(o.host);
      out.push({
        probe: 'dns',
        key: `dns:${o.host}`,
        target: o.host,
        name: o.host,
        url,
        method: 'GET',
        timeoutMs: PROBE_TIMEOUT_MS,
      });
    }
  }

  // 3. Cookie-less retry: at most one per host (newest failure first).
  const hosts = new Set<string>();
  for (let i = failing.length - 1; i >= 0 && hosts.size < MAX_RETRIES_PER_ROUND; i--) {
    const r = failing[i]!;
    if (hosts.has(r.outcome.host)) continue;
    const url = retryUrl(r, now);
    if (!url) continue;
    hosts.add(r.outcome.host);
    out.push({
      probe: 'cookieless-retry',
      key: `cookieless-retry:${r.outcome.host}`,
      target: r.outcome.host + r.outcome.path,
      url,
      method: 'GET',
      timeoutMs: PROBE_TIMEOUT_MS,
    });
  }

  // 4. Clock: on signed-request/auth failures, unless passive Date headers already give an estimate.
  const auth = failing.filter((r) => isSignedOrAuthFailure(r.outcome));
  if (
    auth.length > 0 &&
    passiveClockSkew(
      recent.map((r) => r.outcome),
      { now },
    ).skewMs === null
  ) {
    const r = auth[auth.length - 1]!;
    const p = r.url ? splitUrl(r.url) : null;
    const scheme = p && (p.scheme === 'http' || p.scheme === 'https') ? p.scheme : 'https';
    const host = r.outcome.host;
    if (/^[a-z0-9.-]+$/.test(host)) {
      out.push({
        probe: 'clock',
        key: 'clock:*',
        target: host,
        url: `${scheme}://${host}/`,
        method: 'HEAD',
        timeoutMs: PROBE_TIMEOUT_MS,
      });
    }
  }

  // 5. Official status page.
  if (settings.statusPage) {
    const region = majorityRegion(failing.map((r) => r.outcome.host)) ?? settings.statusRegion ?? DEFAULT_STATUS_REGION;
    out.push({
      probe: 'status-page',
      key: 'status-page:status.aliyun.com',
      target: 'status.aliyun.com',
      url: statusFeedUrl(region),
      method: 'GET',
      timeoutMs: PROBE_TIMEOUT_MS,
    });
  }
  return out;
}

function majorityRegion(hosts: string[]): string | null {
  const counts = new Map<string, number>();
  for (const h of hosts) {
    const r = regionOf(h);
    if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  let best: string | null = null;
  let n = 0;
  for (const [r, c] of counts) if (c > n) [best, n] = [r, c];
  return best;
}

/**
 * The probes to send now, within the budget. Empty when there is no watched failure in the last minute.
 * The state is read, not changed: apply `recordSent` for each returned probe (or use `schedule`).
 * When `state.incident` is null (caller did not call updateIncident), the budget counts as a fresh incident.
 */
export function planProbes(input: PlanInput): ProbeRequest[] {
  const { now } = input;
  if (!hasWatchedFailures(input.recent, now)) return [];
  const state = updateIncident(input.state, now, true);
  const out: ProbeRequest[] = [];
  for (const c of candidates(input)) {
    if (budgetDenial(state, now, c.key, out.length) === null) out.push(c);
  }
  return out;
}

/**
 * One planning step for the background: note health, plan within budget, record the sends.
 * Send the returned probes, then apply `recordResult(state, now, req.key, result.ok)` (an inconclusive result is ok:false and backs off too).
 */
export function schedule(input: PlanInput): { requests: ProbeRequest[]; state: ProbeState } {
  const failing = hasWatchedFailures(input.recent, input.now);
  let state = updateIncident(input.state, input.now, failing);
  if (!failing) return { requests: [], state };
  const requests = planProbes({ ...input, state });
  for (const r of requests) state = recordSent(state, input.now, r.key);
  return { requests, state };
}
