import 'fake-indexeddb/auto'; // idb's wrap() checks instanceof against the global IDB classes
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange, IDBDatabase } from 'fake-indexeddb';
import {
  BUFFER_LIMITS,
  History,
  MEMORY_LIMITS,
  RETENTION,
  STORED_OUTCOME_FIELDS,
  openHistoryDb,
} from '../../src/background/history';
import type { Observation, RequestOutcome } from '../../src/core/types';
import { emptyDatabase, installFaults, type Faults } from './idb-faults';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

function outcome(t: number, over: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t,
    host: 'img.alicdn.com',
    service: 'cdn',
    path: '/a.png',
    type: 'image',
    method: 'GET',
    status: 200,
    kind: 'ok',
    phase: 'ok',
    source: 'browser',
    ...over,
  };
}

const probe = (t: number): Observation => ({ kind: 'probe', t, probe: 'control', target: 'example.com', ok: true });

/** Manual timer: the debounce runs only when the test says so. */
function manualScheduler() {
  const timers: { fn: () => void; ms: number; live: boolean }[] = [];
  return {
    schedule: (fn: () => void, ms: number) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return () => void (t.live = false);
    },
    live: () => timers.filter((t) => t.live),
    fire() {
      for (const t of timers.splice(0)) if (t.live) t.fn();
    },
  };
}

/** Counts transactions opened on any fake-indexeddb database. */
function countTransactions() {
  const proto = IDBDatabase.prototype as unknown as { transaction: (...a: unknown[]) => unknown };
  const orig = proto.transaction;
  const counter = { n: 0, restore: () => void (proto.transaction = orig) };
  proto.transaction = function (this: unknown, ...a: unknown[]) {
    counter.n++;
    return orig.apply(this, a);
  };
  return counter;
}

const open: History[] = [];
let faults: Faults | null = null;
function make(opts: Partial<ConstructorParameters<typeof History>[0]> = {}) {
  let now = T0;
  const sched = manualScheduler();
  const h = new History({
    idbFactory: new IDBFactory(),
    keyRange: IDBKeyRange,
    now: () => now,
    schedule: sched.schedule,
    ...opts,
  });
  open.push(h);
  return { h, sched, setNow: (t: number) => void (now = t) };
}

afterEach(() => {
  for (const h of open.splice(0)) h.close();
  faults?.restore();
  faults = null;
});

/** Every record of a store, read with the raw API (what is really on disk). */
async function rawAll(factory: IDBFactory, store: 'outcomes' | 'observations'): Promise<Record<string, unknown>[]> {
  const db = await openHistoryDb(factory);
  const all = (await db.getAll(store)) as unknown as Record<string, unknown>[];
  db.close();
  return all;
}

describe('History (IndexedDB via idb, fake-indexeddb)', () => {
  it('creates the schema: outcomes and observations keyed by [t, n] without an index, and meta (version 3)', async () => {
    const db = await openHistoryDb(new IDBFactory());
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'observations', 'outcomes']);
    const tx = db.transaction(['outcomes', 'observations']);
    for (const name of ['outcomes', 'observations'] as const) {
      const store = tx.objectStore(name);
      expect([...store.indexNames], `${name}: no index (Chromium keeps a deleted record's index entries)`).toEqual([]);
      expect([store.keyPath, store.autoIncrement]).toEqual([null, false]);
    }
    expect(db.version).toBe(3);
    db.close();
  });

  it('keys are [t, n]: time order whatever the order of writing, n unique, and reads and prunes go by key range', async () => {
    const factory = new IDBFactory();
    const { h, setNow } = make({ idbFactory: factory, keySeed: 7 });
    await h.ready;
    // Written out of time order (events of a slow request reach the worker late), two of the same millisecond.
    for (const t of [T0 + 30, T0 + 10, T0 + 20, T0 + 10]) h.add(outcome(t));
    h.addObservation(probe(T0 + 5));
    await h.flush();
    const db = await openHistoryDb(factory);
    expect(await db.getAllKeys('outcomes')).toEqual([
      [T0 + 10, 8],
      [T0 + 10, 10],
      [T0 + 20, 9],
      [T0 + 30, 7],
    ]);
    expect(await db.getAllKeys('observations')).toEqual([[T0 + 5, 11]]);
    db.close();
    expect((await h.recent(T0 + 10, T0 + 20)).map((o) => o.t)).toEqual([T0 + 10, T0 + 10, T0 + 20]);
    expect((await h.recent(T0 + 11)).map((o) => o.t)).toEqual([T0 + 20, T0 + 30]);
    expect(
      (await h.recent(T0 + 20, T0 + 5)).map((o) => o.t),
      'until before since: only since itself',
    ).toEqual([T0 + 20]);
    // Retention by age keeps t == cutoff, deletes what is older.
    setNow(T0 + 20 + h.maxAgeMs);
    expect(await h.prune()).toBe(3); // two outcomes at T0+10 and the observation at T0+5
    expect((await h.recent(0)).map((o) => o.t)).toEqual([T0 + 20, T0 + 30]);
    expect(await h.countObservations()).toBe(0);
  });

  it('buffers events that arrive before the database is open and writes them all', async () => {
    const { h, sched } = make();
    for (let i = 0; i < 5; i++) h.add(outcome(T0 + i)); // synchronously, before `ready`
    expect(h.pending).toBe(5);
    await h.ready;
    sched.fire();
    await h.flush();
    expect(await h.count()).toBe(5);
    expect((await h.recent(0)).map((o) => o.t)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i));
  });

  it('never opens a transaction per event: one per flush, however many events', async () => {
    const { h, sched } = make({ batchSize: 10_000 });
    await h.ready;
    const c = countTransactions();
    try {
      for (let i = 0; i < 1000; i++) h.add(outcome(T0 + i));
      expect(c.n).toBe(0);
      expect(sched.live()).toHaveLength(1); // one debounce timer for the whole burst
      expect(sched.live()[0]!.ms).toBe(250);
      await h.flush();
      expect(c.n).toBe(1);
    } finally {
      c.restore();
    }
    expect(await h.count()).toBe(1000);
  });

  it('flushes at once when a batch is full, arming one timer, not one per event', async () => {
    const { h, sched } = make({ batchSize: 3 });
    await h.ready;
    h.add(outcome(T0));
    expect(sched.live()[0]!.ms).toBe(250);
    h.add(outcome(T0 + 1));
    h.add(outcome(T0 + 2));
    expect(sched.live()).toHaveLength(1);
    expect(sched.live()[0]!.ms).toBe(0);
    for (let i = 3; i < 50; i++) h.add(outcome(T0 + i));
    expect(sched.live()).toHaveLength(1);
  });

  it('recent() and count() include events not yet flushed', async () => {
    const { h } = make();
    await h.ready;
    h.add(outcome(T0 - 10_000));
    h.add(outcome(T0));
    await h.flush();
    h.add(outcome(T0 + 5));
    expect(await h.count()).toBe(3);
    expect((await h.recent(T0)).map((o) => o.t)).toEqual([T0, T0 + 5]);
    expect(
      (await h.recent(T0 - 20_000, T0)).map((o) => o.t),
      'until bound',
    ).toEqual([T0 - 10_000, T0]);
  });

  it('prunes by age (7 days by default)', async () => {
    expect(RETENTION.maxAgeMs).toBe(7 * 24 * 3600_000);
    const { h, setNow } = make();
    await h.ready;
    const day = 24 * 3600_000;
    for (const d of [10, 8, 6, 1, 0]) h.add(outcome(T0 - d * day));
    h.addObservation({ kind: 'probe', t: T0 - 9 * day, probe: 'control', target: 'example.com', ok: true });
    h.addObservation({ kind: 'probe', t: T0, probe: 'control', target: 'example.com', ok: true });
    await h.flush();
    setNow(T0);
    expect(await h.prune()).toBe(3);
    expect((await h.recent(0)).map((o) => (T0 - o.t) / day)).toEqual([6, 1, 0]);
    expect(await h.recentObservations(0)).toHaveLength(1);
    expect(await h.getMeta('lastPrune')).toBe(T0);
  });

  it('data survives reopening (a worker restart) on the same factory', async () => {
    const factory = new IDBFactory();
    const a = new History({ idbFactory: factory, keyRange: IDBKeyRange, schedule: manualScheduler().schedule });
    a.add(outcome(T0));
    await a.flush();
    a.close();
    const b = new History({ idbFactory: factory, keyRange: IDBKeyRange, schedule: manualScheduler().schedule });
    open.push(b);
    expect(await b.count()).toBe(1);
  });

  it('writes only the stored fields: not the tab, not the initiating page; a picture keeps its attribution', async () => {
    const factory = new IDBFactory();
    const { h } = make({ idbFactory: factory });
    // As a v1-era record would come in: with the initiating page's host (no longer part of the type).
    const full = {
      ...outcome(T0, { tabId: 7, keyTag: '0123456789abcdef', ms: 12 }),
      initiator: 'shop.example',
    } as RequestOutcome;
    h.add(full);
    h.addObservation({
      kind: 'broken-image',
      t: T0,
      host: 'img.alicdn.com',
      service: 'cdn',
      path: '/a.png',
      reason: 'error',
      count: 2,
      pageHost: 'www.taobao.com',
      status: 404,
      failure: 'http.4xx',
    });
    await h.flush();
    h.close();
    const [o] = await rawAll(factory, 'outcomes');
    expect(Object.keys(o!).sort()).toEqual(
      Object.keys(full)
        .filter((k) => k !== 'tabId' && k !== 'initiator')
        .sort(),
    );
    for (const k of Object.keys(o!)) expect(STORED_OUTCOME_FIELDS as readonly string[]).toContain(k);
    const [b] = await rawAll(factory, 'observations');
    expect(b).toMatchObject({ status: 404, failure: 'http.4xx' });
    expect(b).toMatchObject({ kind: 'broken-image', pageHost: 'www.taobao.com', count: 2 });
    expect(full.tabId, 'the live event keeps its tab (loop detection)').toBe(7);
  });
});

describe('History bounds hold at every write', () => {
  it('one flush far over the caps stores only the caps: the newest of both kinds', async () => {
    const factory = new IDBFactory();
    const { h } = make({ idbFactory: factory, maxOutcomes: 100, maxObservations: 10, batchSize: 100_000 });
    await h.ready;
    for (let i = 0; i < 5000; i++) h.add(outcome(T0 + i));
    for (let i = 0; i < 500; i++) h.addObservation(probe(T0 + i));
    await h.flush();
    expect(await h.count()).toBe(100);
    expect(await h.countObservations()).toBe(10);
    expect((await h.recent(0))[0]!.t).toBe(T0 + 4900);
    expect((await h.recentObservations(0))[0]!.t).toBe(T0 + 490);
  });

  it('every flush that would cross a cap trims the oldest in the same transaction', async () => {
    const factory = new IDBFactory();
    const { h } = make({ idbFactory: factory, maxOutcomes: 50, maxObservations: 20 });
    await h.ready;
    const c = countTransactions();
    try {
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 9; i++) h.add(outcome(T0 + round * 9 + i));
        for (let i = 0; i < 4; i++) h.addObservation(probe(T0 + round * 4 + i));
        await h.flush();
        // Read what is really stored after each flush, not what History believes.
        const [o, b] = await Promise.all([rawAll(factory, 'outcomes'), rawAll(factory, 'observations')]);
        expect(o.length).toBeLessThanOrEqual(50);
        expect(b.length).toBeLessThanOrEqual(20);
        expect(o.length).toBe(Math.min(50, (round + 1) * 9));
      }
    } finally {
      c.restore();
    }
    // 12 flushes; rawAll opened 24 read transactions.
    expect(c.n).toBe(12 + 24);
    expect((await h.recent(0)).map((o) => o.t)).toEqual(Array.from({ length: 50 }, (_, i) => T0 + 108 - 50 + i));
  });

  it('the write buffer is bounded while storage fails: oldest dropped, counted, and the count is kept', async () => {
    faults = await installFaults();
    const factory = new IDBFactory();
    const { h } = make({ idbFactory: factory, maxBufferedOutcomes: 200, maxBufferedObservations: 20 });
    await h.ready;
    faults.failWith = 'UnknownError';
    // 50 failed flushes of 1,000 events (the case that once left 50,000 events in memory).
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) h.add(outcome(T0 + round * 1000 + i));
      h.addObservation(probe(T0 + round));
      await expect(h.flush()).rejects.toMatchObject({ name: 'UnknownError' });
      expect(h.pending).toBeLessThanOrEqual(200 + 20);
    }
    const health = h.health;
    expect(health.failing).toBe('UnknownError');
    expect(health.dropped).toBe(50 * 1000 + 50 - h.pending);
    // The newest events are the ones kept.
    expect((await h.recent(0)).at(-1)!.t).toBe(T0 + 49_999);
    faults.failWith = null;
    const kept = h.pending;
    expect(await h.flush()).toBe(kept);
    expect(h.health).toEqual({ storage: 'indexeddb', dropped: health.dropped });
    h.close();
    // The count of dropped events survives a restart (it is written with the next successful flush).
    const again = new History({ idbFactory: factory, keyRange: IDBKeyRange, schedule: manualScheduler().schedule });
    open.push(again);
    await again.ready;
    expect(again.health.dropped).toBe(health.dropped);
    await again.clear();
    expect(again.health.dropped).toBe(0);
  }, 30_000);

  it('the defaults bound the buffer to 10,000 outcomes and 1,000 observations', () => {
    expect(BUFFER_LIMITS).toEqual({ maxOutcomes: 10_000, maxObservations: 1_000 });
    const { h } = make();
    for (let i = 0; i < 25_000; i++) h.add(outcome(T0 + i));
    expect(h.pending).toBeLessThanOrEqual(10_000);
    expect(h.health.dropped + h.pending).toBe(25_000);
  });

  it('retries a failed write with back-off instead of a timer per event', async () => {
    faults = await installFaults();
    const { h, sched } = make({ batchSize: 10 });
    await h.ready;
    faults.failWith = 'UnknownError';
    for (let i = 0; i < 10; i++) h.add(outcome(T0 + i));
    await expect(h.flush()).rejects.toBeTruthy();
    const retry = sched.live();
    expect(retry).toHaveLength(1);
    expect(retry[0]!.ms).toBe(1000);
    for (let i = 0; i < 100; i++) h.add(outcome(T0 + 100 + i));
    expect(sched.live()).toEqual(retry);
    await expect(h.flush()).rejects.toBeTruthy();
    expect(sched.live().at(-1)!.ms).toBe(2000);
    faults.failWith = null;
    await h.flush();
    expect(await h.count()).toBe(110);
    expect(h.health.failing).toBeUndefined();
  });
});

describe('History storage faults', () => {
  it('QuotaExceededError: deletes the oldest tenth, lowers the caps to what fits, then writes', async () => {
    faults = await installFaults();
    const { h } = make({ maxOutcomes: 1000, batchSize: 100 });
    await h.ready;
    for (let i = 0; i < 800; i++) h.add(outcome(T0 + i));
    await h.flush();
    faults.failWith = 'QuotaExceededError'; // the disk is full
    for (let i = 800; i < 900; i++) h.add(outcome(T0 + i));
    await expect(h.flush()).rejects.toMatchObject({ name: 'QuotaExceededError' });
    expect(h.health.failing).toBe('QuotaExceededError');
    // Relief ran (deletes are allowed on a full disk): the oldest 100 (a tenth, at least a batch) are gone.
    expect(await h.count()).toBe(700 + 100);
    expect((await h.recent(0))[0]!.t).toBe(T0 + 100);
    expect(h.maxOutcomes).toBe(700);
    faults.failWith = null; // the space freed is enough
    expect(await h.flush()).toBe(100);
    expect(await h.count()).toBe(700);
    expect((await h.recent(0)).at(-1)!.t).toBe(T0 + 899);
    expect(h.health).toEqual({ storage: 'indexeddb', dropped: 0 });
    // From now on the lowered cap holds at every flush.
    for (let i = 900; i < 1000; i++) h.add(outcome(T0 + i));
    await h.flush();
    expect(await h.count()).toBe(700);
  });

  it('an IndexedDB that cannot open (a newer schema left by a downgrade): works from memory and says so', async () => {
    const factory = new IDBFactory();
    await emptyDatabase(factory, 99);
    const errors: unknown[] = [];
    const { h, setNow } = make({ idbFactory: factory, onError: (e) => errors.push(e) });
    h.add(outcome(T0 - 60_000));
    await h.ready;
    expect(h.health).toEqual({ storage: 'memory', dropped: 0 });
    expect(errors).toHaveLength(1);
    h.add(outcome(T0));
    h.addObservation(probe(T0));
    await h.flush();
    expect(await h.count()).toBe(2);
    expect((await h.recent(T0 - 1000)).map((o) => o.t)).toEqual([T0]);
    expect(await h.recentObservations(0)).toHaveLength(1);
    // Bounded like the database would be.
    for (let i = 0; i < MEMORY_LIMITS.maxOutcomes + 500; i++) h.add(outcome(T0 + i));
    await h.flush();
    expect(await h.count()).toBeLessThanOrEqual(MEMORY_LIMITS.maxOutcomes);
    setNow(T0 + 8 * 24 * 3600_000);
    await h.prune();
    expect(await h.count()).toBe(0);
  });

  it('an open that throws (storage disabled) also works from memory', async () => {
    const factory = {
      open() {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const { h } = make({ idbFactory: factory });
    await h.ready;
    expect(h.health.storage).toBe('memory');
    h.add(outcome(T0));
    await h.flush();
    expect(await h.count()).toBe(1);
  });

  it('an open that never answers (blocked upgrade) is given up after the time-out', async () => {
    const factory = new IDBFactory();
    // An old connection at v1 that does not close on versionchange blocks the upgrade to v2.
    const old = await new Promise<IDBDatabase>((resolve) => {
      const r = factory.open('faultline', 1);
      r.onsuccess = () => resolve(r.result);
    });
    const { h, sched } = make({ idbFactory: factory, openTimeoutMs: 5000 });
    h.add(outcome(T0));
    const timeout = sched.live().find((t) => t.ms === 5000);
    expect(timeout).toBeDefined();
    timeout!.fn();
    await h.ready;
    expect(h.health.storage).toBe('memory');
    await h.flush();
    expect(await h.count()).toBe(1);
    old.close(); // the late open succeeds now and is closed again: the history stays in memory
    await new Promise((r) => setTimeout(r, 20));
    expect(h.health.storage).toBe('memory');
  });
});
