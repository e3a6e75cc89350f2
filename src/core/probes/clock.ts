/**
 * Clock skew, passively from the Date headers of watched responses (RequestOutcome.serverDate) and actively
 * from a clock probe. skew = server − local; the local instant of a response is estimated as the middle of the
 * request (t + ms/2). Date headers have 1 s resolution, far below the thresholds.
 */
import type { RequestOutcome } from '../types';

/** Flag the clock above this (CERT_DATE_INVALID territory starts much later, but logins with TOTP care). */
export const CLOCK_SKEW_WARN_MS = 2 * 60_000;
/** OSS RequestTimeTooSkewed / OpenAPI InvalidTimeStamp.Expired: signed requests fail beyond 15 min. */
export const SIGNED_REQUEST_LIMIT_MS = 15 * 60_000;
/** Fewest samples for a passive estimate. */
export const CLOCK_MIN_SAMPLES = 3;
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

/** One outcome's skew sample, or null when it cannot give one (no Date, cached, a probe, no response). */
export function skewSample(o: RequestOutcome): number | null {
  if (typeof o.serverDate !== 'number' || !Number.isFinite(o.serverDate) || o.serverDate <= 0) return null;
  if (o.fromCache || o.source === 'probe' || o.source === 'har' || o.status <= 0 || o.status === 304) return null;
  const ms = typeof o.ms === 'number' && o.ms > 0 ? o.ms : 0;
  return o.serverDate - (o.t + ms / 2);
}

/**
 * Passive skew: median of (serverDate − t − ms/2) over watched responses of the last CLOCK_WINDOW_MS (relative to
 * `now`, default: the newest outcome). HAR outcomes, cached responses (stale Date) and 304s are skipped.
 */
export function passiveClockSkew(
  outcomes: readonly RequestOutcome[],
  opts: { now?: number; minSamples?: number; windowMs?: number } = {},
): ClockSkew {
  const minSamples = opts.minSamples ?? CLOCK_MIN_SAMPLES;
  const windowMs = opts.windowMs ?? CLOCK_WINDOW_MS;
  let now = opts.now;
  if (now === undefined) {
    now = -Infinity;
    for (const o of outcomes) if (o.t > now) now = o.t;
  }
  const xs: number[] = [];
  for (const o of outcomes) {
    if (o.service === null || now - o.t > windowMs) continue;
    const s = skewSample(o);
    if (s !== null) xs.push(s);
  }
  if (xs.length < minSamples) return { skewMs: null, samples: xs.length, level: 'ok' };
  const skewMs = Math.round(median(xs));
  return { skewMs, samples: xs.length, level: skewLevel(skewMs) };
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
