/**
 * What one outcome means for the diagnosis: a failure class, or null for success and for noise (aborts,
 * trackers, 304s, favicons, ordinary 404s, mtop's routine token refresh…). Pure and allocation-free.
 */
import {
  AUTH_CODES,
  OPENAPI_WEAK_AUTH_STATUSES,
  providerCode,
  RISK_CODES,
  ROUTINE_CODES,
  SKEW_CODES,
} from '../taxonomy/provider-codes';
import type { RequestOutcome } from '../types';

export type FailClass =
  | 'offline'
  | 'dns'
  | 'proxy'
  | 'tls-ca'
  | 'tls-date'
  | 'tls'
  | 'conn'
  | 'http5'
  | 'auth'
  /** A refusal that only looks like an auth failure (signed OpenAPI 401/403/404 with a request id, no body
   * code): counts toward the auth-service onset, never alone toward credentials, never toward significance. */
  | 'auth-weak'
  | 'skew'
  | 'risk'
  | 'blocked'
  | 'loop'
  | 'pagebug'
  | 'unknown';

/** Classes that may be the provider's fault, counted for host/service significance. */
export function isProviderSide(c: FailClass): boolean {
  return c === 'conn' || c === 'http5' || c === 'auth' || c === 'dns' || c === 'tls' || c === 'loop';
}

/**
 * Classes that mark a *service* as failing for recovery (tally.ts marks): the provider-side ones, failures
 * without a reason, page bugs, anti-bot answers and clock codes. The user's own network (offline, proxy, an
 * intercepting CA, certificate dates, blocking extensions) is tracked per class instead.
 */
export function marksService(c: FailClass): boolean {
  return isProviderSide(c) || c === 'unknown' || c === 'pagebug' || c === 'risk' || c === 'skew' || c === 'auth-weak';
}

/** Classes that count as control failures (ControlStat.failures). */
export function marksControl(c: FailClass): boolean {
  return c !== 'blocked' && c !== 'risk' && c !== 'pagebug';
}

/** Why an outcome is not a failure (for the noise evidence), or null. */
export type NoiseKind =
  'aborted' | 'tracking' | 'not-modified' | 'favicon' | 'token-refresh' | 'not-found' | 'client-4xx';

/** Path of mtop's anti-bot challenge page. */
export const PUNISH_PATH = '/_____tmd_____/punish';

/** Last path segment is literally `undefined` or `null` (a page built a URL from a missing value). */
export function isEmptyValuePath(path: string): boolean {
  const n = path.length;
  if (n >= 10 && path.charCodeAt(n - 10) === 47 && path.endsWith('undefined')) return true;
  if (n >= 5 && path.charCodeAt(n - 5) === 47 && path.endsWith('null')) return true;
  return false;
}

function isFavicon(path: string): boolean {
  return path.endsWith('/favicon.ico');
}

/** Failure class of a user-traffic outcome (probes are filtered by the caller), or null. */
export function failClass(o: RequestOutcome): FailClass | null {
  if (o.service === 'telemetry' || o.service === 'status') return null;
  const code = providerCode(o);
  if (code !== undefined) {
    if (RISK_CODES.has(code)) return 'risk';
    if (SKEW_CODES.has(code)) return 'skew';
    if (AUTH_CODES.has(code)) return 'auth';
    if (ROUTINE_CODES.has(code) && o.status < 400) return null;
  }
  if (o.path.includes(PUNISH_PATH)) return 'risk';
  if (isEmptyValuePath(o.path)) return 'pagebug';
  switch (o.kind) {
    case 'ok':
    case 'aborted':
    case 'blocked.tracking':
    case 'blocked.browser':
    case 'blocked.admin':
      return null;
    case 'net.offline':
      return 'offline';
    case 'dns.name_not_resolved':
    case 'dns.failed':
      return 'dns';
    case 'proxy.failed':
      return 'proxy';
    case 'tls.cert.authority_invalid':
      return 'tls-ca';
    case 'tls.cert.date_invalid':
      return 'tls-date';
    case 'tls.cert.name_invalid':
    case 'tls.failed':
      return 'tls';
    case 'tcp.refused':
    case 'tcp.reset':
    case 'tcp.closed':
    case 'tcp.timed_out':
    case 'tcp.failed':
    case 'net.changed':
    case 'net.access_denied':
    case 'http.protocol':
    case 'http.empty':
      return isFavicon(o.path) ? null : 'conn';
    case 'http.5xx':
      return isFavicon(o.path) ? null : 'http5';
    case 'http.4xx':
      if (isFavicon(o.path)) return null;
      if (
        code === undefined &&
        o.service === 'openapi' &&
        o.keyTag !== undefined &&
        o.ids?.acsRequestId !== undefined &&
        OPENAPI_WEAK_AUTH_STATUSES.has(o.status)
      )
        return 'auth-weak';
      if (o.status === 401 || o.status === 403) return 'auth';
      if (o.status === 407) return 'proxy';
      return null;
    case 'http.redirect_loop':
      return 'loop';
    case 'blocked.extension':
      return 'blocked';
    case 'unknown':
      return 'unknown';
  }
  return null;
}

/** Why a non-failure is noise worth counting in the evidence (or null for a plain success). */
export function noiseOf(o: RequestOutcome): NoiseKind | null {
  if (o.kind === 'aborted') return 'aborted';
  if (o.kind === 'blocked.tracking' || (o.service === 'telemetry' && o.kind !== 'ok')) return 'tracking';
  if (o.status === 304) return 'not-modified';
  if (o.code !== undefined && ROUTINE_CODES.has(o.code)) return 'token-refresh';
  if (o.kind === 'ok') return null;
  if (isFavicon(o.path)) return 'favicon';
  if (o.status === 404 || o.status === 410) return 'not-found';
  if (o.kind === 'http.4xx') return 'client-4xx';
  return null;
}
