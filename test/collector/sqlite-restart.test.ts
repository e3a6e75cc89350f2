/**
 * SQLite store: what was accepted survives a graceful restart ("already voted" included); the file is locked so
 * that a second collector cannot double-count; the volume bound holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DatabaseLockedError, SqliteStore } from '../../collector/src/sqlite-store';
import type { Vote } from '../../collector/src/store';

const dir = mkdtempSync(join(tmpdir(), 'faultline-collector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MINUTE = Date.UTC(2025, 5, 10, 12, 3);
const vote = (voter: string, minute = MINUTE): Vote => ({
  service: 'oss',
  minute,
  voter,
  net: `net-${voter}`,
  phase: 'dns',
  verdict: 'unclear',
});

it('flushes on close and reloads "already voted" from disk', async () => {
  const path = join(dir, 'c.sqlite');
  let s = new SqliteStore(path, { flushMs: 60_000 });
  expect(await s.ingest([vote('a'), vote('b')])).toBe(2);
  await s.close(); // the flush timer has not fired: close() must write
  s = new SqliteStore(path);
  expect(await s.ingest([vote('a'), vote('c')])).toBe(1); // a already voted this minute
  expect(await s.volume()).toBe(3);
  const rows = await s.minuteRows(MINUTE, MINUTE + 60_000);
  expect(rows).toEqual([{ service: 'oss', minute: MINUTE, phase: 'dns', verdict: 'unclear', n: 3 }]);
  expect(await s.distinct(MINUTE, MINUTE + 60_000)).toEqual([{ service: 'oss', voters: 3, networks: 3 }]);
  await s.close();
});

it('a second store on the same file is refused with one clear line, and the first keeps working', async () => {
  const path = join(dir, 'locked.sqlite');
  const first = new SqliteStore(path);
  let err: unknown;
  try {
    new SqliteStore(path);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatabaseLockedError);
  expect((err as Error).message).toBe(
    `${path} is in use by another collector: one collector per SQLite file (for several instances use COLLECTOR_STORE=redis)`,
  );
  expect(await first.ingest([vote('x')])).toBe(1);
  expect(await first.volume()).toBe(1);
  await first.close();
  const again = new SqliteStore(path); // released on close
  expect(await again.volume()).toBe(1);
  await again.close();
});

it('prune holds the volume bound: the oldest minutes go first', async () => {
  const s = new SqliteStore(':memory:');
  for (let m = 0; m < 10; m++) {
    await s.ingest(Array.from({ length: 100 }, (_, i) => vote(`v${i}`, MINUTE + m * 60_000)));
  }
  expect(await s.volume()).toBe(1000);
  await s.prune(MINUTE + 10 * 60_000, { maxVotes: 450 });
  expect(await s.volume()).toBe(400);
  const left = await s.minuteRows(MINUTE, MINUTE + 10 * 60_000);
  expect(left.map((r) => (r.minute - MINUTE) / 60_000).sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
  await s.close();
});
