/**
 * The popup's snapshot in storage.session (src/background/snapshot.ts): written only when something changed,
 * coalesced, never on a timer chain — an idle worker has nothing pending.
 */
import { describe, expect, it } from 'vitest';
import { SnapshotWriter, whatItSays } from '../../src/background/snapshot';
import type { PopupState } from '../../src/core/messages';
import type { Diagnosis } from '../../src/core/types';

/** A writer; `rebuilt` (default): the worker has rebuilt its state and restored what storage held (nothing). */
function setup(current: () => Diagnosis, rebuilt = true) {
  const timers: (() => void)[] = [];
  const written: PopupState[] = [];
  const w = new SnapshotWriter({
    delayMs: 1000,
    setTimer: (fn) => void timers.push(fn),
    build: () => state(current()),
    write: async (s) => void written.push(s),
  });
  if (rebuilt) w.restore(undefined);
  /** Fire the pending timers, as the clock would. */
  const tick = async () => {
    for (const fn of timers.splice(0)) fn();
    await Promise.resolve();
  };
  return { w, timers, written, tick };
}

const d = (over: Partial<Diagnosis> = {}): Diagnosis => ({
  verdict: 'provider',
  cause: 'cdn',
  services: [{ id: 'cdn', state: 'failing', requests: 40, failures: 30, hosts: ['img.alicdn.com', 'g.alicdn.com'] }],
  evidence: [
    {
      id: 'server-5xx',
      text: { key: 'evidence_server_5xx', args: [30, 'img.alicdn.com'] },
      count: 30,
      hosts: ['img.alicdn.com', 'g.alicdn.com'],
      first: 1000,
      last: 2000,
      ids: [{ eagleId: 'a1' }, { eagleId: 'a2' }],
    },
  ],
  advice: [{ id: 'wait', text: { key: 'advice_wait' }, action: 'open-status' }],
  since: 1000,
  at: 2000,
  ...over,
});

const state = (diagnosis: Diagnosis): PopupState => ({
  diagnosis,
  timeline: { start: 0, bucketMs: 60_000, failures: [], requests: [] },
  recentFailures: [],
  stored: 0,
  extensionVersion: '0.1.0',
});

describe('SnapshotWriter', () => {
  it('writes once for a burst of events, then nothing while nothing changes', async () => {
    let cur = d({ at: 1 });
    const { w, timers, written, tick } = setup(() => cur);
    for (let i = 0; i < 50; i++) w.eventsArrived();
    w.diagnosed(cur);
    w.diagnosed(cur);
    expect(timers).toHaveLength(1);
    await tick();
    expect(written).toHaveLength(1);
    // Recomputed later (the minute tick, the popup): same verdict, only `at` and `since` moved → no write, no timer.
    cur = d({ at: 61_000, since: 5 });
    w.diagnosed(cur);
    expect(timers).toHaveLength(0);
    await tick();
    expect(written).toHaveLength(1);
  });

  it('writes when the verdict says something else, even without events', async () => {
    let cur = d();
    const { w, written, tick } = setup(() => cur);
    w.diagnosed(cur);
    await tick();
    cur = d({ verdict: 'healthy', cause: 'none' });
    w.diagnosed(cur);
    await tick();
    expect(written.map((s) => s.diagnosis.verdict)).toEqual(['provider', 'healthy']);
  });

  it('a woken worker whose verdict is what the stored snapshot says writes nothing', async () => {
    const stored = state(d());
    // Storage gives objects back with their keys in another order (Chromium sorts them).
    const sorted = JSON.parse(JSON.stringify(stored, (_k, v: unknown) => sortKeys(v))) as PopupState;
    const { w, timers, written } = setup(() => d());
    w.restore(sorted);
    w.diagnosed(d({ at: 99, since: 98 }));
    expect(timers).toHaveLength(0);
    expect(written).toHaveLength(0);
  });

  it('a pending write can be made at once (the event page is being unloaded), and only once', async () => {
    const { w, written, tick } = setup(() => d());
    w.eventsArrived();
    w.diagnosed(d());
    await w.flush();
    expect(written).toHaveLength(1);
    await tick();
    await w.flush();
    expect(written).toHaveLength(1);
  });

  it('writes nothing before the worker has rebuilt its state, then what changed', async () => {
    // A woken Firefox event page reached by a late event, a settings change or runtime.onSuspend before its live
    // state is rebuilt from history: its diagnosis is an empty "healthy, 0 requests", not news.
    const empty = d({ verdict: 'healthy', cause: 'none', services: [], evidence: [], advice: [] });
    let cur = empty;
    const { w, timers, written, tick } = setup(() => cur, false);
    w.eventsArrived();
    w.diagnosed(empty);
    expect(timers).toHaveLength(0);
    await w.flush();
    expect(written).toHaveLength(0);
    // Rebuilt: what storage holds says the same as the rebuilt state, but events did arrive meanwhile.
    cur = d();
    w.restore(state(d({ at: 5 })));
    w.diagnosed(cur);
    await tick();
    expect(written.map((s) => s.diagnosis.verdict)).toEqual(['provider']);
  });

  it('what it says ignores times and samples, not counts', () => {
    const a = d();
    const b = structuredClone(a);
    b.at += 1000;
    b.evidence[0]!.first += 5;
    b.evidence[0]!.hosts = [...b.evidence[0]!.hosts].reverse();
    expect(whatItSays(b)).toBe(whatItSays(a));
    b.evidence[0]!.count += 1;
    expect(whatItSays(b)).not.toBe(whatItSays(a));
  });
});

function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)));
}
