/* eslint-disable no-restricted-globals -- its HTTP and timers move to src/background/crowd.ts with the crowd issue; until then, the one exception. */
/**
 * Crowd mode, the extension's side (docs/crowd-protocol.md): queue origin-level failure reports, send them in
 * batches to the collector, read the collector's per-service status back.
 *
 * Pure and injected: the network (`fetch`), the clock (`now`), persistence (a tiny async KV that the background
 * backs with browser.storage.local) and randomness (`random(n)` → n random bytes) all come in through
 * CrowdClientDeps, so this file runs the same in the service worker, in Node and in tests.
 *
 * Rules:
 * - Nothing leaves the machine unless `settings().crowdEnabled` is true, checked on every call. When it is
 *   false the queue, the dedupe memory and the reporter token are dropped.
 * - `offer()` is synchronous and amortised O(1): it never waits for storage or the network.
 * - At most one report per service + phase + failure type + minute (local dedupe, on top of the collector's).
 * - The queue is bounded (MAX_QUEUE, oldest dropped); reports older than MAX_REPORT_AGE_MS are never sent (the
 *   collector would accept but not count them).
 * - The reporter token is 128 random bits from `random`, replaced every UTC day (protocol.ts
 *   currentReporterToken); it is stamped onto reports only when a batch is sent, so the stored queue holds none.
 * - Queue, dedupe memory, back-off and token (with its day) are persisted under CROWD_STATE_KEY, so a restarted
 *   worker loses nothing.
 *
 * Background wiring (the lead's; sketch):
 *
 *   const crowd = new CrowdClient({
 *     settings: () => currentSettings,                       // sync snapshot, kept fresh by onSettingsChanged
 *     fetch: (url, init) => fetch(url, init),
 *     now: Date.now,
 *     kv: { get: async (k) => (await browser.storage.local.get(k))[k], set: (k, v) => browser.storage.local.set({ [k]: v }) },
 *     random: (n) => crypto.getRandomValues(new Uint8Array(n)),
 *     version: browser.runtime.getManifest().version,
 *   });
 *   // per outcome, after the engine's verdict:        crowd.offer(outcome, diagnosis.verdict);
 *   // on the existing 1-minute tick alarm:            const ms = crowd.nextFlushDelay(Date.now());
 *   //                                                  if (ms !== null && ms <= 0) await crowd.flush();
 *   // or a dedicated alarm: browser.alarms.create('crowd', { delayInMinutes: Math.max(0.5, ms / 60_000) })
 *   // popup state: crowd: settings.crowdEnabled ? toPopupCrowd(await crowd.fetchStatus(ids)) : { enabled: false, services: [] }
 */
import type { RequestOutcome, ServiceId, Verdict } from '../types';
import {
  CROWD_SERVICES,
  MAX_BATCH_REPORTS,
  MAX_BODY_BYTES,
  MINUTE_MS,
  PROTOCOL_VERSION,
  currentReporterToken,
  makeReport,
  validateBatch,
  type CrowdBatch,
  type CrowdReport,
  type CrowdService,
  type CrowdState,
  type ReporterTokenState,
} from './protocol';

/** A queued report: everything but the token, which is stamped on when the batch is sent. */
export type QueuedReport = Omit<CrowdReport, 'token'>;

/** The few settings the client reads, on every call. */
export interface CrowdSettings {
  crowdEnabled: boolean;
  /** Collector base URL; a trailing `/v1/reports` or `/v1/status` is tolerated (collectorBase). */
  collectorUrl: string;
}

/** Async key-value storage (browser.storage.local in the extension). Values must survive JSON. */
export interface CrowdKV {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** What the client needs of a fetch Response (the global one fits). */
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type FetchLike = (url: string, init: RequestInit) => Promise<FetchResponseLike>;

export interface CrowdClientDeps {
  /**
   * The current settings, read on every call; null while they are not known yet (then nothing is sent or queued,
   * and nothing stored is dropped). Return the real settings, not defaults, or a stored queue is dropped.
   */
  settings: () => CrowdSettings | null;
  fetch: FetchLike;
  /** ms since epoch. */
  now: () => number;
  kv: CrowdKV;
  /** n random bytes (crypto.getRandomValues). The only source of the reporter token. */
  random: (n: number) => Uint8Array;
  /** Extension version, e.g. `0.1.0`. */
  version: string;
  /** One line per notable event (dropped batch, storage error). Default: nothing. */
  log?: (line: string) => void;
  /** Per-request timeout, ms. Default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Queue bound. Default MAX_QUEUE. */
  maxQueue?: number;
}

export const CROWD_STATE_KEY = 'crowdClient';
export const MAX_QUEUE = 500;
/** Wait this long after the oldest queued report before sending, so one request carries many reports. */
export const FLUSH_AFTER_MS = 30_000;
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_MAX_MS = 30 * MINUTE_MS;
/** Longest Retry-After honoured. */
export const RETRY_AFTER_MAX_MS = 60 * MINUTE_MS;
/** Reports older than this are dropped unsent (same as the collector's STALE_AFTER_MS: it would not count them). */
export const MAX_REPORT_AGE_MS = 15 * MINUTE_MS;
export const REQUEST_TIMEOUT_MS = 10_000;
export const STATUS_CACHE_MS = 60_000;
/** Largest status body read. */
export const MAX_STATUS_BYTES = 256 * 1024;

/** Per-service crowd status as the extension uses it. */
export interface CrowdServiceStatus {
  id: CrowdService;
  /** Counted reports in the last 5 / 15 / 60 minutes. */
  last5: number;
  last15: number;
  last60: number;
  /** Expected counted reports per 15 minutes at this hour of day. */
  baseline: number;
  state: CrowdState;
}

export type FlushOutcome = 'sent' | 'off' | 'empty' | 'backoff' | 'retry-later' | 'busy';

export interface FlushResult {
  outcome: FlushOutcome;
  /** Reports the collector acknowledged (202). */
  sent: number;
  /** Of those, how many it counted. */
  counted: number;
  /** Reports dropped: rejected batches (400 and other 4xx) and stale reports. */
  dropped: number;
  /** Reports still queued. */
  queued: number;
}

interface Persisted {
  v: 1;
  queue: { r: QueuedReport; at: number }[];
  /** Dedupe keys with their minute bucket. */
  seen: [string, number][];
  backoffUntil: number;
  failures: number;
  token: ReporterTokenState | null;
}

const CROWD_STATES: readonly CrowdState[] = ['normal', 'elevated', 'outage'];

/**
 * The collector's base URL from the setting: query and fragment dropped, a trailing `/v1/reports` or `/v1/status`
 * (the setting's default names the reports endpoint) and trailing slashes removed. Null when not http(s).
 */
export function collectorBase(url: string): string | null {
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

const dedupeKey = (r: QueuedReport) => `${r.service}|${r.phase}|${r.type}|${r.minute}`;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

function reportBytes(r: CrowdReport): number {
  // JSON of this shape is ASCII (validated enums, hex token, region/version patterns), so length = bytes.
  return JSON.stringify(r).length;
}

/** A stored value → valid Persisted (anything broken becomes empty state). Never throws. */
function readPersisted(x: unknown): Persisted {
  const empty: Persisted = { v: 1, queue: [], seen: [], backoffUntil: 0, failures: 0, token: null };
  if (!isObj(x) || x.v !== 1) return empty;
  const queue: Persisted['queue'] = [];
  if (Array.isArray(x.queue)) {
    for (const e of x.queue) {
      if (!isObj(e) || !isObj(e.r) || typeof e.at !== 'number') continue;
      const r = e.r as Record<string, unknown>;
      if ('token' in r || !validateOne(r)) continue;
      queue.push({ r: r as unknown as QueuedReport, at: e.at });
    }
  }
  const seen: [string, number][] = [];
  if (Array.isArray(x.seen)) {
    for (const e of x.seen)
      if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') seen.push([e[0], e[1]]);
  }
  let token: ReporterTokenState | null = null;
  if (isObj(x.token) && typeof x.token.token === 'string' && typeof x.token.day === 'number')
    token = { token: x.token.token, day: x.token.day };
  return {
    v: 1,
    queue,
    seen,
    backoffUntil: isCount(x.backoffUntil) ? x.backoffUntil : 0,
    failures: isCount(x.failures) ? Math.min(Math.floor(x.failures), 30) : 0,
    token,
  };
}

/** A stored queued report is re-checked with the protocol's own schema (with a dummy token). */
function validateOne(r: Record<string, unknown>): boolean {
  return validateBatch({ v: PROTOCOL_VERSION, reports: [{ ...r, token: '0'.repeat(32) }] }).ok;
}

export class CrowdClient {
  private readonly d: CrowdClientDeps;
  private readonly fetchFn: FetchLike;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;

  /** Queue as an array with a head index: drop-oldest and shift are O(1) amortised. */
  private items: { r: QueuedReport; at: number }[] = [];
  private head = 0;
  private seen = new Map<string, number>();
  private seenPrunedAt = -1;
  private backoffUntil = 0;
  private failures = 0;
  private token: ReporterTokenState | null = null;

  /** Resolves when the stored state has been read and merged (offers made before then are kept). */
  readonly ready: Promise<void>;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private flushing: Promise<FlushResult> | null = null;
  private statusCache: { base: string; at: number; all: CrowdServiceStatus[] } | null = null;
  private statusInFlight: { base: string; p: Promise<CrowdServiceStatus[] | null> } | null = null;

  constructor(deps: CrowdClientDeps) {
    this.d = deps;
    this.fetchFn = deps.fetch;
    this.maxQueue = Math.max(1, deps.maxQueue ?? MAX_QUEUE);
    this.timeoutMs = deps.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.log = deps.log ?? (() => {});
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    let stored: Persisted;
    try {
      stored = readPersisted(await this.d.kv.get(CROWD_STATE_KEY));
    } catch (e) {
      this.log(`crowd: could not read stored state: ${e instanceof Error ? e.message : String(e)}`);
      stored = readPersisted(undefined);
    }
    // Offers made before the stored state arrived come after the stored (older) ones.
    const early = this.items.slice(this.head);
    const earlySeen = this.seen;
    this.items = [];
    this.head = 0;
    this.seen = new Map(stored.seen);
    for (const e of stored.queue) this.seen.set(dedupeKey(e.r), e.r.minute);
    this.items = stored.queue.slice();
    for (const e of early) {
      const k = dedupeKey(e.r);
      if (this.seen.has(k)) continue;
      this.items.push(e);
    }
    for (const [k, m] of earlySeen) if (!this.seen.has(k)) this.seen.set(k, m);
    if (this.items.length > this.maxQueue) this.items = this.items.slice(this.items.length - this.maxQueue);
    this.backoffUntil = stored.backoffUntil;
    this.failures = stored.failures;
    this.token = stored.token;
    if (early.length > 0 || earlySeen.size > 0) this.persist();
  }

  /** 'on': crowd mode on with a usable collector URL; 'off': the user turned it off; 'unknown': no settings yet. */
  private mode(): 'on' | 'off' | 'unknown' {
    let s: CrowdSettings | null;
    try {
      s = this.d.settings();
    } catch {
      return 'unknown';
    }
    if (!s) return 'unknown';
    return s.crowdEnabled === true && this.base(s.collectorUrl) !== null ? 'on' : 'off';
  }

  private baseMemo: { url: string; base: string | null } | null = null;
  /** collectorBase, memoised (offer() reads the settings on every call). */
  private base(url: string): string | null {
    if (this.baseMemo?.url !== url) this.baseMemo = { url, base: collectorBase(url) };
    return this.baseMemo.base;
  }

  /** Crowd mode is on (with a usable collector URL). Read from settings on every call. */
  enabled(): boolean {
    return this.mode() === 'on';
  }

  /** Not enabled: drop the queue when the user turned crowd mode off. Returns true when sending is allowed. */
  private gate(): boolean {
    const m = this.mode();
    if (m === 'off') this.disable();
    return m === 'on';
  }

  /** Reports waiting to be sent. */
  get queued(): number {
    return this.items.length - this.head;
  }

  /** A copy of the queue (tests, diagnostics). */
  queue(): QueuedReport[] {
    return this.items.slice(this.head).map((e) => e.r);
  }

  /** Back-off: no request before this time (ms since epoch; 0 = none). */
  get retryAt(): number {
    return this.backoffUntil;
  }

  /**
   * Consider one outcome with its verdict. Synchronous, never throws, never waits: builds the report
   * (protocol.ts makeReport; null for what is never reported, for HAR imports and for old outcomes), dedupes it
   * per service + phase + type + minute, queues it. Returns the queued report, or null.
   */
  offer(outcome: RequestOutcome, verdict: Verdict): QueuedReport | null {
    try {
      if (!this.gate()) return null;
      if (outcome.source === 'har') return null; // an imported recording is not a live observation
      const now = this.d.now();
      if (outcome.t < now - MAX_REPORT_AGE_MS) return null;
      const full = makeReport(outcome, verdict, this.d.version, '', now);
      if (!full) return null;
      const { token: _omit, ...r } = full;
      const k = dedupeKey(r);
      if (this.seen.has(k)) return null;
      this.pruneSeen(now);
      this.seen.set(k, r.minute);
      this.items.push({ r, at: now });
      if (this.items.length - this.head > this.maxQueue) this.head++;
      if (this.head > 64 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.persist();
      return r;
    } catch (e) {
      this.log(`crowd: offer failed: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  /** Forget dedupe keys of minutes that can no longer be reported (at most once a minute: amortised O(1)). */
  private pruneSeen(now: number): void {
    const minute = Math.floor(now / MINUTE_MS);
    if (minute === this.seenPrunedAt) return;
    this.seenPrunedAt = minute;
    const oldest = now - MAX_REPORT_AGE_MS - MINUTE_MS;
    for (const [k, m] of this.seen) if (m < oldest) this.seen.delete(k);
  }

  /** Crowd mode off: drop everything that could be sent, and the token. */
  private disable(): void {
    if (this.items.length === 0 && this.seen.size === 0 && this.token === null && this.backoffUntil === 0) return;
    this.items = [];
    this.head = 0;
    this.seen.clear();
    this.token = null;
    this.backoffUntil = 0;
    this.failures = 0;
    this.statusCache = null;
    this.persist();
  }

  private snapshot(): Persisted {
    return {
      v: 1,
      queue: this.items.slice(this.head),
      seen: [...this.seen],
      backoffUntil: this.backoffUntil,
      failures: this.failures,
      token: this.token,
    };
  }

  /** Write the state soon (coalesced: one write per burst; never before the stored state was read). */
  private persist(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      await this.ready.catch(() => {});
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.d.kv.set(CROWD_STATE_KEY, this.snapshot());
        } catch (e) {
          this.log(`crowd: could not store state: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.writing = null;
    })();
  }

  /** Resolves when every state change so far is in the KV. */
  async settled(): Promise<void> {
    await this.ready;
    while (this.writing) await this.writing;
  }

  /**
   * ms until flush() should run: null when there is nothing to do (off, or empty queue), 0 when due now.
   * Honours the back-off. Browser alarms fire at most every 30 s; clamp with Math.max(0.5, ms / 60_000) minutes.
   */
  nextFlushDelay(now: number = this.d.now()): number | null {
    if (!this.enabled() || this.queued === 0) return null;
    if (this.backoffUntil > now) return this.backoffUntil - now;
    if (this.queued >= MAX_BATCH_REPORTS) return 0;
    const oldest = this.items[this.head]!.at;
    return Math.max(0, oldest + FLUSH_AFTER_MS - now);
  }

  /**
   * Send the queue in batches of at most MAX_BATCH_REPORTS (and MAX_BODY_BYTES). 202 → dropped from the queue;
   * 400 (and other 4xx but 429) → dropped with one log line; 429 → kept, retry after Retry-After; network error,
   * timeout, 5xx → kept, exponential back-off (BACKOFF_BASE_MS doubling, at most BACKOFF_MAX_MS). Does nothing
   * while backing off. Concurrent calls share one run.
   */
  flush(): Promise<FlushResult> {
    if (this.flushing) return this.flushing;
    this.flushing = this.doFlush().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private result(outcome: FlushOutcome, sent = 0, counted = 0, dropped = 0): FlushResult {
    return { outcome, sent, counted, dropped, queued: this.queued };
  }

  private async doFlush(): Promise<FlushResult> {
    await this.ready;
    if (!this.gate()) {
      await this.settled();
      return this.result('off');
    }
    let now = this.d.now();
    if (this.backoffUntil > now) return this.result('backoff');
    let dropped = this.dropStale(now);
    if (this.queued === 0) {
      if (dropped > 0) this.persist();
      await this.settled();
      return this.result('empty', 0, 0, dropped);
    }
    let sent = 0;
    let counted = 0;
    let outcome: FlushOutcome = 'sent';
    while (this.queued > 0) {
      if (!this.gate()) {
        outcome = 'off';
        break;
      }
      now = this.d.now();
      const base = this.base(this.d.settings()!.collectorUrl)!;
      const tok = currentReporterToken(this.token, now, this.d.random);
      if (tok !== this.token) {
        this.token = tok;
        this.persist();
      }
      const batch = this.nextBatch(tok.token);
      const body = JSON.stringify(batch.batch);
      const res = await this.request(`${base}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      now = this.d.now();
      if (res.kind === 'response' && res.status >= 200 && res.status < 300) {
        this.items.splice(this.head, batch.n);
        this.failures = 0;
        this.backoffUntil = 0;
        sent += batch.n;
        const c = parseCounted(res.text);
        counted += c ?? 0;
        this.persist();
        continue;
      }
      if (
        res.kind === 'response' &&
        res.status >= 400 &&
        res.status < 500 &&
        res.status !== 429 &&
        res.status !== 408
      ) {
        this.items.splice(this.head, batch.n);
        dropped += batch.n;
        this.log(
          `crowd: collector rejected a batch of ${batch.n} (${res.status}): ${oneLine(parseError(res.text) ?? res.text)}`,
        );
        this.persist();
        continue;
      }
      // Keep the batch and back off.
      this.failures = Math.min(this.failures + 1, 30);
      const exp = Math.min(BACKOFF_BASE_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS);
      const retryAfter = res.kind === 'response' ? parseRetryAfter(res.retryAfter, now) : null;
      this.backoffUntil = now + (retryAfter !== null ? Math.max(retryAfter, 1000) : exp);
      this.persist();
      outcome = 'retry-later';
      break;
    }
    await this.settled();
    return this.result(outcome, sent, counted, dropped);
  }

  /** Drop reports too old to be counted. Returns how many. */
  private dropStale(now: number): number {
    const before = this.queued;
    const keep = this.items.slice(this.head).filter((e) => e.r.minute >= now - MAX_REPORT_AGE_MS);
    this.items = keep;
    this.head = 0;
    return before - keep.length;
  }

  /** The next batch from the head of the queue: ≤ MAX_BATCH_REPORTS reports and ≤ MAX_BODY_BYTES of JSON. */
  private nextBatch(token: string): { batch: CrowdBatch; n: number } {
    const reports: CrowdReport[] = [];
    let bytes = `{"v":${PROTOCOL_VERSION},"reports":[]}`.length;
    for (let i = this.head; i < this.items.length && reports.length < MAX_BATCH_REPORTS; i++) {
      const r: CrowdReport = { ...this.items[i]!.r, token };
      const b = reportBytes(r) + (reports.length > 0 ? 1 : 0);
      if (reports.length > 0 && bytes + b > MAX_BODY_BYTES) break;
      bytes += b;
      reports.push(r);
    }
    return { batch: { v: PROTOCOL_VERSION, reports }, n: reports.length };
  }

  /** One request with a timeout, no cookies, no referrer, no redirects. Never throws. */
  private async request(
    url: string,
    init: RequestInit,
  ): Promise<
    { kind: 'response'; status: number; text: string; retryAfter: string | null } | { kind: 'error'; error: string }
  > {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      const f = this.fetchFn;
      const res = await f(url, {
        ...init,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        redirect: 'error',
        mode: 'cors',
        signal: ac.signal,
      });
      const text = await Promise.race([
        res.text(),
        new Promise<string>((_r, reject) =>
          ac.signal.addEventListener('abort', () => reject(new Error('timeout')), { once: true }),
        ),
      ]);
      return { kind: 'response', status: res.status, text, retryAfter: res.headers.get('retry-after') };
    } catch (e) {
      return { kind: 'error', error: ac.signal.aborted ? 'timeout' : e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The collector's status for `services` (non-crowd ids such as `site` are ignored), or null when crowd mode is
   * off, the collector cannot be reached or it answers something malformed. Cached STATUS_CACHE_MS per collector;
   * concurrent calls share one request. Never throws.
   */
  async fetchStatus(services: readonly ServiceId[]): Promise<CrowdServiceStatus[] | null> {
    if (!this.gate()) {
      this.statusCache = null;
      return null;
    }
    const base = this.base(this.d.settings()!.collectorUrl)!;
    const now = this.d.now();
    const want = (all: CrowdServiceStatus[]) => all.filter((s) => (services as readonly string[]).includes(s.id));
    const c = this.statusCache;
    if (c && c.base === base && now >= c.at && now - c.at < STATUS_CACHE_MS) return want(c.all);
    if (!this.statusInFlight || this.statusInFlight.base !== base) {
      const p = (async () => {
        const res = await this.request(`${base}/v1/status`, { method: 'GET', headers: { accept: 'application/json' } });
        if (res.kind !== 'response' || res.status !== 200) return null;
        if (res.text.length > MAX_STATUS_BYTES) return null;
        const all = parseStatus(res.text);
        if (all) this.statusCache = { base, at: this.d.now(), all };
        return all;
      })().finally(() => {
        this.statusInFlight = null;
      });
      this.statusInFlight = { base, p };
    }
    const all = await this.statusInFlight.p;
    return all ? want(all) : null;
  }
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseCounted(text: string): number | null {
  const j = parseJson(text);
  return isObj(j) && isCount(j.counted) ? j.counted : null;
}

function parseError(text: string): string | null {
  const j = parseJson(text);
  return isObj(j) && typeof j.error === 'string' ? j.error : null;
}

/**
 * GET /v1/status body → per-service status, validated field by field: null when the body is not JSON or not a
 * status response at all; entries that are malformed or name an unknown service are skipped.
 */
export function parseStatus(text: string): CrowdServiceStatus[] | null {
  const j = parseJson(text);
  if (!isObj(j) || j.v !== PROTOCOL_VERSION || !Array.isArray(j.services)) return null;
  const out: CrowdServiceStatus[] = [];
  const seen = new Set<string>();
  for (const s of j.services) {
    if (!isObj(s) || !isObj(s.reports)) continue;
    const id = s.service;
    if (typeof id !== 'string' || !(CROWD_SERVICES as readonly string[]).includes(id) || seen.has(id)) continue;
    const { m5, m15, m60 } = s.reports;
    if (!isCount(m5) || !isCount(m15) || !isCount(m60) || !isCount(s.baseline15)) continue;
    if (typeof s.state !== 'string' || !(CROWD_STATES as readonly string[]).includes(s.state)) continue;
    seen.add(id);
    out.push({
      id: id as CrowdService,
      last5: m5,
      last15: m15,
      last60: m60,
      baseline: s.baseline15,
      state: s.state as CrowdState,
    });
  }
  return out;
}
