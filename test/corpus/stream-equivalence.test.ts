/**
 * The streaming reader (what the command line uses) and the in-memory path (JSON.parse + readHar, what it used
 * before) give the same outcomes — hence the same verdicts — on every committed corpus HAR and on the optional
 * real captures, whatever the chunking.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceOf } from '../../src/core/catalogue/match';
import { readHarFile } from '../../src/cli/main';
import { nodeIo } from '../../src/cli/io';
import { HarStream } from '../../src/core/har/stream';
import type { WatchFn } from '../../src/core/har/read';
import { readHarInMemory } from './in-memory';
import { CORPUS, realHarDir } from './paths';

const watchAll: WatchFn = (h) => serviceOf(h) ?? 'site';

function check(path: string) {
  const bytes = new Uint8Array(readFileSync(path));
  for (const watch of [serviceOf, watchAll]) {
    const want = readHarInMemory(bytes, watch);
    expect(want.ok, path).toBe(true);
    // odd small chunks, with the pure decoders
    const s = new HarStream(watch);
    for (let i = 0; i < bytes.length; i += 4093) s.write(bytes.subarray(i, i + 4093));
    const { tool: _t, ...got } = s.end() as { tool: string };
    expect(got).toEqual(want);
  }
}

describe('streaming = in-memory', () => {
  const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.har'));
  it('on every corpus HAR', () => {
    expect(corpus.length).toBeGreaterThan(30);
    for (const f of corpus) check(join(CORPUS, f));
  });
  it('through the command line’s own file reading (1 MB chunks, Node decoders)', async () => {
    for (const f of corpus) {
      const path = join(CORPUS, f);
      const want = readHarInMemory(new Uint8Array(readFileSync(path)), serviceOf);
      const { tool: _t, ...got } = (await readHarFile(nodeIo(), path, serviceOf)) as { tool: string };
      expect(got, f).toEqual(want);
    }
  });
  it('a file whose pages come after its entries is read again with them', async () => {
    const e = (i: number, page: string, status: number) => ({
      startedDateTime: new Date(Date.parse('2023-11-12T09:39:00Z') + i * 1000).toISOString(),
      pageref: page,
      request: { method: 'GET', url: `https://img.alicdn.com/${i}.png`, headers: [] },
      response: { status, headers: [], content: { mimeType: 'image/png' } },
    });
    const har = {
      log: {
        entries: [e(0, 'page_1', 200), e(1, 'page_2', 503), e(2, 'page_2', 503)],
        pages: [{ id: 'page_2', title: 'https://shop.example/' }],
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'faultline-pages-'));
    try {
      const path = join(dir, 'late-pages.har');
      writeFileSync(path, JSON.stringify(har));
      const want = readHarInMemory(new Uint8Array(readFileSync(path)), serviceOf);
      expect(want.ok && want.skipped).toBe(2); // page_2's failures: forgeable, known by its URL
      const { tool: _t, ...got } = (await readHarFile(nodeIo(), path, serviceOf)) as { tool: string };
      expect(got).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const real = realHarDir();
  it.skipIf(real === null)('on every real capture', () => {
    const files = readdirSync(real!).filter((f) => f.endsWith('.har'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) check(join(real!, f));
  });
});
