/**
 * The live engine: fed event by event, keeps a sliding window with amortised O(1) work per event (a FIFO of
 * classified outcomes; the Tally's counters and queues are added to and evicted from, never rescanned).
 * diagnose(now) evicts what fell out of the window and runs the rules over the aggregate, in
 * O(hosts + failures + redirects) — cheap enough for a few calls per second. No timers: the caller schedules.
 *
 * Same answers as diagnose() on the same window (test/unit/engine-live.test.ts): at every point when events are
 * added in the order of their start time, and once all have arrived when they are added in the order a browser
 * reports them, their end time (every corpus capture, both ways).
 */
import type { Diagnosis, Observation, RequestOutcome } from '../types';
import { decide } from './diagnose';
import { Deque } from './deque';
import { type Item, Tally } from './tally';
import { WINDOW_MS } from './thresholds';

/**
 * The window is bounded by count as well as by time: under very heavy traffic it holds the newest outcomes
 * (and observations) only, so memory and the cost of a diagnosis stay flat however fast events arrive.
 */
export const MAX_WINDOW_OUTCOMES = 10_000;
export const MAX_WINDOW_OBSERVATIONS = 1_000;
/**
 * An event this far after `now` can only come from before the clock was set back: the window is rebuilt
 * without such events (they would otherwise stay in it, and hold its verdict, until the clock catches up).
 * Smaller jumps back are left alone: what they leave behind leaves the window within this long.
 */
export const FUTURE_SLACK_MS = 5 * 60_000;

export class LiveEngine {
  private tally = new Tally();
  private items = new Deque<Item>();
  private observations = new Deque<Observation>();
  /** Latest start time added (to notice a clock set back in O(1)). */
  private newest = -Infinity;
  private current: { key: string; since: number | null } | null = null;

  constructor(
    readonly window: number = WINDOW_MS,
    readonly maxOutcomes: number = MAX_WINDOW_OUTCOMES,
    readonly maxObservations: number = MAX_WINDOW_OBSERVATIONS,
  ) {}

  /** One request outcome. Probe outcomes are ignored (observations of kind 'probe' carry probe results). */
  add(o: RequestOutcome): void {
    if (o.source === 'probe') return;
    const it = Tally.classify(o);
    this.items.push(it);
    this.tally.add(it);
    if (o.t > this.newest) this.newest = o.t;
    if (this.items.length > this.maxOutcomes) this.tally.remove(this.items.shift()!);
  }

  addObservation(o: Observation): void {
    this.observations.push(o);
    if (o.t > this.newest) this.newest = o.t;
    if (this.observations.length > this.maxObservations) this.observations.shift();
  }

  /** Events currently held. */
  get size(): number {
    return this.items.length + this.observations.length;
  }

  private evict(now: number): void {
    if (this.newest > now + FUTURE_SLACK_MS) this.rebuild(now);
    const from = now - this.window;
    for (let it = this.items.peek(); it && it.o.t < from; it = this.items.peek()) {
      this.items.shift();
      this.tally.remove(it);
    }
    for (let o = this.observations.peek(); o && o.t < from; o = this.observations.peek()) this.observations.shift();
  }

  diagnose(now: number): Diagnosis {
    this.evict(now);
    const d = decide(this.tally, this.observations.toArray(), now);
    // `since`: when the current verdict began. Kept while verdict and cause stay the same.
    const key = d.verdict + '/' + d.cause;
    if (!this.current || this.current.key !== key) this.current = { key, since: d.since ?? now };
    else if (d.since !== null && this.current.since !== null && d.since < this.current.since)
      this.current.since = d.since;
    d.since = this.current.since;
    return d;
  }

  /**
   * The clock was set back: keep only what lies in the window as the clock now reads it, in start-time order,
   * in a fresh tally (its recovery marks then match the events that are left).
   */
  private rebuild(now: number): void {
    const from = now - this.window;
    const until = now + FUTURE_SLACK_MS;
    const keep = (t: number) => t >= from && t <= until;
    const items = this.items.toArray().filter((it) => keep(it.o.t));
    items.sort((a, b) => a.o.t - b.o.t);
    const obs = this.observations.toArray().filter((o) => keep(o.t));
    this.tally = new Tally();
    this.items = new Deque<Item>();
    this.observations = new Deque<Observation>();
    this.newest = -Infinity;
    for (const it of items) {
      this.items.push(it);
      this.tally.add(it);
      if (it.o.t > this.newest) this.newest = it.o.t;
    }
    for (const o of obs) {
      this.observations.push(o);
      if (o.t > this.newest) this.newest = o.t;
    }
    if (this.current?.since !== null && this.current !== null && this.current.since > until) this.current = null;
  }
}
