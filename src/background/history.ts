/**
 * Durable, bounded history of outcomes and observations in IndexedDB (typed `idb` schema, versioned upgrades).
 *
 * - The per-event path is `add()`: a push onto an in-memory buffer plus, at most once per batch, arming a
 *   debounce timer. IndexedDB is never touched per event.
 * - `flush()` writes the whole buffer in ONE readwrite transaction, when the buffer reaches `batchSize` or
 *   `flushDelayMs` after the first buffered event (and from an alarm as a fallback). Flushes are serialized
 *   through one promise chain.
 * - Events that arrive before the database is open stay in the buffer: nothing is dropped at start-up.
 * - Retention: by age (`maxAgeMs`) AND by count (`maxOutcomes` / `maxObservations`); pruned from an alarm and,
 *   when a flush pushes the count 10 % over the cap, in the same flush.
 *
 * The IndexedDB factory, key range class, clock and timer are injected, so tests run on fake-indexeddb
 * without globals being mocked. No browser extension API here.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Observation, RequestOutcome } from '../core/types';

export const DB_NAME = 'faultline';
export const DB_VERSION = 1;

/** Retention defaults (documented in the README). */
export const RETENTION = {
  maxAgeMs: 7 * 24 * 3600_000,
  maxOutcomes: 50_000,
  maxObservations: 5_000,
} as const;

export interface FaultlineDB extends DBSchema {
  outcomes: { key: number; value: RequestOutcome; indexes: { t: number } };
  observations: { key: number; value: Observation; indexes: { t: number } };
  meta: { key: string; value: unknown };
}

type UpgradeTx = IDBPTransaction<FaultlineDB, StoreNames<FaultlineDB>[], 'versionchange'>;

/**
 * Versioned upgrade: one `if (oldVersion < N)` block per version, in order, so a v2 adds a block that migrates
 * v1 data (through `tx`) without touching this one.
 */
export function upgradeDb(
  db: IDBPDatabase<FaultlineDB>,
  oldVersion: number,
  _newVersion: number | null,
  _tx: UpgradeTx,
): void {
  if (oldVersion < 1) {
    const outcomes = db.createObjectStore('outcomes', { autoIncrement: true });
    outcomes.createIndex('t', 't');
    const observations = db.createObjectStore('observations', { autoIncrement: true });
    observations.createIndex('t', 't');
    db.createObjectStore('meta');
  }
  // if (oldVersion < 2) { … migrate through _tx.objectStore('outcomes') … }
}

/** Open (and create/upgrade) the database with an injected factory. */
export function openHistoryDb(factory: IDBFactory, name = DB_NAME): Promise<IDBPDatabase<FaultlineDB>> {
  const request = factory.open(name, DB_VERSION);
  request.addEventListener('upgradeneeded', (ev) => {
    upgradeDb(
      wrap(request.result) as unknown as IDBPDatabase<FaultlineDB>,
      ev.oldVersion,
      ev.newVersion,
      wrap(request.transaction!) as unknown as UpgradeTx,
    );
  });
  return wrap(request) as unknown as Promise<IDBPDatabase<FaultlineDB>>;
}

export interface HistoryOptions {
  idbFactory: IDBFactory;
  keyRange: typeof IDBKeyRange;
  dbName?: string;
  now?: () => number;
  /** Debounce timer; returns a cancel function. Default: setTimeout (fine in an MV3 worker while events arrive). */
  schedule?: (fn: () => void, ms: number) => () => void;
  batchSize?: number;
  flushDelayMs?: number;
  maxAgeMs?: number;
  maxOutcomes?: number;
  maxObservations?: number;
  /** Called after each successful flush with what was written (the badge listens). */
  onFlushed?: (outcomes: readonly RequestOutcome[]) => void;
  onError?: (e: unknown) => void;
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

export class History {
  readonly ready: Promise<void>;
  private db: IDBPDatabase<FaultlineDB> | null = null;
  private buf: RequestOutcome[] = [];
  private obsBuf: Observation[] = [];
  private cancelTimer: (() => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Approximate stored count (exact after open and after each prune), to trigger an early prune. */
  private storedApprox = 0;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  readonly batchSize: number;
  readonly flushDelayMs: number;
  maxAgeMs: number;
  readonly maxOutcomes: number;
  readonly maxObservations: number;

  constructor(private readonly opts: HistoryOptions) {
    this.now = opts.now ?? Date.now;
    this.schedule = opts.schedule ?? defaultSchedule;
    this.batchSize = opts.batchSize ?? 200;
    this.flushDelayMs = opts.flushDelayMs ?? 250;
    this.maxAgeMs = opts.maxAgeMs ?? RETENTION.maxAgeMs;
    this.maxOutcomes = opts.maxOutcomes ?? RETENTION.maxOutcomes;
    this.maxObservations = opts.maxObservations ?? RETENTION.maxObservations;
    this.ready = openHistoryDb(opts.idbFactory, opts.dbName).then(async (db) => {
      this.db = db;
      this.storedApprox = await db.count('outcomes');
      // Anything buffered while opening goes out now.
      if (this.buf.length || this.obsBuf.length) this.arm(0);
    });
    // Never leave an unhandled rejection; callers await `ready` and see the error themselves.
    this.ready.catch((e) => this.opts.onError?.(e));
  }

  /** Retention by age from the user's settings (retentionDays); applied at the next prune. */
  setMaxAge(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.maxAgeMs = ms;
  }

  /** Per-event path: O(1), no IndexedDB. */
  add(o: RequestOutcome): void {
    this.buf.push(o);
    if (this.buf.length >= this.batchSize) this.arm(0);
    else if (this.cancelTimer === null) this.arm(this.flushDelayMs);
  }

  addObservation(o: Observation): void {
    this.obsBuf.push(o);
    if (this.cancelTimer === null) this.arm(this.flushDelayMs);
  }

  /** Events buffered and not yet written. */
  get pending(): number {
    return this.buf.length + this.obsBuf.length;
  }

  private arm(ms: number): void {
    if (this.cancelTimer) this.cancelTimer();
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = null;
      void this.flush().catch((e) => this.opts.onError?.(e));
    }, ms);
  }

  /** Write everything buffered in one transaction. Resolves to the number of records written. */
  flush(): Promise<number> {
    const run = this.chain.then(() => this.flushNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<number> {
    await this.ready;
    const db = this.db!;
    if (!this.buf.length && !this.obsBuf.length) return 0;
    const outcomes = this.buf;
    const observations = this.obsBuf;
    this.buf = [];
    this.obsBuf = [];
    const tx = db.transaction(['outcomes', 'observations'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined); // observed below; never an unhandled rejection after abort()
    try {
      const os = tx.objectStore('outcomes');
      const obs = tx.objectStore('observations');
      for (const o of outcomes) os.add(o).catch(() => undefined);
      for (const o of observations) obs.add(o).catch(() => undefined);
      await done;
    } catch (e) {
      // All or nothing: abort so a half-written batch is not written again on retry.
      try {
        tx.abort();
      } catch {
        /* already finished */
      }
      // Put them back (in order) so a transient failure does not lose events.
      this.buf = outcomes.concat(this.buf);
      this.obsBuf = observations.concat(this.obsBuf);
      throw e;
    }
    this.storedApprox += outcomes.length;
    if (this.storedApprox > this.maxOutcomes * 1.1) await this.pruneNow();
    this.opts.onFlushed?.(outcomes);
    return outcomes.length + observations.length;
  }

  /** Enforce retention by age and by count. Resolves to the number of records deleted. */
  prune(): Promise<number> {
    const run = this.chain.then(() => this.pruneNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(): Promise<number> {
    await this.ready;
    const db = this.db!;
    const cutoff = this.now() - this.maxAgeMs;
    const KR = this.opts.keyRange;
    let deleted = 0;
    const tx = db.transaction(['outcomes', 'observations', 'meta'], 'readwrite');
    for (const [name, max] of [
      ['outcomes', this.maxOutcomes],
      ['observations', this.maxObservations],
    ] as const) {
      const store = tx.objectStore(name);
      // By age, through the t index.
      let cursor = await store.index('t').openKeyCursor(KR.upperBound(cutoff, true));
      while (cursor) {
        await store.delete(cursor.primaryKey);
        deleted++;
        cursor = await cursor.continue();
      }
      // By count: oldest first (auto-increment keys are insertion order).
      const count = await store.count();
      if (count > max) {
        const keys = await store.getAllKeys(null, count - max);
        const last = keys[keys.length - 1];
        if (last !== undefined) {
          await store.delete(KR.upperBound(last));
          deleted += keys.length;
        }
      }
      if (name === 'outcomes') this.storedApprox = Math.min(count, max);
    }
    await tx.objectStore('meta').put(this.now(), 'lastPrune');
    await tx.done;
    return deleted;
  }

  /** Outcomes with t ≥ sinceMs, oldest first, including those not yet flushed. */
  async recent(sinceMs: number): Promise<RequestOutcome[]> {
    await this.ready;
    const stored = await this.db!.getAllFromIndex('outcomes', 't', this.opts.keyRange.lowerBound(sinceMs));
    for (const o of this.buf) if (o.t >= sinceMs) stored.push(o);
    return stored;
  }

  async recentObservations(sinceMs: number): Promise<Observation[]> {
    await this.ready;
    const stored = await this.db!.getAllFromIndex('observations', 't', this.opts.keyRange.lowerBound(sinceMs));
    for (const o of this.obsBuf) if (o.t >= sinceMs) stored.push(o);
    return stored;
  }

  /** Outcomes stored (as of the last open, flush or prune) plus buffered: no IndexedDB round-trip. */
  get approxCount(): number {
    return this.storedApprox + this.buf.length;
  }

  /** Number of outcomes stored plus buffered. */
  async count(): Promise<number> {
    await this.ready;
    return (await this.db!.count('outcomes')) + this.buf.length;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    await this.ready;
    return (await this.db!.get('meta', key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.ready;
    await this.db!.put('meta', value, key);
  }

  /** Delete all outcomes and observations (buffered ones too). */
  clear(): Promise<void> {
    this.buf = [];
    this.obsBuf = [];
    const run = this.chain.then(async () => {
      await this.ready;
      const tx = this.db!.transaction(['outcomes', 'observations'], 'readwrite');
      await Promise.all([tx.objectStore('outcomes').clear(), tx.objectStore('observations').clear(), tx.done]);
      this.storedApprox = 0;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.db?.close();
  }
}
