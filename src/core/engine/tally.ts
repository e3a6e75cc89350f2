/**
 * The engine's aggregate of a window of outcomes: counters that can be added to and subtracted from, plus
 * small arrival-ordered queues of the outcomes rules look at one by one (failures, signed requests, API calls
 * answered 404, Date samples). diagnose() fills one from an array; LiveEngine adds and evicts event by event. The rules only
 * ever read a Tally, so both give the same answer on the same window.
 */
import { type SkewSample, skewSample } from '../probes/clock';
import type { RequestOutcome, ServiceId } from '../types';
import { type FailClass, failClass, marksControl, marksService, noiseOf, type NoiseKind } from './classify';
import { Deque } from './deque';

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

/**
 * Successful requests of one stream (one service, all watched services, or control traffic), as two cumulative
 * counters: added and evicted. Never rescanned; with no failure in the window, its successes are `added - removed`.
 */
export interface OkStream {
  added: number;
  removed: number;
}

/**
 * Recovery bookkeeping of one service, one failure class, or control traffic: its newest failure and the
 * successes since — counting only successes that BEGAN after the failures had ended. A page load's pictures are
 * asked for together; a slow failure (a 504 after 10 s, a reset) ends after pictures of the same page that
 * worked, which says nothing about the service working again: only a request made once the failure was over
 * does. O(1) per event. Exact on a window filled in start-time order (diagnose()) and kept exact under FIFO
 * eviction (LiveEngine): the successes after the newest failure arrived after it and are evicted only after it;
 * when the last failure leaves the window the mark is cleared, as if it had never been seen.
 */
export interface Mark {
  /** Failures of this mark inside the window. */
  fails: number;
  /** Start time of the newest failure (−Infinity when none in the window). */
  last: number;
  /** When the failures seen so far had all ended (start + duration; −Infinity when none in the window). */
  end: number;
  /** Successes since the newest failure arrived that began after `end`. */
  ok: number;
  /** Start time of the first of them, if any. */
  firstOk: number | undefined;
  readonly stream: OkStream;
}

const newMark = (stream: OkStream): Mark => ({
  fails: 0,
  last: -Infinity,
  end: -Infinity,
  ok: 0,
  firstOk: undefined,
  stream,
});

/**
 * Successful requests since the mark's newest failure that began after its failures had ended (all of the
 * stream's in the window when there is no failure).
 */
export function okSince(m: Mark): number {
  return m.fails > 0 ? m.ok : m.stream.added - m.stream.removed;
}

/** A success arrived: it counts for the mark when it began after the mark's failures had ended. */
function okAfter(m: Mark, t: number): void {
  if (m.fails === 0 || t <= m.end) return;
  m.ok++;
  if (m.firstOk === undefined) m.firstOk = t;
}

export class Tally {
  readonly hosts = new Map<string, HostStat>();
  /** Failing outcomes (any class), arrival order. */
  readonly fails = new Deque<Item>();
  /** Outcomes signed with an access key (keyTag), arrival order. */
  readonly keyed = new Deque<Item>();
  /** Start times of successful requests per watched service, arrival order (head = earliest in window). */
  readonly svcOk = new Map<ServiceId, Deque<number>>();
  /** Start times of successful requests per host (any traffic), arrival order: recovery of loops. */
  readonly hostOk = new Map<string, Deque<number>>();
  /** Start times of successful page loads (main_frame, sub_frame, xhr) per host and per watched service. */
  readonly hostLoad = new Map<string, Deque<number>>();
  readonly svcLoad = new Map<ServiceId, Deque<number>>();
  readonly noise: Record<NoiseKind, number> = {
    aborted: 0,
    tracking: 0,
    'not-modified': 0,
    favicon: 0,
    'token-refresh': 0,
    'not-found': 0,
    'client-4xx': 0,
  };
  /** Skew samples of fresh, dynamic responses with a server Date (probes/clock.ts skewSample), arrival order. */
  readonly dates = new Deque<SkewSample>();
  /**
   * Successful requests per endpoint (host + path shape) of pages, frames, API calls and other non-static
   * requests, with the start of the newest: is an endpoint answering (a 401 challenge followed by success, an API
   * that answers 404 to every call)? Entries go when their last success leaves the window.
   */
  readonly endpointOk = new Map<string, { n: number; last: number }>();
  /** API calls (xhr) answered 404, arrival order. */
  readonly apiNotFound = new Deque<RequestOutcome>();
  /** Responses that asked for credentials (a 401 with WWW-Authenticate) in the window. */
  challenges = 0;
  /** Hosts of the top-level pages in the window (main_frame requests, any outcome), with their counts. */
  readonly pageHosts = new Map<string, number>();
  /** Watched user requests (not control, not probes). */
  watched = 0;
  /** Time of the first and last outcome ever added (for `since` of a healthy verdict). */
  count = 0;
  /** Successes of all watched services (class marks count these: the user's network works again). */
  readonly okWatched: OkStream = { added: 0, removed: 0 };
  readonly okControl: OkStream = { added: 0, removed: 0 };
  /** Recovery marks per watched service (classes of marksService), per failure class (any traffic), control. */
  readonly svcMarks = new Map<ServiceId, Mark>();
  readonly classMarks = new Map<FailClass, Mark>();
  readonly controlMark: Mark = newMark(this.okControl);

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
      if (n) {
        this.noise[n] += d;
        if (n === 'not-found' && o.type === 'xhr') {
          if (d > 0) this.apiNotFound.push(o);
          else this.apiNotFound.shift();
        }
      } else if (o.kind === 'ok') {
        h.ok += d;
        if (o.service !== null) track(this.svcOk, o.service, o.t, d, false);
        track(this.hostOk, o.host, o.t, d, true);
        if (isLoad(o)) {
          track(this.hostLoad, o.host, o.t, d, true);
          if (o.service !== null) track(this.svcLoad, o.service, o.t, d, false);
        }
        if (hasEndpoint(o)) this.endpointEvent(o, d);
        this.okEvent(o, d);
      }
    } else {
      h.byClass[c] = (h.byClass[c] ?? 0) + d;
      if (d > 0) this.fails.push(it);
      else this.fails.shift();
      this.failEvent(o, c, d);
    }
    if (h.requests === 0) this.hosts.delete(o.host);
    if (o.challenge) this.challenges += d;
    if (o.keyTag !== undefined) {
      if (d > 0) this.keyed.push(it);
      else this.keyed.shift();
    }
    if (o.type === 'main_frame') {
      const p = (this.pageHosts.get(o.host) ?? 0) + d;
      if (p > 0) this.pageHosts.set(o.host, p);
      else this.pageHosts.delete(o.host);
    }
    if (o.serverDate !== undefined) {
      const skew = skewSample(o);
      if (skew !== null) {
        if (d > 0) this.dates.push({ host: o.host, skew });
        else this.dates.shift();
      }
    }
  }

  private endpointEvent(o: RequestOutcome, d: 1 | -1): void {
    const k = o.host + o.path;
    const e = this.endpointOk.get(k);
    if (d > 0) {
      if (e) {
        e.n++;
        if (o.t > e.last) e.last = o.t;
      } else this.endpointOk.set(k, { n: 1, last: o.t });
    } else if (e && --e.n === 0) this.endpointOk.delete(k);
  }

  /** Successes of an endpoint (host + path shape) in the window, and the start of the newest. */
  endpoint(host: string, path: string): { n: number; last: number } | undefined {
    return this.endpointOk.get(host + path);
  }

  /** The service's mark (created with its success stream on first use). */
  svcMark(s: ServiceId): Mark {
    let m = this.svcMarks.get(s);
    if (!m) this.svcMarks.set(s, (m = newMark({ added: 0, removed: 0 })));
    return m;
  }

  private classMark(c: FailClass): Mark {
    let m = this.classMarks.get(c);
    if (!m) this.classMarks.set(c, (m = newMark(this.okWatched)));
    return m;
  }

  private okEvent(o: RequestOutcome, d: 1 | -1): void {
    const own = o.service === null ? this.controlMark : this.svcMark(o.service);
    if (d < 0) {
      own.stream.removed++;
      if (o.service !== null) this.okWatched.removed++;
      return;
    }
    own.stream.added++;
    okAfter(own, o.t);
    if (o.service === null) return;
    this.okWatched.added++;
    for (const m of this.classMarks.values()) okAfter(m, o.t);
  }

  private failEvent(o: RequestOutcome, c: FailClass, d: 1 | -1): void {
    const end = o.t + (o.ms ?? 0);
    mark(this.classMark(c), o.t, end, d);
    if (o.service !== null) {
      if (marksService(c)) mark(this.svcMark(o.service), o.t, end, d);
    } else if (marksControl(c)) mark(this.controlMark, o.t, end, d);
  }
}

/** Requests whose endpoint's answers are tracked (Tally.endpointOk): not pictures, scripts, styles, fonts, media. */
function hasEndpoint(o: RequestOutcome): boolean {
  return o.type === 'main_frame' || o.type === 'sub_frame' || o.type === 'xhr' || o.type === 'other';
}

/** A page load: what a person sees working (a document, a frame, a page's API call). */
export function isLoad(o: RequestOutcome): boolean {
  return o.type === 'main_frame' || o.type === 'sub_frame' || o.type === 'xhr';
}

/** Push (d = 1) or evict (d = −1, FIFO) a start time in a keyed queue; `drop` deletes queues that become empty. */
function track<K>(m: Map<K, Deque<number>>, k: K, t: number, d: 1 | -1, drop: boolean): void {
  let q = m.get(k);
  if (!q) m.set(k, (q = new Deque<number>()));
  if (d > 0) q.push(t);
  else {
    q.shift();
    if (drop && q.length === 0) m.delete(k);
  }
}

/** Entries of a start-time queue later than `t` (binary search) and the first of them. */
export function countAfter(q: Deque<number> | undefined, t: number): { n: number; first: number } {
  if (!q || q.length === 0) return { n: 0, first: Infinity };
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q.at(mid) > t) hi = mid;
    else lo = mid + 1;
  }
  return { n: q.length - lo, first: lo < q.length ? q.at(lo) : Infinity };
}

function mark(m: Mark, t: number, end: number, d: 1 | -1): void {
  m.fails += d;
  if (d > 0) {
    if (t > m.last) m.last = t;
    if (end > m.end) m.end = end;
    m.ok = 0;
    m.firstOk = undefined;
  } else if (m.fails === 0) {
    m.last = -Infinity;
    m.end = -Infinity;
    m.ok = 0;
    m.firstOk = undefined;
  }
}
