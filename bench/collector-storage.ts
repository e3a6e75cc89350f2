/**
 * Storage growth of the collector per million reports, both stores: one million votes (100,000 distinct voters a
 * minute on 4,000 networks, for ten minutes, three services) ingested straight into the store, then the bytes held:
 * the SQLite file (+ WAL) and Redis used_memory. Bounded: exactly 10⁶ votes. `tsx bench/collector-storage.ts`.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisStore } from '../collector/src/redis-store';
import { SqliteStore } from '../collector/src/sqlite-store';
import { spawnRedis } from '../collector/src/spawn-redis';
import type { Store, Vote } from '../collector/src/store';

export const VOTES = 1_000_000;
const PER_MINUTE = 100_000;
const T0 = Date.UTC(2025, 5, 10, 12, 0);
const SERVICES = ['oss', 'cdn', 'login'] as const;

function* votes(): Generator<Vote[]> {
  for (let m = 0; m < VOTES / PER_MINUTE; m++) {
    for (let off = 0; off < PER_MINUTE; off += 10_000) {
      const batch: Vote[] = [];
      for (let i = off; i < off + 10_000; i++) {
        const voter = (m * PER_MINUTE + i).toString(16).padStart(16, '0');
        batch.push({
          service: SERVICES[i % 3]!,
          minute: T0 + m * 60_000,
          voter,
          net: (i % 4000).toString(16).padStart(16, '0'),
          phase: 'application',
          verdict: 'provider',
        });
      }
      yield batch;
    }
  }
}

async function fill(store: Store): Promise<void> {
  for (const batch of votes()) await store.ingest(batch);
}

export interface StorageRow {
  store: 'sqlite' | 'redis';
  bytesPerMillion: number;
  note: string;
}

export async function benchStorage(): Promise<StorageRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-storage-'));
  const rows: StorageRow[] = [];
  try {
    const path = join(dir, 'c.sqlite');
    const s = new SqliteStore(path);
    await fill(s);
    await s.close();
    const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    rows.push({ store: 'sqlite', bytesPerMillion: size, note: 'file + WAL after close; votes kept 2 h, then pruned' });

    const redis = await spawnRedis();
    const r = new Redis(redis.url);
    try {
      const before = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1]);
      const rs = await RedisStore.connect({ url: redis.url, log: () => {} });
      await fill(rs);
      const after = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1]);
      await rs.close();
      rows.push({
        store: 'redis',
        bytesPerMillion: after - before,
        note: 'used_memory; the per-voter sets live 3 min, HyperLogLogs ≤ 12 KB each, so this is a peak, not a floor',
      });
    } finally {
      await r.quit();
      await redis.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function storageMarkdown(rows: readonly StorageRow[]): string {
  return [
    `${VOTES.toLocaleString('en')} votes (${PER_MINUTE.toLocaleString('en')} distinct voters a minute, 4,000 networks, 3 services, 10 minutes) written straight into each store`,
    '',
    '| store | bytes held per million reports | |',
    '|---|---:|---|',
    ...rows.map((x) => `| ${x.store} | ${(x.bytesPerMillion / 2 ** 20).toFixed(1)} MiB | ${x.note} |`),
  ].join('\n');
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  benchStorage().then(
    (rows) => console.log(storageMarkdown(rows)),
    (err: unknown) => {
      console.error(`storage bench: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
