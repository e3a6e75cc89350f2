/**
 * The engine's aggregate of a window of outcomes: counters that can be added to and subtracted from, plus
 * small arrival-ordered queues of the outcomes rules look at one by one (failures, redirects, signed
 * requests). diagnose() fills one from an array; LiveEngine adds and evicts event by event. The rules only
 * ever read a Tally, so both give the same answer on the same window.
 */
import type { RequestOutcome, ServiceId } from '../types';
import { type FailClass, failClass, noiseOf, type NoiseKind } from './classify';
import { Deque } from './deque';
import { CLOCK_SKEW_MS } from './thresholds';

export interface HostStat {
  host: string;
  service: ServiceId | null;
  requests: number;
  ok: number;
  /** Failures by class. */
  byClass: Partial<Record<FailClass, number>>;
}

/** A classified outcome (the class is computed once, on the way in). */
export interface Item {
  o: RequestOutcome;
  c: FailClass | null;
}

export class Tally {
  readonly hosts = new Map<string, HostStat>();
  /** Failing outcomes (any class), arrival order. */
  readonly fails = new Deque<Item>();
  /** Redirects (with a target) and browser-reported redirect loops, arrival order. */
  readonly redirects = new Deque<RequestOutcome>();
  /** Outcomes signed with an access key (keyTag), arrival order. */
  readonly keyed = new Deque<Item>();
  /** Start times of successful requests per watched service, arrival order (head = earliest in window). */
  readonly svcOk = new Map<ServiceId, Deque<number>>();
  readonly noise: Record<NoiseKind, number> = {
    aborted: 0,
    tracking: 0,
    'not-modified': 0,
    favicon: 0,
    'token-refresh': 0,
    'not-found': 0,
    'client-4xx': 0,
  };
  /** Responses with a usable server Date, and those skewed by more than CLOCK_SKEW_MS. */
  dated = 0;
  skewed = 0;
  skewSum = 0;
  /** Watched user requests (not control, not probes). */
  watched = 0;
  /** Time of the first and last outcome ever added (for `since` of a healthy verdict). */
  count = 0;

  static classify(o: RequestOutcome): Item {
    return { o, c: failClass(o) };
  }

  add(it: Item): void {
    this.apply(it, 1);
  }

  remove(it: Item): void {
    this.apply(it, -1);
  }

  private apply(it: Item, d: 1 | -1): void {
    const o = it.o;
    const c = it.c;
    this.count += d;
    let h = this.hosts.get(o.host);
    if (!h) {
      h = { host: o.host, service: o.service, requests: 0, ok: 0, byClass: {} };
      this.hosts.set(o.host, h);
    }
    h.requests += d;
    if (o.service !== null) this.watched += d;
    if (c === null) {
      const n = noiseOf(o);
      if (n) this.noise[n] += d;
      else if (o.kind === 'ok') {
        h.ok += d;
        if (o.service !== null) {
          let q = this.svcOk.get(o.service);
          if (!q) this.svcOk.set(o.service, (q = new Deque<number>()));
          if (d > 0) q.push(o.t);
          else q.shift();
        }
      }
    } else {
      h.byClass[c] = (h.byClass[c] ?? 0) + d;
      if (d > 0) this.fails.push(it);
      else this.fails.shift();
    }
    if (h.requests === 0) this.hosts.delete(o.host);
    if ((o.redirectTo !== undefined && o.status >= 300 && o.status < 400) || o.kind === 'http.redirect_loop') {
      if (d > 0) this.redirects.push(o);
      else this.redirects.shift();
    }
    if (o.keyTag !== undefined) {
      if (d > 0) this.keyed.push(it);
      else this.keyed.shift();
    }
    if (o.serverDate !== undefined && o.status !== 304 && !o.fromCache && o.status > 0) {
      const skew = o.serverDate - (o.t + (o.ms ?? 0));
      this.dated += d;
      // Date has one-second resolution; the response arrived somewhere between t and t + ms.
      if (Math.abs(skew) > CLOCK_SKEW_MS && Math.abs(o.serverDate - o.t) > CLOCK_SKEW_MS) {
        this.skewed += d;
        this.skewSum += d * skew;
      }
    }
  }
}
