/**
 * Crowd mode's ONE queue, pure: what the extension will send and when (docs/crowd-protocol.md). The background
 * (src/background/crowd.ts) owns the effects — HTTP, storage, alarms — and asks this module every question:
 *
 * - offer(): a failing outcome becomes a queued report at once (synchronous, amortised O(1)), without a verdict;
 *   the next diagnosis stamps its verdict on every unstamped report (stamp()): `provider`/`unclear` make them
 *   sendable, anything else (healthy, user-side) drops them — only the two verdicts that say something about the
 *   provider leave the browser.
 * - At most one report per service + phase + failure type + minute (local de-duplication); bounded (drop oldest);
 *   reports older than MAX_REPORT_AGE_MS are never sent (the collector would not count them).
 * - nextBatch(): the exact request body, ≤ MAX_BATCH_REPORTS and ≤ MAX_BODY_BYTES, with the day's reporter token
 *   stamped on at that moment (the stored queue holds no token). The options page shows this same body.
 * - Back-off arithmetic: sent / rejected / failed → when to try again.
 * - snapshot() / restore(): the persisted shape, validated on the way back in.
 */
import type { RequestOutcome, Verdict } from '../types';
import {
  MAX_BATCH_REPORTS,
  MAX_BODY_BYTES,
  MINUTE_MS,
  PROTOCOL_VERSION,
  currentReporterToken,
  isReportVerdict,
  makeReport,
  validateBatch,
  type CrowdBatch,
  type CrowdReport,
  type ReportVerdict,
  type ReporterTokenState,
} from './protocol';

/** A queued report: everything but the token (stamped when sent); no verdict until the next diagnosis. */
export type QueuedReport = Omit<CrowdReport, 'token' | 'verdict'> & { verdict: ReportVerdict | null };

export interface QueueEntry {
  r: QueuedReport;
  /** When it was queued (ms since epoch). */
  at: number;
}

/** The persisted state (storage key CROWD_STATE_KEY). */
export interface CrowdQueueState {
  v: 2;
  queue: QueueEntry[];
  /** De-duplication keys with their minute. */
  seen: [string, number][];
  backoffUntil: number;
  failures: number;
  token: ReporterTokenState | null;
}

export const CROWD_STATE_KEY = 'crowdClient';
export const MAX_QUEUE = 500;
/** Wait this long after the oldest sendable report before sending, so one request carries many reports. */
export const FLUSH_AFTER_MS = 30_000;
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_MAX_MS = 30 * MINUTE_MS;
/** Reports older than this are dropped unsent (the collector's STALE_AFTER_MS: it would not count them). */
export const MAX_REPORT_AGE_MS = 15 * MINUTE_MS;

/** What the options page shows: the next request exactly as it would go out, or why there is none. */
export interface CrowdPreview {
  /** off: crowd mode off (or no collector); empty: nothing sendable queued; batch: `body` is the next request. */
  state: 'off' | 'empty' | 'batch';
  /** POST target, when crowd mode is on. */
  url: string | null;
  /** The exact request body (compact JSON, UTF-8), when state is 'batch'. */
  body: string | null;
  /** Its size in bytes. */
  bytes: number;
  /** Reports in this batch / sendable in the queue / waiting for the next diagnosis. */
  reports: number;
  queued: number;
  pending: number;
  /** The request also carries `Authorization: Bearer <team key>`. */
  teamKey: boolean;
  /** The last send: when, whether the collector took it, and its status or error in one line. */
  last: { at: number; ok: boolean; message: string } | null;
}

const dedupeKey = (r: QueuedReport) => `${r.service}|${r.phase}|${r.type}|${r.minute}`;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const EMPTY_BATCH_BYTES = `{"v":${PROTOCOL_VERSION},"reports":[]}`.length;

/** Exponential back-off after `failures` consecutive failures: 30 s, 1 min, 2 min … at most 30 min. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
}

/** A stored queued report is re-checked with the protocol's own schema (with a dummy token and verdict). */
function validQueued(r: Record<string, unknown>): boolean {
  if ('token' in r) return false;
  if (r.verdict !== null && !isReportVerdict(r.verdict as Verdict)) return false;
  const probe = { ...r, verdict: r.verdict ?? 'unclear', token: '0'.repeat(32) };
  return validateBatch({ v: PROTOCOL_VERSION, reports: [probe] }).ok;
}

export class CrowdQueue {
  /** Queue as an array with a head index: drop-oldest and shift are O(1) amortised. */
  private items: QueueEntry[] = [];
  private head = 0;
  private seen = new Map<string, number>();
  private seenPrunedAt = -1;
  /** Entries without a verdict: always the last `unstamped` of the queue (offers append, stamp() takes them all). */
  private unstamped = 0;
  backoffUntil = 0;
  failures = 0;
  private token: ReporterTokenState | null = null;

  constructor(private readonly maxQueue = MAX_QUEUE) {}

  /** A stored value → state (anything broken is dropped). Offers made before it arrived are kept after it. */
  restore(x: unknown): void {
    const early = this.items.slice(this.head);
    const earlySeen = this.seen;
    this.items = [];
    this.head = 0;
    this.seen = new Map();
    if (isObj(x) && x.v === 2) {
      if (Array.isArray(x.queue)) {
        for (const e of x.queue) {
          if (!isObj(e) || !isObj(e.r) || !isCount(e.at) || !validQueued(e.r)) continue;
          this.items.push({ r: e.r as unknown as QueuedReport, at: e.at });
        }
      }
      if (Array.isArray(x.seen)) {
        for (const e of x.seen) {
          if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') this.seen.set(e[0], e[1]);
        }
      }
      this.backoffUntil = isCount(x.backoffUntil) ? x.backoffUntil : 0;
      this.failures = isCount(x.failures) ? Math.min(Math.floor(x.failures), 30) : 0;
      const t = x.token;
      this.token =
        isObj(t) && typeof t.token === 'string' && typeof t.day === 'number' ? { token: t.token, day: t.day } : null;
    }
    for (const e of this.items) this.seen.set(dedupeKey(e.r), e.r.minute);
    for (const e of early) if (!this.seen.has(dedupeKey(e.r))) this.items.push(e);
    for (const [k, m] of earlySeen) if (!this.seen.has(k)) this.seen.set(k, m);
    if (this.items.length > this.maxQueue) this.items = this.items.slice(this.items.length - this.maxQueue);
    // Keep the invariant: sendable entries first, those without a verdict after them.
    this.items = [...this.items.filter((e) => e.r.verdict !== null), ...this.items.filter((e) => e.r.verdict === null)];
    this.recount();
  }

  private recount(): void {
    this.unstamped = 0;
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.r.verdict === null) this.unstamped++;
  }

  snapshot(): CrowdQueueState {
    return {
      v: 2,
      queue: this.items.slice(this.head),
      seen: [...this.seen],
      backoffUntil: this.backoffUntil,
      failures: this.failures,
      token: this.token,
    };
  }

  /** Everything queued, oldest first (tests, diagnostics). */
  entries(): QueuedReport[] {
    return this.items.slice(this.head).map((e) => e.r);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Reports waiting for their verdict. */
  get pending(): number {
    return this.unstamped;
  }

  /** Sendable reports (stamped with a verdict). Unstamped ones are always behind them. */
  get ready(): number {
    return this.size - this.pending;
  }

  /** True when there is nothing to forget. */
  get blank(): boolean {
    return this.size === 0 && this.seen.size === 0 && this.token === null && this.backoffUntil === 0;
  }

  /**
   * Queue the report of one outcome (its verdict comes with the next diagnosis). Null when nothing is to be sent:
   * not a reportable failure (protocol.ts makeReport), an imported recording, too old, or already queued.
   */
  offer(outcome: RequestOutcome, version: string, now: number): QueuedReport | null {
    if (outcome.source === 'har') return null; // an imported recording is not a live observation
    if (outcome.t < now - MAX_REPORT_AGE_MS) return null;
    const full = makeReport(outcome, 'unclear', version, '', now);
    if (!full) return null;
    const { token: _t, verdict: _v, ...rest } = full;
    const r: QueuedReport = { ...rest, verdict: null };
    const k = dedupeKey(r);
    if (this.seen.has(k)) return null;
    this.pruneSeen(now);
    this.seen.set(k, r.minute);
    this.items.push({ r, at: now });
    this.unstamped++;
    if (this.items.length - this.head > this.maxQueue) {
      if (this.items[this.head]!.r.verdict === null) this.unstamped--;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  /**
   * The verdict of the diagnosis that followed: stamped on every report still without one when it is `provider`
   * or `unclear`; otherwise those reports are dropped (and may be offered again later). Returns how many changed.
   */
  stamp(verdict: Verdict): number {
    const changed = this.unstamped;
    if (changed === 0) return 0;
    const from = this.items.length - changed;
    if (isReportVerdict(verdict)) {
      for (let i = from; i < this.items.length; i++) {
        const e = this.items[i]!;
        this.items[i] = { ...e, r: { ...e.r, verdict } };
      }
    } else {
      for (let i = from; i < this.items.length; i++) this.seen.delete(dedupeKey(this.items[i]!.r));
      this.items.length = from;
    }
    this.unstamped = 0;
    return changed;
  }

  /** Forget de-duplication keys of minutes that can no longer be reported (at most once a minute). */
  private pruneSeen(now: number): void {
    const minute = Math.floor(now / MINUTE_MS);
    if (minute === this.seenPrunedAt) return;
    this.seenPrunedAt = minute;
    const oldest = now - MAX_REPORT_AGE_MS - MINUTE_MS;
    for (const [k, m] of this.seen) if (m < oldest) this.seen.delete(k);
  }

  /** Crowd mode off: forget everything that could be sent, and the token. */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.seen.clear();
    this.token = null;
    this.backoffUntil = 0;
    this.failures = 0;
    this.unstamped = 0;
  }

  /** Drop reports too old to be counted. Returns how many. */
  dropStale(now: number): number {
    const before = this.size;
    const keep = this.items.slice(this.head).filter((e) => e.r.minute >= now - MAX_REPORT_AGE_MS);
    this.items = keep;
    this.head = 0;
    this.recount();
    return before - keep.length;
  }

  /**
   * The reporter token for a request now: the stored one if made today (UTC), else a fresh one (remembered;
   * `fresh` says the state changed and wants storing).
   */
  tokenFor(now: number, random: (n: number) => Uint8Array): { token: string; fresh: boolean } {
    const prev = this.token;
    this.token = currentReporterToken(prev, now, random);
    return { token: this.token.token, fresh: this.token !== prev };
  }

  /** The next batch from the head: sendable reports only, ≤ MAX_BATCH_REPORTS and ≤ MAX_BODY_BYTES of JSON. */
  nextBatch(token: string): { batch: CrowdBatch; body: string; n: number } | null {
    const reports: CrowdReport[] = [];
    let bytes = EMPTY_BATCH_BYTES;
    for (let i = this.head; i < this.items.length && reports.length < MAX_BATCH_REPORTS; i++) {
      const q = this.items[i]!.r;
      if (q.verdict === null) break;
      const r: CrowdReport = { ...q, verdict: q.verdict, token };
      // JSON of this shape is ASCII (validated enums, hex token, region and version patterns): length = bytes.
      const b = JSON.stringify(r).length + (reports.length > 0 ? 1 : 0);
      if (reports.length > 0 && bytes + b > MAX_BODY_BYTES) break;
      bytes += b;
      reports.push(r);
    }
    if (reports.length === 0) return null;
    const batch: CrowdBatch = { v: PROTOCOL_VERSION, reports };
    return { batch, body: JSON.stringify(batch), n: reports.length };
  }

  /** The collector took (2xx) or refused for good (4xx but 408/429) the first `n` reports: drop them. */
  settle(n: number, ok: boolean): void {
    this.items.splice(this.head, n); // only sendable entries were in the batch: `unstamped` is unchanged
    if (ok) {
      this.failures = 0;
      this.backoffUntil = 0;
    }
  }

  /** The request failed (network, timeout, 5xx, 408, 429): keep the batch, back off. */
  failed(now: number, retryAfterMs: number | null): void {
    this.failures = Math.min(this.failures + 1, 30);
    this.backoffUntil = now + (retryAfterMs !== null ? Math.max(retryAfterMs, 1000) : backoffMs(this.failures));
  }

  /**
   * ms until a send is due: null when nothing is sendable, 0 when due now. Honours the back-off; a full batch is
   * due at once, otherwise `flushAfterMs` after the oldest sendable report was queued.
   */
  nextFlushDelay(now: number, flushAfterMs: number = FLUSH_AFTER_MS): number | null {
    if (this.ready === 0) return null;
    if (this.backoffUntil > now) return this.backoffUntil - now;
    if (this.ready >= MAX_BATCH_REPORTS) return 0;
    return Math.max(0, this.items[this.head]!.at + flushAfterMs - now);
  }
}

/** Is this HTTP status a definitive refusal of the batch (drop it) rather than a "later" (keep, back off)? */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
