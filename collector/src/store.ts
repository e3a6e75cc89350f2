/**
 * The collector's storage interface. Two implementations: SQLite (embedded default, one instance) and
 * Redis/Valkey (many stateless instances sharing one Redis). Both keep only minute buckets, never raw reports.
 */
import type { CrowdService, ReportPhase, ReportVerdict } from '../../src/core/crowd/protocol';
import { DAY_MS, MINUTE_MS } from '../../src/core/crowd/protocol';

export const HOUR_MS = 3_600_000;
/** Minute buckets, dedupe keys, reporter and address sets, rate-limit windows: deleted after 48 h. */
export const RAW_RETENTION_MS = 48 * HOUR_MS;
/** Hour-of-day aggregates (for the baseline): kept 28 days. */
export const HOURLY_RETENTION_MS = 28 * DAY_MS;
/** Width of the rate-limit window. */
export const RATE_WINDOW_MS = MINUTE_MS;

/** One validated report, reduced to what the collector keeps. `minute` is already clamped by the app. */
export interface IngestReport {
  service: CrowdService;
  phase: ReportPhase;
  verdict: ReportVerdict;
  token: string;
  minute: number;
}

/** Raw per-service counts for GET /v1/status; the app turns them into states (collector/src/rules.ts). */
export interface ServiceCounts {
  service: CrowdService;
  m5: number;
  m15: number;
  m60: number;
  reporters15: number;
  addresses15: number;
  /** Sum of counted reports in this hour of day (UTC) over each of the previous `baselineDays` days. */
  baselineSum: number;
  byPhase15: Partial<Record<ReportPhase, number>>;
  byVerdict15: Partial<Record<ReportVerdict, number>>;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  /** Count one request of `addr` in the rate-limit window starting at `window`; returns the count so far. */
  hit(addr: string, window: number): Promise<number>;
  /**
   * Fold reports into minute buckets. A report counts only if it is the first of its reporter token for its
   * service in its 15-minute dedupe window. Returns how many counted.
   */
  ingest(reports: readonly IngestReport[], addr: string): Promise<number>;
  counts(now: number, baselineDays: number): Promise<ServiceCounts[]>;
  /** A random salt for `day`, the same for every instance sharing the store; forgotten after two days. */
  dailySalt(day: number): Promise<string>;
  /** Delete everything older than 48 h (hourly aggregates: 28 days). Returns the number of rows/keys deleted. */
  prune(now: number): Promise<number>;
  /** Number of (service, minute) buckets held (tests and ops). */
  bucketCount(): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function dedupeWindowOf(minute: number, windowMs: number): number {
  return Math.floor(minute / windowMs);
}

export function hourOf(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}
