/**
 * The live engine: fed event by event, keeps a sliding window with amortised O(1) work per event (a FIFO of
 * classified outcomes; the Tally's counters and queues are added to and evicted from, never rescanned).
 * diagnose(now) evicts what fell out of the window and runs the rules over the aggregate, in
 * O(hosts + failures + redirects) — cheap enough for a few calls per second. No timers: the caller schedules.
 *
 * Same answers as diagnose() on the same window (test/unit/engine-live.test.ts), provided events are added in
 * the order of their start time (the order the edge emits, up to in-flight overlap).
 */
import type { Diagnosis, Observation, RequestOutcome } from '../types';
import { decide } from './diagnose';
import { Deque } from './deque';
import { type Item, Tally } from './tally';
import { WINDOW_MS } from './thresholds';

export class LiveEngine {
  private readonly tally = new Tally();
  private readonly items = new Deque<Item>();
  private readonly observations = new Deque<Observation>();
  private current: { key: string; since: number | null } | null = null;

  constructor(readonly window: number = WINDOW_MS) {}

  /** One request outcome. Probe outcomes are ignored (observations of kind 'probe' carry probe results). */
  add(o: RequestOutcome): void {
    if (o.source === 'probe') return;
    const it = Tally.classify(o);
    this.items.push(it);
    this.tally.add(it);
  }

  addObservation(o: Observation): void {
    this.observations.push(o);
  }

  /** Events currently held. */
  get size(): number {
    return this.items.length + this.observations.length;
  }

  private evict(now: number): void {
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
}
