import { describe, expect, it } from 'vitest';
import { LiveState, RECENT_FAILURES } from '../../src/core/live/live-state';
import type { RequestOutcome } from '../../src/core/types';
import { ctl, n, o as out } from './engine-fixtures';

const T0 = Date.UTC(2023, 10, 12, 9, 30);
function o(t: number, kind: RequestOutcome['kind'], extra: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t,
    host: 'img.alicdn.com',
    service: 'cdn',
    path: '/x.jpg',
    type: 'image',
    method: 'GET',
    status: kind === 'ok' ? 200 : 0,
    kind,
    phase: kind === 'ok' ? 'ok' : 'connection',
    source: 'browser',
    ...extra,
  };
}

describe('LiveState', () => {
  it('counts requests and failures per minute over the last hour, oldest first', () => {
    const s = new LiveState();
    s.add(o(T0, 'ok'));
    s.add(o(T0 + 1000, 'tcp.reset'));
    s.add(o(T0 + 60_000, 'aborted'));
    s.add(o(T0 - 61 * 60_000, 'tcp.reset')); // older than the hour: shares a ring slot, must not leak in
    const tl = s.timeline(T0 + 60_000);
    expect(tl.failures).toHaveLength(60);
    expect(tl.failures.reduce((a, b) => a + b, 0)).toBe(1);
    expect(tl.requests.reduce((a, b) => a + b, 0)).toBe(3);
    expect(tl.requests[58]).toBe(2);
    expect(tl.requests[59]).toBe(1);
    expect(tl.start).toBe(T0 - 58 * 60_000);
  });

  it('keeps the most recent failures, newest first, bounded', () => {
    const s = new LiveState();
    for (let i = 0; i < RECENT_FAILURES * 3; i++) s.add(o(T0 + i, 'tcp.reset', { path: `/${i}` }));
    const r = s.recentFailures();
    expect(r).toHaveLength(RECENT_FAILURES);
    expect(r[0]!.path).toBe(`/${RECENT_FAILURES * 3 - 1}`);
  });

  it('ignores probes as user traffic, and a seeded state diagnoses like a live one', () => {
    const outcomes: RequestOutcome[] = [];
    for (let i = 0; i < 30; i++)
      outcomes.push(
        o(T0 + i * 1000, i % 3 === 0 ? 'http.5xx' : 'ok', {
          status: i % 3 === 0 ? 504 : 200,
          phase: i % 3 === 0 ? 'application' : 'ok',
        }),
      );
    const live = new LiveState();
    for (const x of outcomes) live.add(x);
    live.add(o(T0, 'tcp.reset', { source: 'probe' }));
    const seeded = new LiveState();
    seeded.seed(outcomes, []);
    const now = T0 + 31_000;
    const a = live.diagnose(now);
    const b = seeded.diagnose(now);
    expect(b.verdict).toBe(a.verdict);
    expect(b.cause).toBe(a.cause);
    expect(live.timeline(now).requests.reduce((x, y) => x + y, 0)).toBe(30);
    expect(live.diagnosis).toBe(a);
    live.clear();
    expect(live.diagnosis).toBeNull();
    expect(live.recentFailures()).toEqual([]);
  });
  it('a worker rebuilt from history gives the verdict the running one gave, a minute after the traffic too', () => {
    // The CDN answers 504 slowly to 10 pictures, then 8 later pictures load at once: the failures arrive last.
    // History hands them back by start time; the running worker saw them as they ended.
    const fails = n(10, (i) => out('img.alicdn.com', { at: i * 0.5, ms: 20_000, status: 504, path: `/f/${i}.jpg` }));
    const oks = n(8, (i) => out('img.alicdn.com', { at: 5 + i * 0.5, ms: 30, path: `/o/${i}.jpg` }));
    const arrival = [...ctl(4).map((c) => ({ ...c, ms: 30 })), ...oks, ...fails];
    const running = new LiveState();
    for (const x of arrival) running.add(x);
    const rebuilt = new LiveState();
    rebuilt.seed(
      [...arrival].sort((a, b) => a.t - b.t),
      [],
    );
    const t0 = Math.min(...arrival.map((x) => x.t));
    for (const s of [30, 90]) {
      const a = running.diagnose(t0 + s * 1000);
      const b = rebuilt.diagnose(t0 + s * 1000);
      expect([b.verdict, b.cause], `${s} s`).toEqual([a.verdict, a.cause]);
      expect([a.verdict, a.cause], `${s} s`).toEqual(['provider', 'cdn']);
    }
  });
});
