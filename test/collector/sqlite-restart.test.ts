/** SQLite write-behind: what was accepted survives a graceful restart, dedupe included. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteStore } from '../../collector/src/sqlite-store';

const dir = mkdtempSync(join(tmpdir(), 'faultline-collector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MINUTE = Date.UTC(2025, 5, 10, 12, 3);
const r = (token: string) => ({
  service: 'oss' as const,
  phase: 'dns' as const,
  verdict: 'unclear' as const,
  token,
  minute: MINUTE,
});

it('flushes on close and reloads the dedupe window from disk', async () => {
  const path = join(dir, 'c.sqlite');
  let s = new SqliteStore(path, { flushMs: 60_000 });
  expect(await s.ingest([r('a'.repeat(32)), r('b'.repeat(32))], 'addr1')).toBe(2);
  await s.close(); // the flush timer has not fired: close() must write
  s = new SqliteStore(path);
  expect(await s.ingest([r('a'.repeat(32)), r('c'.repeat(32))], 'addr2')).toBe(1); // token a already counted
  const oss = (await s.counts(MINUTE + 30_000, 7)).find((c) => c.service === 'oss');
  expect(oss?.m15).toBe(3);
  expect(oss?.reporters15).toBe(3);
  expect(oss?.addresses15).toBe(2);
  expect(oss?.byVerdict15).toEqual({ unclear: 3 });
  await s.close();
});
