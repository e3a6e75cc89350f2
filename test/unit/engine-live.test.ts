/** LiveEngine: same answers as diagnose() on the same window (whole corpus), sliding eviction, `since`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceOf } from '../../src/core/catalogue/match';
import { diagnose, LiveEngine } from '../../src/core/engine';
import { readHar } from '../../src/core/har/read';
import type { Diagnosis, RequestOutcome } from '../../src/core/types';
import { CORPUS, realHarDir } from '../corpus/paths';

const expected = JSON.parse(readFileSync(join(CORPUS, '../expected.json'), 'utf8')) as Record<
  string,
  { watchAll?: boolean }
>;
const strip = (d: Diagnosis) => ({ ...d, since: null, at: 0 });

function load(path: string, watchAll: boolean): RequestOutcome[] {
  const r = readHar(JSON.parse(readFileSync(path, 'utf8')), watchAll ? (h) => serviceOf(h) ?? 'site' : serviceOf);
  if (!r.ok) throw new Error(r.error);
  return r.outcomes;
}

/** Every corpus capture with its watch-all flag, and the real captures (watch-all) when present. */
function corpusFiles(): [string, boolean][] {
  const files: [string, boolean][] = Object.entries(expected).map(([n, e]) => [join(CORPUS, `${n}.har`), !!e.watchAll]);
  const real = realHarDir();
  if (real) for (const f of readdirSync(real).filter((x) => x.endsWith('.har'))) files.push([join(real, f), true]);
  return files;
}

describe('LiveEngine ≡ diagnose() on the same window', () => {
  for (const [path, watchAll] of corpusFiles()) {
    it(path.split('/').pop()!, () => {
      const outs = load(path, watchAll);
      for (const window of [60_000, 15 * 60_000]) {
        const live = new LiveEngine(window);
        // check at several points along the stream, including the end
        const checkpoints = new Set([Math.floor(outs.length / 3), Math.floor((2 * outs.length) / 3), outs.length - 1]);
        outs.forEach((o, i) => {
          live.add(o);
          if (checkpoints.has(i)) {
            const now = o.t + 1;
            const batch = diagnose(outs.slice(0, i + 1), [], { now, window });
            expect(strip(live.diagnose(now))).toEqual(strip(batch));
          }
        });
      }
    });
  }
});

describe('LiveEngine fed in arrival order (as a browser reports requests: when they end) ≡ diagnose() at the end', () => {
  // A HAR is read in start order, a live browser reports each request when it ends: once everything has
  // arrived, both must reach the same verdict.
  for (const [path, watchAll] of corpusFiles()) {
    it(path.split('/').pop()!, () => {
      const outs = load(path, watchAll);
      const endOf = (o: RequestOutcome) => o.t + (o.ms ?? 0);
      const now = Math.max(...outs.map(endOf)) + 1;
      const live = new LiveEngine(15 * 60_000);
      for (const o of [...outs].sort((a, b) => endOf(a) - endOf(b))) live.add(o);
      const a = live.diagnose(now);
      const b = diagnose(outs, [], { now, window: 15 * 60_000 });
      expect({ verdict: a.verdict, cause: a.cause }).toEqual({ verdict: b.verdict, cause: b.cause });
    });
  }
});

describe('LiveEngine window and since', () => {
  const T = Date.parse('2023-11-12T09:39:00Z');
  const ok = (t: number, host = 'img.alicdn.com'): RequestOutcome => ({
    t,
    host,
    service: serviceOf(host),
    path: '/a.jpg',
    type: 'image',
    method: 'GET',
    status: 200,
    kind: 'ok',
    phase: 'ok',
    source: 'browser',
  });
  const bad = (t: number): RequestOutcome => ({
    ...ok(t, 'www.yuque.com'),
    status: 503,
    kind: 'http.5xx',
    phase: 'application',
  });

  it('evicts old events and recovers; since tracks when the verdict began', () => {
    const live = new LiveEngine(60_000);
    for (let i = 0; i < 10; i++) live.add(ok(T + i * 1000));
    expect(live.diagnose(T + 10_000).verdict).toBe('healthy');
    for (let i = 0; i < 5; i++) live.add(bad(T + 20_000 + i * 1000));
    const d1 = live.diagnose(T + 25_000);
    expect([d1.verdict, d1.cause]).toEqual(['provider', 'server-error']);
    expect(d1.since).toBe(T + 20_000);
    live.add(ok(T + 40_000));
    expect(live.diagnose(T + 41_000).since).toBe(T + 20_000);
    // the failures leave the window
    for (let i = 0; i < 6; i++) live.add(ok(T + 90_000 + i * 1000));
    const d2 = live.diagnose(T + 96_000);
    expect([d2.verdict, d2.cause]).toEqual(['healthy', 'none']);
    expect(live.size).toBeLessThan(10);
  });

  it('is cheap per event and per diagnosis', () => {
    const live = new LiveEngine();
    const start = performance.now();
    for (let i = 0; i < 200_000; i++)
      live.add(i % 97 === 0 ? bad(T + i * 10) : ok(T + i * 10, i % 2 ? 'img.alicdn.com' : 'g.alicdn.com'));
    const addMs = performance.now() - start;
    const s2 = performance.now();
    for (let k = 0; k < 20; k++) live.diagnose(T + 200_000 * 10 + k);
    const diagMs = (performance.now() - s2) / 20;
    expect(addMs / 200_000).toBeLessThan(0.02); // < 20 µs per event
    expect(diagMs).toBeLessThan(50);
  });
});
