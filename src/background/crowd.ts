/**
 * Crowd mode in the worker: the effects around the one queue of src/core/crowd/queue.ts — HTTP to the collector
 * (with a timeout, no cookies, no referrer), persistence in storage.local, the send alarm, the cached status.
 * Nothing is queued or sent unless crowd mode is on with a collector address (settings or policy).
 *
 *   per failing outcome          note(o)            → queue.offer (synchronous; no verdict yet)
 *   after each diagnosis         afterDiagnosis(d)  → queue.stamp(verdict), schedule the alarm, refresh the status
 *   the alarm                    onAlarm()          → flush when due
 *   the options page             preview()          → the exact next request
 *
 * Every dependency is injected (browserCrowdDeps binds the real ones), so tests drive it with fakes in Node.
 */
import { collectorBase, oneLine, parseCounted, parseError, parseRetryAfter, parseStatus } from '../core/crowd/parse';
import { CROWD_STATE_KEY, CrowdQueue, FLUSH_AFTER_MS, isRefusal, type CrowdPreview } from '../core/crowd/queue';
import type { CrowdView } from '../core/crowd/summary';
import { crowdActive } from '../core/policy';
import type { Settings } from '../core/settings';
import type { CrowdService, ServiceCrowdStatus } from '../core/crowd/protocol';
import type { Diagnosis, RequestOutcome } from '../core/types';

export const CROWD_ALARM = 'faultline.crowd';
export const REQUEST_TIMEOUT_MS = 10_000;
export const STATUS_CACHE_MS = 60_000;
/** Browsers run alarms at most every 30 s for packed extensions; asking for less only adds warnings. */
export const MIN_ALARM_MS = 30_000;

/** What crowd mode needs of the (effective) settings. */
export interface CrowdSettings {
  enabled: boolean;
  collectorUrl: string;
  teamKey: string;
}

/** The effective settings (policy included) → crowd mode's view of them; null while not loaded. */
export function crowdSettings(s: Settings | null): CrowdSettings | null {
  return s ? { enabled: crowdActive(s), collectorUrl: s.collectorUrl, teamKey: s.teamKey } : null;
}

/** Test builds (TEST_BUILD): send within a second instead of half a minute, so real-browser tests wait for no clock. */
export const TEST_TIMING = { flushAfterMs: 300, minAlarmMs: 100, statusCacheMs: 300 } as const;

/** What the sender needs of a fetch Response (the global one fits). */
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type FetchLike = (url: string, init: RequestInit) => Promise<FetchResponseLike>;

export interface CrowdDeps {
  /** The effective settings, read on every call; null while they are not known yet (nothing sent or dropped). */
  settings: () => CrowdSettings | null;
  fetch: FetchLike;
  now: () => number;
  /** Async key-value storage (storage.local). Values must survive JSON. */
  kv: { get(key: string): Promise<unknown>; set(key: string, value: unknown): Promise<void> };
  /** Schedule the send alarm at `when` (ms since epoch), replacing an earlier one; read the scheduled time. */
  alarm: { get(): Promise<number | null>; set(when: number): Promise<void> };
  /** n random bytes (crypto.getRandomValues): the reporter token. */
  random: (n: number) => Uint8Array;
  version: string;
  log?: (line: string) => void;
  /** Test builds shorten these (src/background/index.ts); defaults are the product's. */
  timing?: { flushAfterMs?: number; minAlarmMs?: number; requestTimeoutMs?: number; statusCacheMs?: number };
}

export type FlushOutcome = 'sent' | 'off' | 'empty' | 'backoff' | 'retry-later';

export interface FlushResult {
  outcome: FlushOutcome;
  /** Reports the collector took (2xx), how many of them it counted, reports dropped (refused or stale). */
  sent: number;
  counted: number;
  dropped: number;
  /** Reports still queued. */
  queued: number;
}

type HttpResult =
  { kind: 'response'; status: number; text: string; retryAfter: string | null } | { kind: 'error'; error: string };

export class CrowdSender {
  private readonly q = new CrowdQueue();
  private readonly flushAfterMs: number;
  private readonly minAlarmMs: number;
  private readonly timeoutMs: number;
  private readonly statusCacheMs: number;
  /** Resolves when the stored queue has been read and merged (offers made before then are kept). */
  readonly ready: Promise<void>;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private flushing: Promise<FlushResult> | null = null;
  private statusCache: { base: string; at: number; all: ServiceCrowdStatus[] } | null = null;
  private statusInFlight: { base: string; p: Promise<ServiceCrowdStatus[] | null> } | null = null;
  private view: CrowdView = { enabled: false, services: [] };
  private last: CrowdPreview['last'] = null;

  constructor(private readonly d: CrowdDeps) {
    this.flushAfterMs = d.timing?.flushAfterMs ?? FLUSH_AFTER_MS;
    this.minAlarmMs = d.timing?.minAlarmMs ?? MIN_ALARM_MS;
    this.timeoutMs = d.timing?.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.statusCacheMs = d.timing?.statusCacheMs ?? STATUS_CACHE_MS;
    this.ready = (async () => {
      let stored: unknown;
      try {
        stored = await d.kv.get(CROWD_STATE_KEY);
      } catch (e) {
        this.log(`crowd: could not read stored state: ${e instanceof Error ? e.message : String(e)}`);
      }
      const before = this.q.size;
      this.q.restore(stored);
      if (before > 0) this.persist();
    })();
  }

  private log(line: string): void {
    this.d.log?.(line);
  }

  /** 'on' with the collector's base URL; 'off' when turned off; 'unknown' before the settings are known. */
  private mode(): { on: true; base: string; teamKey: string } | { on: false; known: boolean } {
    let s: CrowdSettings | null;
    try {
      s = this.d.settings();
    } catch {
      s = null;
    }
    if (!s) return { on: false, known: false };
    const base = s.enabled ? collectorBase(s.collectorUrl) : null;
    return base ? { on: true, base, teamKey: s.teamKey } : { on: false, known: true };
  }

  /** Not on: forget the queue when crowd mode was turned off. Returns the mode when sending is allowed. */
  private gate(): { base: string; teamKey: string } | null {
    const m = this.mode();
    if (m.on) return m;
    if (m.known && !this.q.blank) {
      this.q.clear();
      this.statusCache = null;
      this.persist();
    }
    if (m.known) this.view = { enabled: false, services: [] };
    return null;
  }

  /** Per-event path: O(1), synchronous, never throws. */
  note(o: RequestOutcome): void {
    try {
      if (!this.gate()) return;
      if (this.q.offer(o, this.d.version, this.d.now())) this.persist();
    } catch (e) {
      this.log(`crowd: offer failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** After each recomputed verdict: stamp it on what failed since, schedule a send, refresh the crowd's status. */
  afterDiagnosis(d: Diagnosis): void {
    if (!this.gate()) return;
    if (this.q.stamp(d.verdict) > 0) this.persist();
    void this.schedule();
    if (d.verdict !== 'healthy') void this.refreshStatus(d);
  }

  /** The alarm fired: send when due, then schedule the next one. */
  async onAlarm(): Promise<void> {
    await this.ready;
    const ms = this.q.nextFlushDelay(this.d.now(), this.flushAfterMs);
    if (ms !== null && ms <= 0) await this.flush();
    await this.schedule();
  }

  popupView(): CrowdView {
    return this.mode().on ? this.view : { enabled: false, services: [] };
  }

  /** ms until a send is due (null: nothing to send). */
  nextFlushDelay(): number | null {
    return this.mode().on ? this.q.nextFlushDelay(this.d.now(), this.flushAfterMs) : null;
  }

  /** Everything queued (tests, diagnostics). */
  queued() {
    return this.q.entries();
  }

  get retryAt(): number {
    return this.q.backoffUntil;
  }

  private async schedule(): Promise<void> {
    const ms = this.nextFlushDelay();
    if (ms === null) return;
    const when = this.d.now() + Math.max(ms, this.minAlarmMs);
    try {
      const at = await this.d.alarm.get();
      // None, one that is firing now or already fired, or one later than needed: (re)schedule.
      if (at === null || at <= this.d.now() || at > when + 1000) await this.d.alarm.set(when);
    } catch (e) {
      this.log(`crowd: could not schedule: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Send what is sendable, in batches. 2xx → dropped from the queue; a refusal (4xx but 408/429) → dropped with
   * one log line; anything else → kept, back-off (Retry-After when given). Concurrent calls share one run.
   */
  flush(): Promise<FlushResult> {
    if (this.flushing) return this.flushing;
    this.flushing = this.doFlush().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private result(outcome: FlushOutcome, sent = 0, counted = 0, dropped = 0): FlushResult {
    return { outcome, sent, counted, dropped, queued: this.q.size };
  }

  private async doFlush(): Promise<FlushResult> {
    await this.ready;
    if (!this.gate()) {
      await this.settled();
      return this.result('off');
    }
    let now = this.d.now();
    if (this.q.backoffUntil > now) return this.result('backoff');
    let dropped = this.q.dropStale(now);
    if (dropped > 0) this.persist();
    let sent = 0;
    let counted = 0;
    let outcome: FlushOutcome = 'empty';
    for (;;) {
      const on = this.gate();
      if (!on) {
        outcome = 'off';
        break;
      }
      now = this.d.now();
      const token = this.q.tokenFor(now, this.d.random);
      const next = this.q.nextBatch(token.token);
      if (!next) break;
      if (token.fresh) this.persist();
      const res = await this.request(`${on.base}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth(on.teamKey) },
        body: next.body,
      });
      now = this.d.now();
      if (res.kind === 'response' && res.status >= 200 && res.status < 300) {
        this.q.settle(next.n, true);
        sent += next.n;
        counted += parseCounted(res.text) ?? 0;
        outcome = 'sent';
        this.last = { at: now, ok: true, message: `${res.status}` };
        this.persist();
        continue;
      }
      if (res.kind === 'response' && isRefusal(res.status)) {
        this.q.settle(next.n, false);
        dropped += next.n;
        const why = oneLine(parseError(res.text) ?? res.text);
        this.last = { at: now, ok: false, message: `${res.status} ${why}`.trim() };
        this.log(`crowd: collector refused a batch of ${next.n} (${res.status}): ${why}`);
        outcome = 'sent';
        this.persist();
        continue;
      }
      const retryAfter = res.kind === 'response' ? parseRetryAfter(res.retryAfter, now) : null;
      this.q.failed(now, retryAfter);
      this.last = { at: now, ok: false, message: res.kind === 'response' ? `${res.status}` : res.error };
      this.persist();
      outcome = 'retry-later';
      break;
    }
    await this.settled();
    return this.result(outcome, sent, counted, dropped);
  }

  /** One request with a timeout, no cookies, no referrer, no redirects. Never throws. */
  private async request(url: string, init: RequestInit): Promise<HttpResult> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      const res = await this.d.fetch(url, {
        ...init,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        redirect: 'error',
        mode: 'cors',
        cache: 'no-store',
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
   * The collector's status for `services` (non-crowd ids such as `site` ignored), or null when crowd mode is off,
   * the collector cannot be reached or answers something malformed. Cached per collector; concurrent calls share
   * one request. Never throws.
   */
  async fetchStatus(services: readonly string[]): Promise<ServiceCrowdStatus[] | null> {
    const on = this.gate();
    if (!on) return null;
    const now = this.d.now();
    const want = (all: ServiceCrowdStatus[]) => all.filter((s) => services.includes(s.service));
    const c = this.statusCache;
    if (c && c.base === on.base && now >= c.at && now - c.at < this.statusCacheMs) return want(c.all);
    if (!this.statusInFlight || this.statusInFlight.base !== on.base) {
      const p = (async () => {
        const res = await this.request(`${on.base}/v1/status`, {
          method: 'GET',
          headers: { accept: 'application/json', ...auth(on.teamKey) },
        });
        if (res.kind !== 'response' || res.status !== 200) return null;
        const all = parseStatus(res.text);
        if (all) this.statusCache = { base: on.base, at: this.d.now(), all };
        return all;
      })().finally(() => {
        this.statusInFlight = null;
      });
      this.statusInFlight = { base: on.base, p };
    }
    const all = await this.statusInFlight.p;
    return all ? want(all) : null;
  }

  private async refreshStatus(d: Diagnosis): Promise<void> {
    const ids = d.services.filter((s) => s.id !== 'site');
    if (ids.length === 0) return;
    const failing = ids.filter((s) => s.state !== 'ok').map((s) => s.id as CrowdService);
    const status = await this.fetchStatus(failing.length ? failing : ids.map((s) => s.id as CrowdService));
    if (status) this.view = { enabled: true, services: status };
  }

  /** The next request exactly as flush() would send it now (the token is the one it would carry). */
  async preview(): Promise<CrowdPreview> {
    await this.ready;
    const on = this.gate();
    const base = { reports: 0, queued: this.q.ready, pending: this.q.pending, last: this.last };
    if (!on) return { ...base, state: 'off', url: null, body: null, bytes: 0, teamKey: false };
    const url = `${on.base}/v1/reports`;
    const teamKey = on.teamKey !== '';
    const now = this.d.now();
    if (this.q.dropStale(now) > 0) this.persist();
    const token = this.q.tokenFor(now, this.d.random);
    if (token.fresh) this.persist();
    const next = this.q.nextBatch(token.token);
    if (!next) return { ...base, queued: this.q.ready, state: 'empty', url, body: null, bytes: 0, teamKey };
    const bytes = new TextEncoder().encode(next.body).length;
    return { ...base, queued: this.q.ready, state: 'batch', url, body: next.body, bytes, reports: next.n, teamKey };
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
          await this.d.kv.set(CROWD_STATE_KEY, this.q.snapshot());
        } catch (e) {
          this.log(`crowd: could not store state: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.writing = null;
    })();
  }

  /** Resolves when every state change so far is in storage. */
  async settled(): Promise<void> {
    await this.ready;
    while (this.writing) await this.writing;
  }
}

function auth(teamKey: string): Record<string, string> {
  return teamKey ? { authorization: `Bearer ${teamKey}` } : {};
}

/** The extension's own bindings for CrowdDeps (storage.local, alarms, fetch, crypto). */
export interface BrowserLike {
  storage: {
    local: { get(k: string): Promise<Record<string, unknown>>; set(v: Record<string, unknown>): Promise<void> };
  };
  alarms: {
    get(name: string): Promise<{ scheduledTime: number } | undefined>;
    create(name: string, info: { when: number }): Promise<void> | void;
  };
  runtime: { getManifest(): { version: string } };
}

export function browserCrowdDeps(b: BrowserLike): Omit<CrowdDeps, 'settings' | 'timing'> {
  return {
    fetch: (url, init) => fetch(url, init),
    now: Date.now,
    kv: {
      get: async (k) => (await b.storage.local.get(k))[k],
      set: (k, v) => b.storage.local.set({ [k]: v }),
    },
    alarm: {
      get: async () => (await b.alarms.get(CROWD_ALARM))?.scheduledTime ?? null,
      set: async (when) => {
        await b.alarms.create(CROWD_ALARM, { when });
      },
    },
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    version: b.runtime.getManifest().version,
    log: (line) => console.warn(`[faultline] ${line}`),
  };
}
