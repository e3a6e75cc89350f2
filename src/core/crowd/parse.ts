/**
 * Crowd mode, reading what the collector says (pure): its address from the setting, its answers to
 * POST /v1/reports (counted, error, Retry-After) and GET /v1/status (validated field by field).
 */
import {
  CROWD_SERVICES,
  CROWD_STATES,
  PHASES,
  PROTOCOL_VERSION,
  REPORT_VERDICTS,
  type CrowdService,
  type CrowdState,
  type ServiceCrowdStatus,
} from './protocol';

/** Longest Retry-After honoured. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;
/** Largest status body read. */
export const MAX_STATUS_BYTES = 256 * 1024;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * The collector's base URL from the setting: query and fragment dropped, a trailing `/v1/reports` or `/v1/status`
 * and trailing slashes removed. Null when empty or not http(s).
 */
export function collectorBase(url: string): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const path = u.pathname
    .replace(/\/+$/, '')
    .replace(/\/v1\/(?:reports|status)$/, '')
    .replace(/\/+$/, '');
  return `${u.origin}${path}`;
}

/** Retry-After (seconds or an HTTP date) → ms from now, or null. */
export function parseRetryAfter(v: string | null, now: number): number | null {
  if (v === null) return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Math.min(Number(s) * 1000, RETRY_AFTER_MAX_MS);
  const t = Date.parse(s);
  if (!Number.isFinite(t)) return null;
  return Math.min(Math.max(0, t - now), RETRY_AFTER_MAX_MS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `counted` of a 202 answer, or null. */
export function parseCounted(text: string): number | null {
  const j = parseJson(text);
  return isObj(j) && isCount(j.counted) ? j.counted : null;
}

/** `error` of an error answer, or null. */
export function parseError(text: string): string | null {
  const j = parseJson(text);
  return isObj(j) && typeof j.error === 'string' ? j.error : null;
}

/** One line, at most 160 characters (for logs). */
export function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function counts<K extends string>(x: unknown, keys: readonly K[]): Partial<Record<K, number>> | null {
  if (!isObj(x)) return null;
  const out: Partial<Record<K, number>> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!(keys as readonly string[]).includes(k) || !isCount(v)) return null;
    out[k as K] = v;
  }
  return out;
}

/**
 * GET /v1/status body → per-service status. Null when the body is not JSON or not a status response at all;
 * entries that are malformed or name an unknown service are skipped. Nothing but the protocol's fields is kept.
 */
export function parseStatus(text: string): ServiceCrowdStatus[] | null {
  if (text.length > MAX_STATUS_BYTES) return null;
  const j = parseJson(text);
  if (!isObj(j) || j.v !== PROTOCOL_VERSION || !Array.isArray(j.services)) return null;
  const out: ServiceCrowdStatus[] = [];
  const seen = new Set<string>();
  for (const s of j.services) {
    if (!isObj(s) || !isObj(s.reports)) continue;
    const id = s.service;
    if (typeof id !== 'string' || !(CROWD_SERVICES as readonly string[]).includes(id) || seen.has(id)) continue;
    const { m5, m15, m60 } = s.reports;
    if (![m5, m15, m60, s.voters15, s.voters60, s.networks15, s.baseline15, s.baselineNetworks15].every(isCount)) {
      continue;
    }
    if (typeof s.state !== 'string' || !(CROWD_STATES as readonly string[]).includes(s.state)) continue;
    if (!Array.isArray(s.perMinute) || s.perMinute.length > 60 || !s.perMinute.every(isCount)) continue;
    const byPhase15 = counts(s.byPhase15, PHASES);
    const byVerdict15 = counts(s.byVerdict15, REPORT_VERDICTS);
    if (!byPhase15 || !byVerdict15) continue;
    seen.add(id);
    out.push({
      service: id as CrowdService,
      state: s.state as CrowdState,
      reports: { m5: m5 as number, m15: m15 as number, m60: m60 as number },
      voters15: s.voters15 as number,
      voters60: s.voters60 as number,
      networks15: s.networks15 as number,
      baseline15: s.baseline15 as number,
      baselineNetworks15: s.baselineNetworks15 as number,
      perMinute: s.perMinute as number[],
      byPhase15,
      byVerdict15,
    });
  }
  return out;
}
