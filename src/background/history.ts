/**
 * Durable, bounded history of outcomes and observations in IndexedDB (typed `idb` schema, versioned upgrades).
 *
 * - The per-event path is `add()`: a push onto an in-memory buffer plus, at most once per batch, arming a
 *   debounce timer. IndexedDB is never touched per event.
 * - `flush()` writes the whole buffer in ONE readwrite transaction, when the buffer reaches `batchSize` or
 *   `flushDelayMs` after the first buffered event (and from an alarm as a fallback). Flushes are serialized
 *   through one promise chain.
 * - Bounds that hold at every write: the count caps (`maxOutcomes`, `maxObservations`) are enforced inside the
 *   flush that would break them (oldest deleted in the same transaction, before the new records are added), and
 *   the write buffer is bounded too (`maxBuffered…`): while storage keeps failing the oldest buffered events are
 *   dropped and counted (`health.dropped`, shown in the popup footer and the export).
 * - Retention by age (`maxAgeMs`) is pruned from an alarm.
 * - Records are keyed by time, `[t, n]` (n: a per-worker sequence), and the stores have NO index: a range of keys
 *   is a range of time, so reading a window, pruning by age and trimming the oldest are all key-range operations.
 *   An index would cost more than a lookup: Chromium does not delete the index entries of a deleted record (its
 *   "tombstones" wait for a sweep that runs at most once in a long while), so a history that deletes as fast as it
 *   writes grew on disk for ever — measured: 50,000 records kept, 600,000 written, 25 MB and rising with the
 *   index, 5–7 MB and level without it (bench/soak.ts measures the shipped build).
 * - Faults: a failed write is retried with back-off; QuotaExceededError deletes the oldest tenth of what is
 *   stored and lowers the caps to what fits; an IndexedDB that cannot be opened (private mode, a damaged
 *   profile, a newer schema after a downgrade, an open that never answers) leaves the history working from
 *   memory (`health.storage === 'memory'`), bounded by the same caps.
 * - Only the fields listed in STORED_OUTCOME_FIELDS / STORED_OBSERVATION_FIELDS are written (the README's
 *   privacy list, held to them by test/unit/privacy-list.test.ts); schema v2 strips the others from v1 data.
 * - Events that arrive before the database is open stay in the buffer: nothing is dropped at start-up.
 *
 * The IndexedDB factory, key range class, clock and timer are injected, so tests run on fake-indexeddb
 * without globals being mocked. No browser extension API here.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Observation, RequestOutcome } from '../core/types';

export const DB_NAME = 'faultline';
/**
 * v1: outcomes, observations (auto-increment keys, t index), meta. v2: records hold only the stored fields (unread
 * ones stripped). v3: outcomes and observations keyed by `[t, n]`, no index.
 */
export const DB_VERSION = 3;

/** The key of a stored outcome or observation: its time, then a sequence number that keeps keys unique. */
export type HistoryKey = [t: number, n: number];

/** Retention defaults (documented in the README). */
export const RETENTION = {
  maxAgeMs: 7 * 24 * 3600_000,
  maxOutcomes: 50_000,
  maxObservations: 5_000,
} as const;

/** Bounds of the write buffer (what waits in memory while IndexedDB is slow or failing). */
export const BUFFER_LIMITS = { maxOutcomes: 10_000, maxObservations: 1_000 } as const;
/** Bounds of a history that cannot use IndexedDB and keeps everything in memory. */
export const MEMORY_LIMITS = { maxOutcomes: 10_000, maxObservations: 1_000 } as const;

/**
 * The fields of a request outcome that are written to IndexedDB — each one read by the engine, the popup or
 * the export after a restart. Listed, field by field, in the README's privacy section.
 */
export const STORED_OUTCOME_FIELDS = [
  't',
  'ms',
  'host',
  'service',
  'path',
  'type',
  'method',
  'status',
  'error',
  'kind',
  'phase',
  'serverDate',
  'ids',
  'code',
  'keyTag',
  'setCookies',
  'sentCookies',
  'redirectTo',
  'fromCache',
  'challenge',
  'source',
] as const satisfies readonly (keyof RequestOutcome)[];

/** Fields of a request outcome that never reach storage, and why (every other field must be stored). */
export const NOT_STORED_OUTCOME_FIELDS = {
  tabId: 'read only live, as events arrive (per-tab loop detection); nothing reads it from history',
  initiator: 'no longer part of the record; v1 stored it and the v2 upgrade strips it',
} as const;

export type StoredOutcome = Pick<RequestOutcome, (typeof STORED_OUTCOME_FIELDS)[number]>;

type ObsOf<K extends Observation['kind']> = Extract<Observation, { kind: K }>;

/** The fields of each kind of observation that are written (listed in the README's privacy section too). */
export const STORED_OBSERVATION_FIELDS = {
  'broken-image': ['kind', 't', 'host', 'service', 'path', 'reason', 'count', 'pageHost', 'status', 'failure'],
  'redirect-loop': ['kind', 't', 'hosts', 'hops', 'login', 'cookies', 'cookiesBlocked', 'service'],
  probe: ['kind', 't', 'probe', 'target', 'ok', 'skewMs', 'exists', 'alarms', 'detail'],
} as const satisfies { [K in Observation['kind']]: readonly (keyof ObsOf<K>)[] };

/** Observation fields that never reach storage, and why. */
export const NOT_STORED_OBSERVATION_FIELDS = {
  'broken-image': {},
  'redirect-loop': {},
  probe: {},
} as const;

type ObsFields = typeof STORED_OBSERVATION_FIELDS;
export type StoredObservation =
  | Pick<ObsOf<'broken-image'>, ObsFields['broken-image'][number]>
  | Pick<ObsOf<'redirect-loop'>, ObsFields['redirect-loop'][number]>
  | Pick<ObsOf<'probe'>, ObsFields['probe'][number]>;

function pick<T extends object>(o: T, fields: readonly string[]): T {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (src[f] !== undefined) out[f] = src[f];
  return out as T;
}

/** What is written for an outcome: the stored fields only. */
export function toStoredOutcome(o: RequestOutcome): StoredOutcome {
  return pick(o, STORED_OUTCOME_FIELDS);
}

/** What is written for an observation: its kind's stored fields only (an unknown kind keeps none but kind/t). */
export function toStoredObservation(o: Observation): StoredObservation {
  const fields = (STORED_OBSERVATION_FIELDS as Record<string, readonly string[]>)[o.kind] ?? ['kind', 't'];
  return pick(o, fields) as StoredObservation;
}

export interface FaultlineDB extends DBSchema {
  outcomes: { key: HistoryKey; value: RequestOutcome };
  observations: { key: HistoryKey; value: Observation };
  meta: { key: string; value: unknown };
}

type UpgradeTx = IDBPTransaction<FaultlineDB, StoreNames<FaultlineDB>[], 'versionchange'>;

/**
 * Versioned upgrade: one `if (oldVersion < N)` block per version, in order, each migrating the data the
 * previous versions left (through `tx`) without touching the earlier blocks.
 */
export function upgradeDb(
  db: IDBPDatabase<FaultlineDB>,
  oldVersion: number,
  _newVersion: number | null,
  tx: UpgradeTx,
): void {
  if (oldVersion < 1) {
    db.createObjectStore('outcomes');
    db.createObjectStore('observations');
    db.createObjectStore('meta');
  }
  if (oldVersion >= 1 && oldVersion < 3) {
    // v1 stored every field of the record, including ones nothing reads (the initiating page's host, the tab id,
    // the attribution of broken pictures) and loop fields the record no longer has; v1 and v2 keyed records by
    // insertion order with a t index. Rewrite each record with the stored fields only, under the key [t, old key]
    // (the old key keeps the order of records of the same millisecond), into stores without an index. Runs inside
    // the versionchange transaction, so it is all or nothing. A database without its stores (a damaged profile)
    // gets them.
    if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
    rekey(db, tx, oldVersion).catch(() => {
      try {
        tx.abort(); // the open fails and the history works from memory; the old data stays as it was
      } catch {
        /* already finished */
      }
    });
  }
}

async function rekey(db: IDBPDatabase<FaultlineDB>, tx: UpgradeTx, oldVersion: number): Promise<void> {
  const stores = [
    ['outcomes', (v: unknown) => toStoredOutcome(v as RequestOutcome)],
    ['observations', (v: unknown) => toStoredObservation(v as Observation)],
  ] as const;
  for (const [name, project] of stores) {
    let values: unknown[] = [];
    let keys: unknown[] = [];
    if (db.objectStoreNames.contains(name)) {
      // The old store's own types (number keys, a t index), not the current schema's.
      const old = tx.objectStore(name) as unknown as { getAll(): Promise<unknown[]>; getAllKeys(): Promise<unknown[]> };
      [values, keys] = await Promise.all([old.getAll(), old.getAllKeys()]);
      db.deleteObjectStore(name);
    }
    const store = db.createObjectStore(name);
    for (const [i, v] of values.entries()) {
      const t = (v as { t?: unknown } | null)?.t;
      const n = keys[i];
      if (typeof t !== 'number' || !Number.isFinite(t) || typeof n !== 'number') continue; // unreadable anyway
      store.put(project(v) as never, [t, n]).catch(() => undefined);
    }
  }
  await tx.objectStore('meta').put(oldVersion, 'migratedFrom');
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

/** How the history is doing, for the popup footer and the export. */
export interface HistoryHealth {
  /** 'memory': IndexedDB could not be opened; nothing survives the worker. */
  storage: 'indexeddb' | 'memory';
  /** Events dropped from the bounded write buffer while storage was failing (since install or clear). */
  dropped: number;
  /** The last write failed (name of the error, e.g. 'QuotaExceededError'); absent when the last write worked. */
  failing?: string;
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
  /** Bounds of the write buffer (defaults: BUFFER_LIMITS). */
  maxBufferedOutcomes?: number;
  maxBufferedObservations?: number;
  /** An open that has not answered after this long is given up: the history works from memory. */
  openTimeoutMs?: number;
  /** First sequence number of the keys this history writes (default: random, so another run's keys differ). */
  keySeed?: number;
  onError?: (e: unknown) => void;
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/** Back-off between failed writes: 1 s, 2 s, 4 s … 60 s. */
const backoffMs = (failures: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));

function errorName(e: unknown): string {
  const name = e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name ? name : 'Error';
}

/**
 * Drop the oldest entries of `buf` beyond `max` (in one splice of a tenth more than needed, so a full buffer
 * does not pay a splice per event). Returns how many were dropped.
 */
function bound<T>(buf: T[], max: number): number {
  if (buf.length <= max) return 0;
  const n = Math.min(buf.length, buf.length - max + Math.floor(max / 10));
  buf.splice(0, n);
  return n;
}

export class History {
  readonly ready: Promise<void>;
  private db: IDBPDatabase<FaultlineDB> | null = null;
  private mode: 'opening' | 'indexeddb' | 'memory' = 'opening';
  private buf: RequestOutcome[] = [];
  private obsBuf: Observation[] = [];
  /** Memory mode: what would have been stored. */
  private mem: RequestOutcome[] = [];
  private memObs: Observation[] = [];
  private cancelTimer: (() => void) | null = null;
  /** Delay the pending flush timer was armed with. */
  private armedMs = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Records stored: exact after open and prune, kept by every write and trim in between. */
  private stored = { outcomes: 0, observations: 0 };
  private dropped = 0;
  private droppedSaved = 0;
  private failures = 0;
  private lastError: string | undefined;
  private retryAt = 0;
  /** The n of the next key [t, n]: unique within this run, and (random start) across runs. */
  private seq: number;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  readonly batchSize: number;
  readonly flushDelayMs: number;
  maxAgeMs: number;
  /** Count caps; lowered after a QuotaExceededError to what fits. */
  maxOutcomes: number;
  maxObservations: number;
  readonly maxBufferedOutcomes: number;
  readonly maxBufferedObservations: number;

  constructor(private readonly opts: HistoryOptions) {
    this.now = opts.now ?? Date.now;
    this.schedule = opts.schedule ?? defaultSchedule;
    this.batchSize = opts.batchSize ?? 200;
    this.flushDelayMs = opts.flushDelayMs ?? 250;
    this.maxAgeMs = opts.maxAgeMs ?? RETENTION.maxAgeMs;
    this.maxOutcomes = opts.maxOutcomes ?? RETENTION.maxOutcomes;
    this.maxObservations = opts.maxObservations ?? RETENTION.maxObservations;
    this.maxBufferedOutcomes = opts.maxBufferedOutcomes ?? BUFFER_LIMITS.maxOutcomes;
    this.maxBufferedObservations = opts.maxBufferedObservations ?? BUFFER_LIMITS.maxObservations;
    this.seq = opts.keySeed ?? Math.floor(Math.random() * 2 ** 40);
    this.ready = this.open();
  }

  /** Resolves once IndexedDB is open, or once the history has given up on it and works from memory. */
  private open(): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = (db: IDBPDatabase<FaultlineDB> | null, err?: unknown) => {
        if (settled) {
          db?.close(); // answered after the time-out: stay in memory until the worker restarts
          return;
        }
        settled = true;
        cancelTimeout();
        if (db) {
          this.db = db;
          this.mode = 'indexeddb';
        } else {
          this.mode = 'memory';
          this.lastError = errorName(err);
          this.opts.onError?.(err);
        }
        resolve();
      };
      const cancelTimeout = this.schedule(
        () => settle(null, new DOMException('IndexedDB did not open in time', 'TimeoutError')),
        this.opts.openTimeoutMs ?? 10_000,
      );
      let opened: Promise<IDBPDatabase<FaultlineDB>>;
      try {
        opened = openHistoryDb(this.opts.idbFactory, this.opts.dbName);
      } catch (e) {
        settle(null, e);
        return;
      }
      opened
        .then(async (db) => {
          const [outcomes, observations, dropped] = await Promise.all([
            db.count('outcomes'),
            db.count('observations'),
            db.get('meta', 'dropped'),
          ]);
          this.stored = { outcomes, observations };
          if (typeof dropped === 'number' && dropped > 0) {
            this.dropped += dropped;
            this.droppedSaved = dropped;
          }
          // A newer version elsewhere wants the database: let it go and work from memory from here on.
          db.addEventListener('versionchange', () => {
            db.close();
            this.db = null;
            this.mode = 'memory';
            this.lastError = 'VersionError';
          });
          return db;
        })
        .then(
          (db) => settle(db),
          (e) => settle(null, e),
        );
    }).then(() => {
      // Anything buffered while opening goes out now.
      if (this.buf.length || this.obsBuf.length) this.arm(0);
    });
  }

  /** Retention by age from the user's settings (retentionDays); applied at the next prune. */
  setMaxAge(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.maxAgeMs = ms;
  }

  /** Per-event path: O(1) amortised, no IndexedDB. */
  add(o: RequestOutcome): void {
    this.buf.push(o);
    if (this.buf.length > this.maxBufferedOutcomes) this.dropped += bound(this.buf, this.maxBufferedOutcomes);
    if (this.cancelTimer === null) this.arm(this.buf.length >= this.batchSize ? 0 : this.flushDelayMs);
    // A full batch goes out at once — unless writes are failing and the pending timer is the back-off.
    else if (this.buf.length >= this.batchSize && this.armedMs > 0 && this.failures === 0) this.arm(0);
  }

  addObservation(o: Observation): void {
    this.obsBuf.push(o);
    if (this.obsBuf.length > this.maxBufferedObservations)
      this.dropped += bound(this.obsBuf, this.maxBufferedObservations);
    if (this.cancelTimer === null) this.arm(this.flushDelayMs);
  }

  /** Events buffered and not yet written. */
  get pending(): number {
    return this.buf.length + this.obsBuf.length;
  }

  get health(): HistoryHealth {
    const h: HistoryHealth = { storage: this.mode === 'memory' ? 'memory' : 'indexeddb', dropped: this.dropped };
    if (this.mode !== 'memory' && this.failures > 0 && this.lastError) h.failing = this.lastError;
    return h;
  }

  private arm(ms: number): void {
    if (this.cancelTimer) this.cancelTimer();
    // After failed writes, wait out the back-off (never longer than one back-off step, whatever the clock does).
    const wait = this.failures > 0 ? Math.min(backoffMs(this.failures), Math.max(ms, this.retryAt - this.now())) : ms;
    this.armedMs = wait;
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = null;
      void this.flush().catch((e) => this.opts.onError?.(e));
    }, wait);
  }

  /** Write everything buffered in one transaction. Resolves to the number of records written. */
  flush(): Promise<number> {
    const run = this.chain.then(() => this.flushNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<number> {
    await this.ready;
    if (!this.buf.length && !this.obsBuf.length) return 0;
    if (this.mode === 'memory') return this.flushToMemory();
    const db = this.db!;
    let outcomes = this.buf;
    let observations = this.obsBuf;
    this.buf = [];
    this.obsBuf = [];
    // Never write more than a cap holds: of a batch larger than the cap, only its newest records.
    const capO = this.maxOutcomes;
    const capB = this.maxObservations;
    const skipO = Math.max(0, outcomes.length - capO);
    const skipB = Math.max(0, observations.length - capB);
    const writeO = skipO ? outcomes.slice(skipO) : outcomes;
    const writeB = skipB ? observations.slice(skipB) : observations;
    const tx = db.transaction(['outcomes', 'observations', 'meta'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined); // observed below; never an unhandled rejection after abort()
    let trimmed: number[];
    try {
      const os = tx.objectStore('outcomes');
      const obs = tx.objectStore('observations');
      // The caps hold in this very transaction: make room first (oldest = lowest keys = earliest times).
      trimmed = await Promise.all([
        trimOldest(os, this.stored.outcomes + writeO.length - capO, this.opts.keyRange),
        trimOldest(obs, this.stored.observations + writeB.length - capB, this.opts.keyRange),
      ]);
      for (const o of writeO) os.put(toStoredOutcome(o) as RequestOutcome, this.key(o.t)).catch(() => undefined);
      for (const o of writeB) obs.put(toStoredObservation(o) as Observation, this.key(o.t)).catch(() => undefined);
      if (this.dropped !== this.droppedSaved)
        tx.objectStore('meta')
          .put(this.dropped, 'dropped')
          .catch(() => 0);
      await done;
    } catch (caught) {
      // The transaction's own error names the cause (a request's error reaches us first as a plain abort).
      const e: unknown = tx.error ?? caught;
      // All or nothing: abort so a half-written batch is not written again on retry.
      try {
        tx.abort();
      } catch {
        /* already finished */
      }
      // Put them back (in order) so a transient failure does not lose events — within the buffer's bounds.
      outcomes = outcomes.concat(this.buf);
      observations = observations.concat(this.obsBuf);
      this.dropped += bound(outcomes, this.maxBufferedOutcomes) + bound(observations, this.maxBufferedObservations);
      this.buf = outcomes;
      this.obsBuf = observations;
      this.failures++;
      this.lastError = errorName(e);
      this.retryAt = this.now() + backoffMs(this.failures);
      if (this.lastError === 'QuotaExceededError') await this.relieveQuota().catch(() => undefined);
      if (this.buf.length || this.obsBuf.length) this.arm(backoffMs(this.failures));
      throw e;
    }
    this.stored.outcomes += writeO.length - trimmed[0]!;
    this.stored.observations += writeB.length - trimmed[1]!;
    this.droppedSaved = this.dropped;
    this.failures = 0;
    this.lastError = undefined;
    return writeO.length + writeB.length;
  }

  /** The key of a record written now (put: a repeat of another run's key, in the same millisecond, replaces it). */
  private key(t: number): HistoryKey {
    return [Number.isFinite(t) ? t : this.now(), this.seq++];
  }

  /**
   * The disk or the origin's quota is full: delete the oldest tenth of both stores, and lower the caps to what
   * is left, so the next flushes trim to what fits instead of hitting the quota again.
   */
  private async relieveQuota(): Promise<void> {
    const db = this.db!;
    const tx = db.transaction(['outcomes', 'observations'], 'readwrite');
    const KR = this.opts.keyRange;
    const [o, b] = await Promise.all([
      trimOldest(tx.objectStore('outcomes'), Math.max(this.batchSize, Math.ceil(this.stored.outcomes / 10)), KR),
      trimOldest(tx.objectStore('observations'), Math.ceil(this.stored.observations / 10), KR),
    ]);
    await tx.done;
    this.stored.outcomes -= o;
    this.stored.observations -= b;
    this.maxOutcomes = Math.max(this.batchSize, Math.min(this.maxOutcomes, this.stored.outcomes));
    this.maxObservations = Math.max(100, Math.min(this.maxObservations, this.stored.observations));
  }

  /** Memory mode: the buffer moves to the in-memory store, bounded like the database would be. */
  private flushToMemory(): number {
    const n = this.buf.length + this.obsBuf.length;
    this.mem.push(...this.buf.splice(0));
    this.memObs.push(...this.obsBuf.splice(0));
    bound(this.mem, Math.min(this.maxOutcomes, MEMORY_LIMITS.maxOutcomes));
    bound(this.memObs, Math.min(this.maxObservations, MEMORY_LIMITS.maxObservations));
    return n;
  }

  /** Enforce retention by age and by count. Resolves to the number of records deleted. */
  prune(): Promise<number> {
    const run = this.chain.then(() => this.pruneNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(): Promise<number> {
    await this.ready;
    const cutoff = this.now() - this.maxAgeMs;
    if (this.mode === 'memory') {
      const before = this.mem.length + this.memObs.length;
      this.mem = this.mem.filter((o) => o.t >= cutoff);
      this.memObs = this.memObs.filter((o) => o.t >= cutoff);
      return before - this.mem.length - this.memObs.length;
    }
    const db = this.db!;
    const KR = this.opts.keyRange;
    let deleted = 0;
    const tx = db.transaction(['outcomes', 'observations', 'meta'], 'readwrite');
    for (const [name, max] of [
      ['outcomes', this.maxOutcomes],
      ['observations', this.maxObservations],
    ] as const) {
      const store = tx.objectStore(name);
      // By age: every key before [cutoff] (t < cutoff), in one range delete.
      const old = KR.upperBound([cutoff], true);
      const aged = await store.count(old);
      if (aged) await store.delete(old);
      deleted += aged;
      // By count: oldest first.
      const count = await store.count();
      const trimmed = await trimOldest(store, count - max, KR);
      deleted += trimmed;
      this.stored[name] = count - trimmed;
    }
    await tx.objectStore('meta').put(this.now(), 'lastPrune');
    await tx.done;
    return deleted;
  }

  /**
   * Outcomes with sinceMs ≤ t ≤ untilMs, oldest first, including those not yet flushed. `untilMs` keeps out
   * records "from the future" when the clock was set back (they were written before the jump).
   */
  recent(sinceMs: number, untilMs = Infinity): Promise<RequestOutcome[]> {
    return this.between('outcomes', () => [this.mem, this.buf], sinceMs, untilMs);
  }

  recentObservations(sinceMs: number, untilMs = Infinity): Promise<Observation[]> {
    return this.between('observations', () => [this.memObs, this.obsBuf], sinceMs, untilMs);
  }

  /** Stored (or, in memory mode, kept) and buffered records of one kind with since ≤ t ≤ until. */
  private async between<N extends 'outcomes' | 'observations'>(
    store: N,
    lists: () => [FaultlineDB[N]['value'][], FaultlineDB[N]['value'][]],
    since: number,
    until: number,
  ): Promise<FaultlineDB[N]['value'][]> {
    await this.ready;
    const inRange = (o: { t: number }) => o.t >= since && o.t <= until;
    const [mem, buf] = lists();
    const out =
      this.mode === 'memory'
        ? mem.filter(inRange)
        : ((await this.db!.getAll(store, this.range(since, until))) as FaultlineDB[N]['value'][]);
    for (const o of buf) if (inRange(o)) out.push(o);
    return out;
  }

  /** Keys [since] ≤ k ≤ [until, ∞]: every record with since ≤ t ≤ until. */
  private range(since: number, until: number): IDBKeyRange {
    const KR = this.opts.keyRange;
    return until === Infinity ? KR.lowerBound([since]) : KR.bound([since], [Math.max(since, until), Infinity]);
  }

  /** Outcomes stored (as of the last open, flush or prune) plus buffered: no IndexedDB round-trip. */
  get approxCount(): number {
    return (this.mode === 'memory' ? this.mem.length : this.stored.outcomes) + this.buf.length;
  }

  /** Number of outcomes stored plus buffered. */
  async count(): Promise<number> {
    await this.ready;
    if (this.mode === 'memory') return this.mem.length + this.buf.length;
    return (await this.db!.count('outcomes')) + this.buf.length;
  }

  /** Number of observations stored plus buffered. */
  async countObservations(): Promise<number> {
    await this.ready;
    if (this.mode === 'memory') return this.memObs.length + this.obsBuf.length;
    return (await this.db!.count('observations')) + this.obsBuf.length;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    await this.ready;
    if (this.mode === 'memory') return undefined;
    return (await this.db!.get('meta', key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.ready;
    if (this.mode === 'memory') return;
    await this.db!.put('meta', value, key);
  }

  /** Delete all outcomes and observations (buffered ones too) and the count of dropped events. */
  clear(): Promise<void> {
    this.buf = [];
    this.obsBuf = [];
    this.mem = [];
    this.memObs = [];
    this.dropped = 0;
    const run = this.chain.then(async () => {
      await this.ready;
      if (this.mode === 'memory') return;
      const tx = this.db!.transaction(['outcomes', 'observations', 'meta'], 'readwrite');
      await Promise.all([
        tx.objectStore('outcomes').clear(),
        tx.objectStore('observations').clear(),
        tx.objectStore('meta').delete('dropped'),
        tx.done,
      ]);
      this.stored = { outcomes: 0, observations: 0 };
      this.droppedSaved = 0;
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

/** What trimOldest needs of an idb object store in a readwrite transaction. */
interface TrimmableStore {
  getAllKeys(query: null, count: number): Promise<IDBValidKey[]>;
  delete(key: IDBKeyRange): Promise<void>;
}

/** Delete the `n` oldest records of a store (lowest keys: earliest times) in one range delete. Resolves to how many. */
async function trimOldest(s: object, n: number, KR: typeof IDBKeyRange): Promise<number> {
  const store = s as TrimmableStore;
  if (n <= 0) return 0;
  const keys = await store.getAllKeys(null, n);
  const last = keys[keys.length - 1];
  if (last === undefined) return 0;
  await store.delete(KR.upperBound(last));
  return keys.length;
}
