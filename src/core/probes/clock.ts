/**
 * Clock skew, passively from the Date headers of watched responses (RequestOutcome.serverDate) and actively
 * from a clock probe. skew = server − local; the local instant of a response is estimated as the middle of the
 * request (t + ms/2). Date headers have 1 s resolution, far below the thresholds.
 *
 * Only fresh responses say what time it is at the server. Cached or revalidated responses keep the Date of the
 * origin's first answer: the converters (convert/webrequest.ts, har/read.ts) drop the Date of a response served
 * from a cache (304, `Age` > 0, a cache HIT, the browser's cache, ~0 ms with an empty body). A live browser says
 * what came from its cache; a HAR often does not (exporters leave cached pictures, scripts and styles unmarked), so
 * from a HAR only dynamic answers count — a page, a frame, an API call. One stale object cannot decide either: the
 * skew is the median over hosts of each host's median (medianSkew), and needs CLOCK_MIN_HOSTS hosts.
 */
import type { RequestOutcome } from '../types';

/** Flag the clock above this (CERT_DATE_INVALID territory starts much later, but logins with TOTP care). */
export const CLOCK_SKEW_WARN_MS = 2 * 60_000;
/** OSS RequestTimeTooSkewed / OpenAPI InvalidTimeStamp.Expired: signed requests fail beyond 15 min. */
export const SIGNED_REQUEST_LIMIT_MS = 15 * 60_000;
/** Fewest hosts with dated responses for a passive estimate (with three, one stale host cannot move the median). */
export const CLOCK_MIN_HOSTS = 3;
/** Only responses this recent count (a clock changed by the user must show quickly). */
export const CLOCK_WINDOW_MS = 30 * 60_000;

export type ClockLevel = 'ok' | 'warn' | 'signed-requests-fail';

export interface ClockSkew {
  /** Median server − local in ms, or null with fewer than `minSamples` samples. */
  skewMs: number | null;
  samples: number;
  level: ClockLevel;
}

export function skewLevel(skewMs: number | null): ClockLevel {
  if (skewMs === null || !Number.isFinite(skewMs)) return 'ok';
  const a = Math.abs(skewMs);
  if (a > SIGNED_REQUEST_LIMIT_MS) return 'signed-requests-fail';
  if (a > CLOCK_SKEW_WARN_MS) return 'warn';
  return 'ok';
}

/**
 * One outcome's skew sample, or null when it cannot give one: no (fresh) Date, the browser's cache, a 304, no
 * response, a probe, or — from a HAR — not a dynamic response (a page, a frame or an API call).
 */
export function skewSample(o: RequestOutcome): number | null {
  if (typeof o.serverDate !== 'number' || !Number.isFinite(o.serverDate) || o.serverDate <= 0) return null;
  if (o.fromCache || o.source === 'probe' || o.status <= 0 || o.status === 304) return null;
  if (o.source === 'har' && o.type !== 'main_frame' && o.type !== 'sub_frame' && o.type !== 'xhr') return null;
  const ms = typeof o.ms === 'number' && o.ms > 0 ? o.ms : 0;
  return o.serverDate - (o.t + ms / 2);
}

export interface SkewSample {
  host: string;
  skew: number;
}

/**
 * The median over hosts of each host's median skew, or null with fewer than `minHosts` hosts. `samples` counts
 * the responses behind it.
 */
export function medianSkew(
  samples: Iterable<SkewSample>,
  minHosts: number = CLOCK_MIN_HOSTS,
): { skewMs: number | null; hosts: number; samples: number } {
  const byHost = new Map<string, number[]>();
  let n = 0;
  for (const x of samples) {
    let a = byHost.get(x.host);
    if (!a) byHost.set(x.host, (a = []));
    a.push(x.skew);
    n++;
  }
  if (byHost.size < minHosts) return { skewMs: null, hosts: byHost.size, samples: n };
  return { skewMs: Math.round(median([...byHost.values()].map(median))), hosts: byHost.size, samples: n };
}

/**
 * Passive skew: medianSkew over the watched responses of the last CLOCK_WINDOW_MS (relative to `now`, default: the
 * newest outcome) that give a sample (skewSample). HAR outcomes are skipped (export tools write odd zones).
 */
export function passiveClockSkew(
  outcomes: readonly RequestOutcome[],
  opts: { now?: number; minHosts?: number; windowMs?: number } = {},
): ClockSkew {
  const windowMs = opts.windowMs ?? CLOCK_WINDOW_MS;
  let now = opts.now;
  if (now === undefined) {
    now = -Infinity;
    for (const o of outcomes) if (o.t > now) now = o.t;
  }
  const xs: SkewSample[] = [];
  for (const o of outcomes) {
    if (o.service === null || o.source === 'har' || now - o.t > windowMs) continue;
    const s = skewSample(o);
    if (s !== null) xs.push({ host: o.host, skew: s });
  }
  const m = medianSkew(xs, opts.minHosts);
  return { skewMs: m.skewMs, samples: m.samples, level: skewLevel(m.skewMs) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Active skew from a probe: Date header vs the local midpoint of the request. */
export function probeSkew(dateHeader: string | null | undefined, sentAt: number, receivedAt: number): number | null {
  if (!dateHeader) return null;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return null;
  return Math.round(server - (sentAt + receivedAt) / 2);
}
