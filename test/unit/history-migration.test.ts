/**
 * Upgrade from older schemas with real data in them: a v1 database written the way v1 wrote it (every field of
 * the record, the initiating page's host and the tab included), and a v2 one (stored fields only; both keyed by
 * insertion order with a t index), filled with the outcomes of recorded HARs of the corpus, are opened by the
 * current History: every record is kept, keyed by [t, old key], with the stored fields only, the index gone, and
 * the engine reaches the same verdict from it.
 */
import 'fake-indexeddb/auto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { History, STORED_OUTCOME_FIELDS, openHistoryDb } from '../../src/background/history';
import { readHar } from '../../src/core/har/read';
import { serviceOf } from '../../src/core/catalogue/match';
import { diagnose } from '../../src/core/engine/diagnose';
import type { Observation, RequestOutcome } from '../../src/core/types';
import { emptyDatabase } from './idb-faults';
import { o } from './engine-fixtures';

const HAR_DIR = join(__dirname, '../corpus/har');

/** The v1 (and v2) schema exactly as v1 and v2 created it. */
function createOld(
  factory: IDBFactory,
  outcomes: object[],
  observations: object[],
  meta: Record<string, unknown>,
  version = 1,
) {
  return new Promise<void>((resolve, reject) => {
    const r = factory.open('faultline', version);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore('outcomes', { autoIncrement: true }).createIndex('t', 't');
      db.createObjectStore('observations', { autoIncrement: true }).createIndex('t', 't');
      db.createObjectStore('meta');
    };
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const db = r.result;
      const tx = db.transaction(['outcomes', 'observations', 'meta'], 'readwrite');
      for (const o of outcomes) tx.objectStore('outcomes').add(o);
      for (const o of observations) tx.objectStore('observations').add(o);
      for (const [k, v] of Object.entries(meta)) tx.objectStore('meta').put(v, k);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

function corpusOutcomes(): RequestOutcome[] {
  const out: RequestOutcome[] = [];
  for (const name of readdirSync(HAR_DIR).sort()) {
    if (!name.endsWith('.har')) continue;
    const r = readHar(JSON.parse(readFileSync(join(HAR_DIR, name), 'utf8')), serviceOf);
    if (r.ok) out.push(...r.outcomes);
  }
  return out;
}

describe('History schema v1 → v3', () => {
  it('keeps every record, keyed by time, strips the fields nothing reads, and the verdict is unchanged', async () => {
    // What the v1 worker stored: the outcome as the edge made it, with tab and initiating page.
    const real = corpusOutcomes().map((o, i) => ({
      ...o,
      source: 'browser' as const,
      tabId: 10 + (i % 3),
      initiator: 'www.taobao.com',
    }));
    expect(real.length).toBeGreaterThan(500);
    const end = Math.max(...real.map((o) => o.t));
    const obs: Observation[] = [
      {
        kind: 'broken-image',
        t: end - 1000,
        host: 'img.alicdn.com',
        service: 'cdn',
        path: '/{id}.jpg',
        reason: 'empty-url',
        count: 3,
        pageHost: 'www.taobao.com',
        status: 404,
        failure: 'http.4xx',
      },
      { kind: 'probe', t: end - 500, probe: 'dns', target: 'nx.aliyun.com', ok: true, exists: false },
    ];
    const factory = new IDBFactory();
    await createOld(factory, real, obs, { lastColdStart: 1234, lastPrune: 5678 });

    const h = new History({ idbFactory: factory, keyRange: IDBKeyRange, now: () => end });
    await h.ready;
    expect(h.health.storage).toBe('indexeddb');
    expect(await h.count()).toBe(real.length);
    expect(await h.countObservations()).toBe(2);
    expect(await h.getMeta('lastColdStart'), 'meta kept').toBe(1234);
    expect(await h.getMeta('migratedFrom')).toBe(1);

    const db = await openHistoryDb(factory);
    const stored = (await db.getAll('outcomes')) as unknown as Record<string, unknown>[];
    const keys = await db.getAllKeys('outcomes');
    expect([...db.transaction('outcomes').store.indexNames], 'the t index is gone').toEqual([]);
    db.close();
    // [t, old key]: time order, and the old insertion order within a millisecond.
    const want = real.map((o, i) => [o.t, i + 1] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(keys, 'every record, keyed [t, old key]').toEqual(want);
    for (const [i, s] of stored.entries()) {
      const { tabId: _tab, initiator: _init, ...rest } = real[want[i]![1] - 1]!;
      expect(s).toEqual(rest);
      for (const k of Object.keys(s)) expect(STORED_OUTCOME_FIELDS as readonly string[]).toContain(k);
    }
    const [img, dns] = await h.recentObservations(0);
    expect(img, 'the picture keeps what its own request answered').toMatchObject({ status: 404, failure: 'http.4xx' });
    expect(dns).toEqual(obs[1]);

    // The engine sees the same window either way.
    const before = diagnose(real, obs, { now: end });
    const after = diagnose(await h.recent(0), await h.recentObservations(0), { now: end });
    expect([after.verdict, after.cause]).toEqual([before.verdict, before.cause]);
    expect(after.evidence.map((e) => e.id)).toEqual(before.evidence.map((e) => e.id));
    h.close();
  });

  it('a v1 database without its stores (damaged) is repaired, not left unopenable', async () => {
    const factory = new IDBFactory();
    await emptyDatabase(factory, 1);
    const h = new History({ idbFactory: factory, keyRange: IDBKeyRange });
    await h.ready;
    expect(h.health.storage).toBe('indexeddb');
    h.add(o('ecs.console.aliyun.com', { type: 'xhr' }));
    await h.flush();
    expect(await h.count()).toBe(1);
    h.close();
  });
});

describe('History schema v2 → v3', () => {
  it('rekeys every stored record by time, drops the index, keeps meta, and reads and prunes by time', async () => {
    const records = corpusOutcomes().map((o) => ({ ...o, source: 'browser' as const }));
    const end = Math.max(...records.map((o) => o.t));
    const factory = new IDBFactory();
    await createOld(factory, records, [], { dropped: 3 }, 2);
    const h = new History({ idbFactory: factory, keyRange: IDBKeyRange, now: () => end });
    await h.ready;
    expect(h.health).toEqual({ storage: 'indexeddb', dropped: 3 });
    expect(await h.count()).toBe(records.length);
    expect(await h.getMeta('migratedFrom')).toBe(2);
    const since = end - 60_000;
    const want = records.filter((o) => o.t >= since).sort((a, b) => a.t - b.t);
    expect(want.length).toBeGreaterThan(0);
    expect(await h.recent(since)).toEqual(want);
    h.close();
  });
});
