/**
 * The one redirect- and login-loop detector, fed by the live worker (src/background/loops.ts: webRequest outcomes
 * and webNavigation errors of each tab) and by the HAR reader (findLoops over a file's outcomes) alike. Pure: fed
 * steps, returns observations; no timers.
 *
 * Steps (stepOf), on watched hosts: page loads of the top frame — a server redirect, a page that loaded (whatever its status), the
 * browser's own loop error (ERR_TOO_MANY_REDIRECTS, NS_ERROR_REDIRECT_LOOP, also on a fetch) — and sign-in posts
 * (a POST/PUT to a login host, or a login host setting cookies from a script). Pictures and pixels are never steps:
 * cookie-sync beacons bounce between ad servers by design. Neither are API calls redirected to a login page: a
 * page polling with an expired session is not a loop.
 *
 * Chains, per tab: a step continues the chain when it
 *  - follows the previous step's redirect (the redirect's target), or is the browser's loop error, within
 *    CHAIN_GAP_MS;
 *  - is a sign-in post within SIGN_IN_GAP_MS (a person retyping a password takes tens of seconds);
 *  - is any other page load within CLIENT_GAP_MS (client-side loops run at 10–20 loads a second; a person clicking
 *    between pages is slower), or within CHAIN_GAP_MS after a sign-in post (the page navigates back).
 * A reload or a typed address starts a new chain (reset()).
 *
 * A chain is a loop when (loopShape):
 *  - BROWSER: the browser said so;
 *  - LOOP: one page loaded or redirected REPEAT_URL times;
 *  - LOGIN_BOUNCE: one page sent to a login host LOGIN_BOUNCES times (A→login→A→login, with or without a sign-in
 *    in between);
 *  - PING_PONG: two pages alternating A→B→A→B;
 *  - LONG: more than LONG_CHAIN page loads through a login host.
 * A single sign-on bounce that leaves and comes back once (A→login→A) is none of these.
 *
 * What the steps say about cookies (cookieState) is decided here, once, for both paths; the engine's loop rule
 * (engine/rules/loops.ts) turns it into a verdict.
 */
import { isLoginHost } from '../catalogue/match';
import type { LoopCookies, Observation, RequestOutcome, ServiceId } from '../types';

/** Server redirects (and the browser's loop error) continue a chain this long after the previous step. */
export const CHAIN_GAP_MS = 10_000;
/** Any other page load joins a chain only this soon after the previous step. */
export const CLIENT_GAP_MS = 2_000;
/** A sign-in post joins a chain this long after the previous step (a person typing a password). */
export const SIGN_IN_GAP_MS = 120_000;
/** One page loaded or redirected this many times in a chain. */
export const REPEAT_URL = 3;
/** One page sent to a login host this many times in a chain. */
export const LOGIN_BOUNCES = 2;
/** Page loads through a login host beyond which a chain is a loop whatever its shape. */
export const LONG_CHAIN = 8;
const MAX_STEPS = 64;

export interface LoopStep {
  t: number;
  /** Tab (live) or 0 (a HAR: one recording). */
  tab: number;
  /** Host + path shape (never a query string). */
  url: string;
  host: string;
  service: ServiceId | null;
  /** A server redirect, a page that loaded, a sign-in post on a login host, or the browser's loop error. */
  kind: 'redirect' | 'load' | 'sign-in' | 'error';
  /** For a redirect: host + path shape of the target. */
  to?: string;
  /** Cookie names the response set / the request carried ([] = seen carrying none; absent = not known). */
  setCookies?: string[];
  sentCookies?: string[];
}

export type LoopObservation = Extract<Observation, { kind: 'redirect-loop' }>;
export type LoopShape = 'browser' | 'loop' | 'login-bounce' | 'ping-pong' | 'long';

/** The loop step an outcome is, or null (see the file comment). Used by the live worker and the HAR reader alike. */
export function stepOf(o: RequestOutcome): LoopStep | null {
  // Watched hosts only (the live worker sees no others; in a HAR, other sites are control traffic).
  if (o.source === 'probe' || o.service === null || o.type === 'image' || o.type === 'ping') return null;
  let kind: LoopStep['kind'];
  if (o.kind === 'http.redirect_loop') kind = 'error';
  else if (o.type === 'main_frame') {
    if (o.status >= 300 && o.status < 400 && o.redirectTo !== undefined) kind = 'redirect';
    else if (o.status > 0 && o.status !== 304) kind = 'load';
    else return null; // a network error or an abort: no page came
  } else if (
    isLoginHost(o.host) &&
    o.status > 0 &&
    (o.method === 'POST' || o.method === 'PUT' || (o.setCookies !== undefined && o.setCookies.length > 0)) &&
    o.type !== 'sub_frame'
  )
    kind = 'sign-in';
  else return null;
  const s: LoopStep = { t: o.t, tab: o.tabId ?? 0, url: o.host + o.path, host: o.host, service: o.service, kind };
  if (kind === 'redirect') s.to = o.redirectTo!;
  if (o.setCookies) s.setCookies = o.setCookies;
  if (o.sentCookies) s.sentCookies = o.sentCookies;
  return s;
}

interface Chain {
  id: number;
  steps: LoopStep[];
}

export class RedirectLoopDetector {
  private readonly chains = new Map<number, Chain>();
  private nextId = 1;

  /**
   * Feed one step; returns an observation the first time its chain is a loop, and again for each further step
   * (callers throttle: the live worker reports a tab at most every few seconds, findLoops keeps the newest).
   */
  push(step: LoopStep): LoopObservation | null {
    return this.pushStep(step)?.obs ?? null;
  }

  /** push(), with the id of the chain the observation is about. */
  pushStep(step: LoopStep): { chain: number; obs: LoopObservation } | null {
    let chain = this.chains.get(step.tab);
    const last = chain?.steps[chain.steps.length - 1];
    if (!chain || !last || !continues(last, step)) {
      chain = { id: this.nextId++, steps: [] };
      this.chains.set(step.tab, chain);
    }
    chain.steps.push(step);
    if (chain.steps.length > MAX_STEPS) chain.steps.splice(0, chain.steps.length - MAX_STEPS);
    if (!loopShape(chain.steps)) return null;
    return { chain: chain.id, obs: describe(chain.steps, step.t) };
  }

  /** A tab was closed, reloaded or sent somewhere by the person: forget its chain. */
  reset(tab: number): void {
    this.chains.delete(tab);
  }
}

/** Does `step` continue the chain whose newest step is `prev`? */
function continues(prev: LoopStep, step: LoopStep): boolean {
  const gap = step.t - prev.t;
  if (gap < 0) return true; // slightly out of order (requests in flight overlap)
  if (step.kind === 'error') return gap <= CHAIN_GAP_MS;
  if (step.kind === 'sign-in') return gap <= SIGN_IN_GAP_MS;
  if (prev.kind === 'redirect' && prev.to === step.url) return gap <= CHAIN_GAP_MS;
  return gap <= (prev.kind === 'sign-in' ? CHAIN_GAP_MS : CLIENT_GAP_MS);
}

const isNav = (s: LoopStep) => s.kind === 'redirect' || s.kind === 'load';

/** The loop shape of a chain of steps, or null when it is an ordinary chain. */
export function loopShape(steps: readonly LoopStep[]): LoopShape | null {
  if (steps[steps.length - 1]?.kind === 'error') return 'browser';
  const nav = steps.filter(isNav);
  const counts = new Map<string, number>();
  const bounces = new Map<string, number>();
  let twice = 0;
  for (let i = 0; i < nav.length; i++) {
    const s = nav[i]!;
    const n = (counts.get(s.url) ?? 0) + 1;
    counts.set(s.url, n);
    if (n >= REPEAT_URL) return 'loop';
    if (n === 2) twice++;
    const next = s.to !== undefined ? s.to.split('/')[0]! : nav[i + 1]?.host;
    if (next !== undefined && !isLoginHost(s.host) && isLoginHost(next)) {
      const b = (bounces.get(s.url) ?? 0) + 1;
      bounces.set(s.url, b);
      if (b >= LOGIN_BOUNCES) return 'login-bounce';
    }
  }
  if (twice >= 2 && alternates(nav)) return 'ping-pong';
  if (nav.length > LONG_CHAIN && nav.some((s) => isLoginHost(s.host))) return 'long';
  return null;
}

/** A→B→A→B: some URL pair alternates at least twice. */
function alternates(steps: readonly LoopStep[]): boolean {
  for (let i = 0; i + 3 < steps.length; i++) {
    const a = steps[i]!.url;
    const b = steps[i + 1]!.url;
    if (a !== b && steps[i + 2]!.url === a && steps[i + 3]!.url === b) return true;
  }
  return false;
}

/**
 * What a loop's steps say about cookies, the same way for the live worker and a HAR:
 *  - not-returned: cookies were set in the chain and no later request carried any of them back;
 *  - returned: a later request carried back a cookie set in the chain (and the server still bounced);
 *  - carried: no cookie was set in the chain, but the same cookie went with every request (a session the server
 *    keeps refusing);
 *  - none: no cookie set, none carried, at any step;
 *  - unknown: the steps do not show it (a HAR exported without cookies, steps whose headers were not seen).
 * A step's cookies are known when it was seen carrying some or none ([]); in a HAR, where "no Cookie header" may
 * just mean the exporter removed them, absence counts as none only when the chain shows cookies elsewhere.
 */
export function cookieState(steps: readonly LoopStep[]): LoopCookies {
  const requests = steps.filter((s) => s.kind !== 'error');
  const visible = requests.some((s) => (s.setCookies?.length ?? 0) > 0 || (s.sentCookies?.length ?? 0) > 0);
  const sent = (s: LoopStep): string[] | undefined => s.sentCookies ?? (visible ? [] : undefined);
  const set = new Set<string>();
  let afterSet = 0;
  let afterSetKnown = true;
  for (const s of requests) {
    const x = sent(s);
    if (set.size > 0) {
      afterSet++;
      if (x === undefined) afterSetKnown = false;
      else if (x.some((n) => set.has(n))) return 'returned';
    }
    for (const n of s.setCookies ?? []) set.add(n);
  }
  if (set.size > 0) return afterSet > 0 && afterSetKnown ? 'not-returned' : 'unknown';
  const all = requests.map(sent);
  if (all.length === 0 || all.some((x) => x === undefined)) return 'unknown';
  if (all.every((x) => x!.length === 0)) return 'none';
  let common = new Set(all[0]);
  for (const x of all.slice(1)) common = new Set(x!.filter((n) => common.has(n)));
  return common.size > 0 ? 'carried' : 'unknown';
}

/**
 * Where the loop itself starts in its chain: at the first page that comes round again (the steps before it — the
 * page the person was on, a sign-in minutes earlier — are not hops of the loop). The whole chain when no page
 * repeats (the browser's error, a long chain).
 */
function loopStart(steps: readonly LoopStep[]): number {
  const last = new Map<string, number>();
  steps.forEach((s, i) => {
    if (isNav(s)) last.set(s.url, i);
  });
  for (let i = 0; i < steps.length; i++) if (isNav(steps[i]!) && last.get(steps[i]!.url)! > i) return i;
  return 0;
}

function describe(chain: readonly LoopStep[], t: number): LoopObservation {
  const steps = chain.slice(loopStart(chain));
  const hosts = [...new Set(steps.map((s) => s.host))];
  const service =
    steps.find((s) => s.service && s.service !== 'login')?.service ?? steps.find((s) => s.service)?.service ?? null;
  return {
    kind: 'redirect-loop',
    t,
    hosts,
    hops: steps.filter(isNav).length,
    login: steps.some((s) => isLoginHost(s.host) || (s.to !== undefined && isLoginHost(s.to.split('/')[0]!))),
    cookies: cookieState(steps),
    service,
  };
}

/**
 * Loops in a recording (a HAR's outcomes, in start-time order): one observation per looping chain, the newest (it
 * carries the chain's last step as its time, and all its hops).
 */
export function findLoops(outcomes: Iterable<RequestOutcome>): LoopObservation[] {
  const d = new RedirectLoopDetector();
  const byChain = new Map<number, LoopObservation>();
  for (const o of outcomes) {
    const s = stepOf(o);
    if (!s) continue;
    const r = d.pushStep(s);
    if (r) byChain.set(r.chain, r.obs);
  }
  return [...byChain.values()];
}

/**
 * The side a loop's cookies put it on: the browser blocks cookies (from its settings, when readable) or the
 * loop's own steps show cookies set and never carried back → 'blocked'; otherwise cookieState's word.
 * Observations stored before `cookies` existed read as unknown.
 */
export function loopCookies(o: LoopObservation): LoopCookies | 'blocked' {
  if (o.cookiesBlocked === true || o.cookies === 'not-returned') return 'blocked';
  return o.cookies ?? 'unknown';
}
