/**
 * Types of the active checks. Kept here, not in core/types.ts: the history stores only the
 * `Observation` probe variant of core/types.ts; everything else in this file is in-memory planning data.
 */
import type { Observation, RequestOutcome } from '../types';

export type ProbeKind = 'control' | 'cookieless-retry' | 'dns' | 'clock' | 'status-page';

/** The `probe` variant of core/types.ts `Observation`: what the history keeps for every probe. */
export type ProbeObservation = Extract<Observation, { kind: 'probe' }>;

/** One watched request of the last minutes, with its real URL held in memory only (never stored). */
export interface RecentRequest {
  outcome: RequestOutcome;
  /** The real URL of the request (with query), memory only. Needed for the cookie-less retry and clock probe. */
  url?: string;
}

/** User settings that shape the probes (options page). */
export interface ProbeSettings {
  /** Neutral sites: host names or http(s) URLs. Empty = no control probes. */
  controlSites: string[];
  /** Read the official status page (status.aliyun.com, undocumented JSON) while failures are seen. */
  statusPage: boolean;
  /** DoH JSON endpoint, e.g. https://doh.pub/resolve or https://dns.alidns.com/resolve. '' = no DNS probes. */
  dohResolver: string;
  /** regionId for the status feed when no failing host names a region (default cn-hangzhou). */
  statusRegion?: string;
}

/** One planned probe. `url` is memory only; `target` is what may be stored (host or host + path shape). */
export interface ProbeRequest {
  probe: ProbeKind;
  /** Budget/back-off key: `${probe}:${host or name}`. */
  key: string;
  /** Stored in the observation: a host, a queried name, or host + path shape. Never a query string. */
  target: string;
  /** The URL to fetch. May carry a signed query (signed OSS retry): never store it. */
  url: string;
  method: 'GET' | 'HEAD';
  timeoutMs: number;
  /** For dns probes: the name asked about. */
  name?: string;
}

/** An official event from the status feed, normalized. */
export interface StatusEvent {
  id: string;
  title: string;
  severity: 'alarm' | 'notice' | 'normal' | 'unknown';
  /** ms since epoch, or null when absent/unparseable. */
  start: number | null;
  end: number | null;
}

export interface StatusFeed {
  ok: boolean;
  events: StatusEvent[];
}

/**
 * What runProbe returns: the storable observation plus in-memory extras. Store `toObservation(result)` only.
 */
export type ProbeResult = ProbeObservation & {
  /** HTTP status seen (0 for opaque/none). */
  status?: number;
  /** True when ok=false must not be read as "the target failed" (e.g. a retry that was redirected). */
  inconclusive?: boolean;
  /** dns probes: the DoH rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN…) when known. */
  rcode?: number;
  /** status-page probes: the parsed events. */
  events?: StatusEvent[];
};

/** Injected effects for runProbe. */
export interface ProbeDeps {
  fetch: typeof fetch;
  now: () => number;
  /** Default timeout when the request has none (ms). */
  timeoutMs?: number;
  /** Timer functions (core takes no globals: the background passes the real ones, tests fake ones). */
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** A fresh abort controller per probe (the background passes `() => new AbortController()`). */
  abortController: () => AbortController;
}
