/**
 * Everything the popup and the badge need, kept incrementally in the worker's memory so that answering the
 * popup never scans history: the live engine (sliding window), failures per minute for the last hour, and the
 * most recent failures. Rebuilt from stored history when the worker starts (seed), so a stopped worker comes
 * back with the same verdict. Pure: no browser API, no timers.
 */
import type { Diagnosis, Observation, RequestOutcome } from '../types';
import { LiveEngine } from '../engine/live';
import { isFailureKind } from '../taxonomy/browser-errors';

export const TIMELINE_MINUTES = 60;
export const BUCKET_MS = 60_000;
export const RECENT_FAILURES = 50;

export interface Timeline {
  start: number;
  bucketMs: number;
  failures: number[];
  requests: number[];
}

export class LiveState {
  private engine = new LiveEngine();
  /** Ring of per-minute counters, indexed by absolute minute modulo TIMELINE_MINUTES. */
  private readonly fails = new Array<number>(TIMELINE_MINUTES).fill(0);
  private readonly reqs = new Array<number>(TIMELINE_MINUTES).fill(0);
  private readonly minuteOf = new Array<number>(TIMELINE_MINUTES).fill(-1);
  private readonly recent: RequestOutcome[] = [];
  private last: Diagnosis | null = null;

  /** Per-event path: O(1). */
  add(o: RequestOutcome): void {
    if (o.source === 'probe') return;
    this.engine.add(o);
    const minute = Math.floor(o.t / BUCKET_MS);
    const i = minute % TIMELINE_MINUTES;
    if (this.minuteOf[i] !== minute) {
      this.minuteOf[i] = minute;
      this.fails[i] = 0;
      this.reqs[i] = 0;
    }
    this.reqs[i]!++;
    if (isFailureKind(o.kind)) {
      this.fails[i]!++;
      this.recent.push(o);
      if (this.recent.length > RECENT_FAILURES * 2) this.recent.splice(0, this.recent.length - RECENT_FAILURES);
    }
  }

  addObservation(o: Observation): void {
    this.engine.addObservation(o);
  }

  /**
   * Rebuild from history, in the order the running worker saw the events: an outcome when its request ended
   * (start + duration), an observation when it was made. Not by start time: the engine's recovery counts the
   * successes that arrived after the newest failure, and a picture that failed slowly arrives after ones that
   * started later and worked — replayed by start time, a woken worker would call recovered what the running
   * one did not (and rewrite the popup's snapshot, clear the incident) a minute after the last traffic.
   */
  seed(outcomes: readonly RequestOutcome[], observations: readonly Observation[]): void {
    const arrived = (x: RequestOutcome | Observation) => ('source' in x ? x.t + (x.ms ?? 0) : x.t);
    const all: (RequestOutcome | Observation)[] = [...outcomes, ...observations].sort(
      (a, b) => arrived(a) - arrived(b),
    );
    for (const x of all) {
      if ('source' in x) this.add(x);
      else this.addObservation(x);
    }
  }

  /** Recompute the diagnosis (a few times per second at most; the caller throttles). */
  diagnose(now: number): Diagnosis {
    this.last = this.engine.diagnose(now);
    return this.last;
  }

  /** Events held by the live window (bounded by count and time). */
  get windowSize(): number {
    return this.engine.size;
  }

  get diagnosis(): Diagnosis | null {
    return this.last;
  }

  /**
   * Events inside the engine's window as of the last diagnose(): while there are any, the passing of time alone
   * can change the verdict (the worker keeps its minute tick); with none, nothing changes until new events.
   */
  get held(): number {
    return this.engine.size;
  }

  timeline(now: number): Timeline {
    const endMinute = Math.floor(now / BUCKET_MS);
    const startMinute = endMinute - TIMELINE_MINUTES + 1;
    const failures: number[] = [];
    const requests: number[] = [];
    for (let m = startMinute; m <= endMinute; m++) {
      const i = ((m % TIMELINE_MINUTES) + TIMELINE_MINUTES) % TIMELINE_MINUTES;
      const hit = this.minuteOf[i] === m;
      failures.push(hit ? this.fails[i]! : 0);
      requests.push(hit ? this.reqs[i]! : 0);
    }
    return { start: startMinute * BUCKET_MS, bucketMs: BUCKET_MS, failures, requests };
  }

  /** The most recent failures, newest first. */
  recentFailures(limit = RECENT_FAILURES): RequestOutcome[] {
    return this.recent.slice(-limit).reverse();
  }

  clear(): void {
    this.fails.fill(0);
    this.reqs.fill(0);
    this.minuteOf.fill(-1);
    this.recent.length = 0;
    this.last = null;
    this.engine = new LiveEngine();
  }
}
