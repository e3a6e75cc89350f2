/**
 * Per-tab redirect-loop detection, in the spirit of Redirect Inspector's heuristics, for chains that the
 * browser itself may never call a loop: server 30x chains (onBeforeRedirect), client-side ones (webNavigation
 * commits with `client_redirect`, or just repeated main-frame loads of the same URLs in a short window, since
 * Firefox never marks them), and the browsers' own verdicts (ERR_TOO_MANY_REDIRECTS, NS_ERROR_REDIRECT_LOOP).
 *
 * Thresholds (named below): within a chain whose steps are at most CHAIN_GAP_MS apart (CLIENT_GAP_MS for a
 * plain page load, so a person clicking between pages is not a loop),
 *  - LOOP: one URL visited REPEAT_URL times (A→…→A→…→A);
 *  - PING_PONG: two URLs each visited twice, alternating (A→B→A→B);
 *  - LONG: more than LONG_CHAIN steps through a login host;
 *  - BROWSER: the browser reported a redirect loop.
 * A single sign-on bounce that leaves and comes back once (A→login→A) is none of these.
 * Pure: fed events, returns observations; no timers.
 */
import { isLoginHost } from '../catalogue/match';
import type { Observation, ServiceId } from '../types';

export const CHAIN_GAP_MS = 10_000;
/**
 * A plain page load (not a server redirect) joins a chain only this soon after the previous step: client-side
 * loops run at 10–20 loads a second, while a person going back and forth between two pages takes longer.
 */
export const CLIENT_GAP_MS = 2_000;
export const REPEAT_URL = 3;
export const LONG_CHAIN = 8;
const MAX_STEPS = 64;

export interface NavStep {
  t: number;
  tabId: number;
  /** Host + path shape of the page (never a query string). */
  url: string;
  host: string;
  service: ServiceId | null;
  /** What happened: a server redirect, a committed main-frame load, or a main-frame error. */
  kind: 'redirect' | 'commit' | 'error';
  /** Browser error for kind 'error'. */
  error?: string;
  /** For kind 'redirect': host + path shape of the target. */
  to?: string;
  /** A user-initiated reload starts a new chain. */
  reload?: boolean;
  /** Cookie names the response set / the request carried (login steps only). */
  setCookies?: string[];
  sentCookies?: string[];
}

type LoopObservation = Extract<Observation, { kind: 'redirect-loop' }>;

interface Chain {
  steps: NavStep[];
  reported: boolean;
}

export type LoopShape = 'loop' | 'ping-pong' | 'long' | 'browser';

export class RedirectLoopDetector {
  private chains = new Map<number, Chain>();

  /** Feed one step; returns an observation the first time a chain becomes a loop, and then for each further hop. */
  push(step: NavStep, cookiesBlocked?: boolean): LoopObservation | null {
    let chain = this.chains.get(step.tabId);
    const last = chain?.steps[chain.steps.length - 1];
    const gap = step.kind === 'commit' ? CLIENT_GAP_MS : CHAIN_GAP_MS;
    if (!chain || !last || step.reload || step.t - last.t > gap) {
      chain = { steps: [], reported: false };
      this.chains.set(step.tabId, chain);
    }
    chain.steps.push(step);
    if (chain.steps.length > MAX_STEPS) chain.steps.splice(0, chain.steps.length - MAX_STEPS);
    const shape = loopShape(chain.steps);
    if (!shape) return null;
    chain.reported = true;
    return describe(chain.steps, step.t, shape, cookiesBlocked);
  }

  /** A tab was closed or navigated by the user: forget its chain. */
  reset(tabId: number): void {
    this.chains.delete(tabId);
  }
}

/** The loop shape of a chain of steps, or null when it is an ordinary chain. */
export function loopShape(steps: readonly NavStep[]): LoopShape | null {
  const lastStep = steps[steps.length - 1];
  if (
    lastStep?.kind === 'error' &&
    lastStep.error &&
    /TOO_MANY_REDIRECTS|REDIRECT_LOOP|2152398879/.test(lastStep.error)
  )
    return 'browser';
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s.url, (counts.get(s.url) ?? 0) + 1);
  let twice = 0;
  for (const n of counts.values()) {
    if (n >= REPEAT_URL) return 'loop';
    if (n >= 2) twice++;
  }
  if (twice >= 2 && alternates(steps)) return 'ping-pong';
  if (steps.length > LONG_CHAIN && steps.some((s) => isLoginHost(s.host))) return 'long';
  return null;
}

/** A→B→A→B: some URL pair alternates at least twice. */
function alternates(steps: readonly NavStep[]): boolean {
  for (let i = 0; i + 3 < steps.length; i++) {
    const a = steps[i]!.url;
    const b = steps[i + 1]!.url;
    if (a !== b && steps[i + 2]!.url === a && steps[i + 3]!.url === b) return true;
  }
  return false;
}

function describe(
  steps: readonly NavStep[],
  t: number,
  _shape: LoopShape,
  cookiesBlocked: boolean | undefined,
): LoopObservation {
  const hosts = [...new Set(steps.map((s) => s.host))];
  const login = steps.some((s) => isLoginHost(s.host));
  // Cookies set by a login step, and whether any later request carried one of them back.
  let cookiesSet = false;
  let cookiesReturned = false;
  const set = new Set<string>();
  for (const s of steps) {
    if (s.sentCookies && set.size > 0 && s.sentCookies.some((n) => set.has(n))) cookiesReturned = true;
    if (s.setCookies && s.setCookies.length > 0) {
      cookiesSet = true;
      for (const n of s.setCookies) set.add(n);
    }
  }
  const service =
    steps.find((s) => s.service && s.service !== 'login')?.service ?? steps.find((s) => s.service)?.service ?? null;
  const o: LoopObservation = {
    kind: 'redirect-loop',
    t,
    hosts,
    hops: steps.length,
    login,
    cookiesSet,
    cookiesReturned,
    service,
  };
  const requests = steps.filter((s) => s.kind !== 'error');
  if (requests.some((s) => s.sentCookies && s.sentCookies.length > 0)) o.cookiesSent = true;
  else if (requests.length > 0 && requests.every((s) => s.sentCookies !== undefined)) o.cookiesSent = false;
  if (cookiesBlocked !== undefined) o.cookiesBlocked = cookiesBlocked;
  return o;
}
