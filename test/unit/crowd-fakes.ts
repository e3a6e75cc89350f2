/** Fakes for crowd mode's effects (src/background/crowd.ts CrowdDeps), shared by unit and end-to-end tests. */
import type { CrowdDeps } from '../../src/background/crowd';

/** storage.local in memory, JSON round-tripped like the real one; counts writes. */
export function memoryKV(): CrowdDeps['kv'] & { data: Map<string, string>; writes: number } {
  const data = new Map<string, string>();
  const kv = {
    data,
    writes: 0,
    async get(k: string) {
      const v = data.get(k);
      return v === undefined ? undefined : JSON.parse(v);
    },
    async set(k: string, v: unknown) {
      kv.writes++;
      data.set(k, JSON.stringify(v));
    },
  };
  return kv;
}

/** The send alarm in memory; `sets` lists every time it was (re)scheduled. */
export function fakeAlarm(): CrowdDeps['alarm'] & { sets: number[] } {
  let at: number | null = null;
  const sets: number[] = [];
  return {
    sets,
    get: async () => at,
    set: async (when: number) => {
      at = when;
      sets.push(when);
    },
  };
}
