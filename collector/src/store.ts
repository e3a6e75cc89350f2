/**
 * The collector's storage interface. Two implementations, SQLite (one instance) and Redis/Valkey (many stateless
 * instances sharing one Redis), and they only store and fetch rows: every count the status shows is folded from
 * those rows by ONE pure function (window.ts), so both stores answer alike by construction.
 *
 * What is kept: votes (one voter per service per minute, with the phase and verdict of its first report), the
 * voters' distinct counts per quarter hour (the baseline), rate-limit counters and the daily address salt. Never a
 * raw report, an address or a token: voters and networks are salted hashes (app.ts).
 */
import type { CrowdService, ReportPhase, ReportVerdict } from '../../src/core/crowd/protocol';
import { DAY_MS, MINUTE_MS } from '../../src/core/crowd/protocol';

export const HOUR_MS = 3_600_000;
export const QUARTER_MS = 15 * MINUTE_MS;
/** Votes and minute aggregates: kept 2 h (the status looks back one hour; rollups happen within minutes). */
export const RAW_RETENTION_MS = 2 * HOUR_MS;
/** Quarter-hour rollups (the baseline): 8 days, for a 7-day median. */
export const ROLLUP_RETENTION_MS = 8 * DAY_MS;
/** Width of the rate-limit window. */
export const RATE_WINDOW_MS = MINUTE_MS;

/** One vote: a voter (hashed address group, or hashed team token) for one service in one collector minute. */
export interface Vote {
  service: CrowdService;
  /** Start of the collector's minute the vote arrived in (ms since epoch). */
  minute: number;
  /** Salted hash of the voter: the address (IPv6 by /64) in public mode, the reporter token in team mode. */
  voter: string;
  /** Salted hash of the voter's network: IPv4 /16, IPv6 /32. */
  net: string;
  phase: ReportPhase;
  verdict: ReportVerdict;
}

/** Votes of one (service, minute, phase, verdict). */
export interface MinuteRow {
  service: CrowdService;
  minute: number;
  phase: ReportPhase;
  verdict: ReportVerdict;
  n: number;
}

/** Distinct voters and networks of one service over a span of minutes (exact in SQLite, HyperLogLog in Redis). */
export interface DistinctRow {
  service: CrowdService;
  voters: number;
  networks: number;
}

/** Distinct voters and networks of one service in one quarter hour (`quarter` = its start, ms since epoch). */
export interface RollupRow {
  service: CrowdService;
  quarter: number;
  voters: number;
  networks: number;
}

/** What prune() keeps: by time always, and by volume (most vote rows kept; oldest minutes go first). */
export interface PruneLimits {
  maxVotes: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  /** Count one request under `key` in the rate-limit window starting at `window`; returns the count so far. */
  hit(key: string, window: number): Promise<number>;
  /** Store votes; a vote whose (service, minute, voter) is already stored is ignored. Returns how many were new. */
  ingest(votes: readonly Vote[]): Promise<number>;
  /** Minute aggregates for minutes in [from, to). */
  minuteRows(from: number, to: number): Promise<MinuteRow[]>;
  /** Distinct voters and networks per service over minutes in [from, to) (services with none may be absent). */
  distinct(from: number, to: number): Promise<DistinctRow[]>;
  /** Stored rollups of quarters in [from, to). */
  rollups(from: number, to: number): Promise<RollupRow[]>;
  saveRollups(rows: readonly RollupRow[]): Promise<void>;
  /** A random salt for `day`, the same for every instance sharing the store; forgotten after two days. */
  dailySalt(day: number): Promise<string>;
  /** Delete what is older than the retention times, then the oldest minutes beyond `limits`. Returns rows/keys deleted. */
  prune(now: number, limits?: PruneLimits): Promise<number>;
  /** Vote rows (or keys) held: tests and ops. */
  volume(): Promise<number>;
  /** 'ok', or 'degraded' with one line saying why (the store is unreachable; the collector keeps retrying). */
  health(): Promise<{ ok: true } | { ok: false; detail: string }>;
  close(): Promise<void>;
}

export function quarterOf(t: number): number {
  return Math.floor(t / QUARTER_MS) * QUARTER_MS;
}
