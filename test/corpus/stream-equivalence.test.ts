/**
 * The streaming reader (what the command line uses) and the in-memory path (JSON.parse + readHar, what it used
 * before) give the same outcomes — hence the same verdicts — on every committed corpus HAR and on the optional
 * real captures, whatever the chunking.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
  const real = realHarDir();
  it.skipIf(real === null)('on every real capture', () => {
    const files = readdirSync(real!).filter((f) => f.endsWith('.har'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) check(join(real!, f));
  });
});
