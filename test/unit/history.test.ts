import 'fake-indexeddb/auto'; // idb's wrap() checks instanceof against the global IDB classes
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange, IDBDatabase } from 'fake-indexeddb';
import { History, RETENTION, openHistoryDb } from '../../src/background/history';
import type { RequestOutcome } from '../../src/core/types';

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
});

describe('History (IndexedDB via idb, fake-indexeddb)', () => {
  it('creates the v1 schema: outcomes and observations with a t index, and meta', async () => {
    const db = await openHistoryDb(new IDBFactory());
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'observations', 'outcomes']);
    const tx = db.transaction(['outcomes', 'observations']);
    expect([...tx.objectStore('outcomes').indexNames]).toEqual(['t']);
    expect([...tx.objectStore('observations').indexNames]).toEqual(['t']);
    expect(db.version).toBe(1);
    db.close();
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

  it('flushes at once when a batch is full', async () => {
    const { h, sched } = make({ batchSize: 3 });
    await h.ready;
    h.add(outcome(T0));
    expect(sched.live()[0]!.ms).toBe(250);
    h.add(outcome(T0 + 1));
    h.add(outcome(T0 + 2));
    expect(sched.live()).toHaveLength(1);
    expect(sched.live()[0]!.ms).toBe(0);
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

  it('prunes by count, oldest first', async () => {
    const { h } = make({ maxOutcomes: 10 });
    await h.ready;
    for (let i = 0; i < 25; i++) h.add(outcome(T0 + i));
    await h.flush(); // 25 > 11 (10 % over the cap) → pruned in the same flush
    expect(await h.count()).toBe(10);
    expect((await h.recent(0))[0]!.t).toBe(T0 + 15);
  });

  it('keeps events when a write fails, and writes them on the next flush', async () => {
    const { h } = make();
    await h.ready;
    h.add(outcome(T0));
    h.add({ ...outcome(T0 + 1), bad: () => 1 } as unknown as RequestOutcome); // not cloneable → tx fails
    await expect(h.flush()).rejects.toBeTruthy();
    expect(h.pending).toBe(2);
    expect((await h.count()) - h.pending, 'nothing half-written').toBe(0);
    await h.clear();
    h.add(outcome(T0 + 2));
    await h.flush();
    expect(await h.count()).toBe(1);
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
});
