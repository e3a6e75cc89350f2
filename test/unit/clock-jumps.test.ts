/**
 * The system clock jumps back an hour or forward a day while an incident is in the window: the live window, the
 * timeline, retention and the recovery of a restarted worker (seeding from history) stay sane. Also: the live
 * window is bounded by count as well as by time.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { History } from '../../src/background/history';
import { FUTURE_SLACK_MS, LiveEngine, MAX_WINDOW_OBSERVATIONS, MAX_WINDOW_OUTCOMES } from '../../src/core/engine/live';
import { diagnose } from '../../src/core/engine/diagnose';
import { LiveState } from '../../src/core/live/live-state';
import { WINDOW_MS } from '../../src/core/engine/thresholds';
import type { Observation, RequestOutcome } from '../../src/core/types';
import { ctl, n, o, okImgs, sec } from './engine-fixtures';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A CDN outage in progress at `at` seconds: pictures reset, the console and control sites work. */
function outage(at: number): RequestOutcome[] {
  return [
    ...n(12, (i) => o('img.alicdn.com', { at: at + i, path: `/i/${i}.jpg`, error: 'net::ERR_CONNECTION_RESET' })),
    ...n(6, (i) => o('g.alicdn.com', { at: at + i, path: `/j/${i}.js`, type: 'script', status: 504 })),
    ...n(6, (i) => o('ecs.console.aliyun.com', { at: at + i, type: 'xhr' })),
    ...ctl(4, at),
  ];
}

/** Healthy browsing starting at absolute time `t`. */
function healthy(t: number): RequestOutcome[] {
  return [...okImgs(10), ...n(6, (i) => o('ecs.console.aliyun.com', { at: i, type: 'xhr' })), ...ctl(4)].map(
    (x, i) => ({ ...x, t: t + i * 1000 }),
  );
}

const vc = (d: { verdict: string; cause: string }) => [d.verdict, d.cause];

describe('the live window is bounded by count as well as time', () => {
  it('holds at most MAX_WINDOW_OUTCOMES outcomes however fast they come, and answers like diagnose() on them', () => {
    const e = new LiveEngine();
    const all: RequestOutcome[] = [];
    // 60,000 requests in 6 seconds (a burst far above any real page), inside one window.
    for (let i = 0; i < 60_000; i++) {
      const x =
        i % 7 === 0 ? o('img.alicdn.com', { at: i / 10_000, status: 504 }) : o('img.alicdn.com', { at: i / 10_000 });
      all.push(x);
      e.add(x);
    }
    for (let i = 0; i < 5000; i++)
      e.addObservation({ kind: 'probe', t: sec(i / 1000), probe: 'control', target: 'www.qq.com', ok: true });
    expect(MAX_WINDOW_OUTCOMES).toBe(10_000);
    expect(e.size).toBe(MAX_WINDOW_OUTCOMES + MAX_WINDOW_OBSERVATIONS);
    const now = sec(10);
    const d = e.diagnose(now);
    const kept = all.slice(-MAX_WINDOW_OUTCOMES);
    const ref = diagnose(kept, [], { now });
    expect(vc(d)).toEqual(vc(ref));
    expect(d.services).toEqual(ref.services);
  });

  it('LiveState keeps its window bounded too', () => {
    const s = new LiveState();
    for (let i = 0; i < 30_000; i++) s.add(o('img.alicdn.com', { at: i / 10_000 }));
    const d = s.diagnose(sec(5));
    expect(d.services.find((x) => x.id === 'cdn')!.requests).toBe(MAX_WINDOW_OUTCOMES);
  });
});

describe('clock set back an hour', () => {
  it('the incident from before the jump does not hold the verdict; new traffic decides; since is not in the future', () => {
    const s = new LiveState();
    for (const x of outage(0)) s.add(x);
    const during = s.diagnose(sec(30));
    expect(vc(during)).toEqual(['provider', 'cdn']);
    // The clock now reads an hour earlier; browsing goes on and works.
    const back = sec(60) - HOUR;
    for (const x of healthy(back)) s.add(x);
    const after = s.diagnose(back + 30_000);
    expect(vc(after)).toEqual(['healthy', 'none']);
    expect(after.since).not.toBeNull();
    expect(after.since!).toBeLessThanOrEqual(back + 30_000);
    // The timeline shows the minutes as the clock reads them now: only the new traffic.
    const tl = s.timeline(back + 30_000);
    expect(tl.requests.reduce((a, b) => a + b, 0)).toBe(healthy(back).length);
    expect(tl.failures.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('an incident after the jump is diagnosed as usual (the rebuilt window keeps what is in it)', () => {
    const e = new LiveEngine();
    for (const x of healthy(sec(0))) e.add(x);
    const back = sec(100) - HOUR;
    e.diagnose(back); // notices the jump
    const later = outage(0).map((x) => ({ ...x, t: x.t - HOUR + 120_000 }));
    for (const x of later) e.add(x);
    expect(vc(e.diagnose(back + 150_000))).toEqual(['provider', 'cdn']);
  });

  it('a jump smaller than the slack is left alone (no rebuild churn on small corrections)', () => {
    const e = new LiveEngine();
    for (const x of outage(0)) e.add(x);
    expect(vc(e.diagnose(sec(30) - FUTURE_SLACK_MS / 2))).toEqual(['provider', 'cdn']);
  });
});

describe('clock set forward a day', () => {
  it('the window empties (nothing recent), then new failures are diagnosed at once', () => {
    const s = new LiveState();
    for (const x of outage(0)) s.add(x);
    expect(vc(s.diagnose(sec(30)))).toEqual(['provider', 'cdn']);
    const fwd = sec(30) + DAY;
    expect(s.diagnose(fwd).verdict).not.toBe('provider');
    for (const x of outage(0).map((y) => ({ ...y, t: y.t + DAY + 60_000 }))) s.add(x);
    expect(vc(s.diagnose(fwd + 90_000))).toEqual(['provider', 'cdn']);
  });
});

describe('history and worker recovery across clock jumps', () => {
  const histories: History[] = [];
  afterEach(() => {
    for (const h of histories.splice(0)) h.close();
  });

  function history(factory: IDBFactory, clock: { now: number }) {
    const h = new History({ idbFactory: factory, keyRange: IDBKeyRange, now: () => clock.now, maxOutcomes: 1000 });
    histories.push(h);
    return h;
  }

  /** What the worker does when it starts: seed the live state from the window of stored history. */
  async function restart(h: History, now: number): Promise<LiveState> {
    const s = new LiveState();
    const [outs, obs] = await Promise.all([
      h.recent(now - WINDOW_MS, now + FUTURE_SLACK_MS),
      h.recentObservations(now - WINDOW_MS, now + FUTURE_SLACK_MS),
    ]);
    s.seed(outs, obs);
    return s;
  }

  it('back an hour: a restarted worker is not seeded with the records written before the jump', async () => {
    const factory = new IDBFactory();
    const clock = { now: sec(30) };
    const h = history(factory, clock);
    for (const x of outage(0)) h.add(x);
    const probe: Observation = { kind: 'probe', t: sec(20), probe: 'control', target: 'www.qq.com', ok: true };
    h.addObservation(probe);
    await h.flush();
    expect(vc((await restart(h, clock.now)).diagnose(clock.now))).toEqual(['provider', 'cdn']);
    clock.now = sec(60) - HOUR;
    for (const x of healthy(clock.now - 30_000)) h.add(x);
    await h.flush();
    const s = await restart(h, clock.now);
    expect(vc(s.diagnose(clock.now))).toEqual(['healthy', 'none']);
    // Retention at the earlier clock deletes nothing written before or after the jump.
    expect(await h.prune()).toBe(0);
    expect(await h.count()).toBe(outage(0).length + healthy(0).length);
  });

  it('forward a day: retention deletes at most the day the clock skipped, and the caps still hold', async () => {
    const factory = new IDBFactory();
    const clock = { now: sec(0) };
    const h = history(factory, clock);
    // One record per half day over the last 7 days, oldest first.
    for (let k = 14; k >= 1; k--) h.add(o('img.alicdn.com', { at: (-k * DAY) / 2 / 1000 }));
    await h.flush();
    clock.now = sec(0) + DAY;
    expect(await h.prune()).toBe(2); // the ones 6.5 and 7 days old were, by the new clock, older than 7 days
    const left = await h.recent(0);
    expect(left).toHaveLength(12);
    expect(Math.min(...left.map((x) => x.t))).toBe(sec(0) - 6 * DAY);
    // Records keep coming with the new clock; the count cap holds whatever the times say.
    for (let i = 0; i < 3000; i++) h.add(o('img.alicdn.com', { at: DAY / 1000 + i }));
    await h.flush();
    expect(await h.count()).toBe(1000);
    const s = await restart(h, clock.now + 3000_000);
    expect(s.diagnose(clock.now + 3000_000).verdict).toBe('healthy');
  });
});
