/** The loop rule: redirect and login loops, and whose side their cookies put them on. */
import { isLoginHost } from '../../catalogue/match';
import type { RequestOutcome } from '../../types';
import { evidence, fact, hostList } from '../context';
import {
  CHAIN_GAP_MS,
  LOOP_MIN_OBSERVATIONS,
  LOOP_REPEAT_REDIRECTS,
  LOOP_REPEAT_REDIRECTS_PLAIN,
  PING_PONG_MIN_HOPS,
} from '../thresholds';
import { type Blame, type Loop, provider, type Rule, user } from './common';

/**
 * Loops from the outcomes themselves: redirects are chained (a step continues a chain when its URL is the
 * previous step's target, within CHAIN_GAP_MS). A chain is a loop when one URL redirects
 * LOOP_REPEAT_REDIRECTS times through a login host (A→login→A→login), LOOP_REPEAT_REDIRECTS_PLAIN times
 * otherwise, when hosts ping-pong through a login host for PING_PONG_MIN_HOPS hops, or when a page ends in
 * the browser's own redirect-loop error. A→login→A that then loads is not. Only page navigations and chains
 * through a login host count: pixels and cookie-sync beacons bounce between ad servers by design.
 */
export function loopsFromOutcomes(redirects: readonly RequestOutcome[]): Loop[] {
  const loops: Loop[] = [];
  const waiting = new Map<string, { steps: RequestOutcome[]; last: number; done: boolean; loop?: Loop }>();
  for (const o of redirects) {
    if (o.type === 'image' || o.type === 'ping') continue; // pixels bounce between ad servers by design
    const key = o.host + o.path;
    if (o.kind === 'http.redirect_loop') {
      if (o.type !== 'main_frame' && o.type !== 'sub_frame' && o.type !== 'xhr') continue;
      // The browser gave up: at the end of a chain seen here, it is that chain's last step.
      const prev = waiting.get(key);
      if (prev && o.t - prev.last <= CHAIN_GAP_MS) {
        waiting.delete(key);
        if (prev.loop) {
          prev.loop.items.push({ o });
          if (o.t > prev.loop.last) prev.loop.last = o.t;
        } else loops.push(describeLoop([...prev.steps, o], true));
      } else loops.push(describeLoop([o], true));
      continue;
    }
    let chain = waiting.get(key);
    if (chain && o.t - chain.last > CHAIN_GAP_MS) chain = undefined;
    if (chain) waiting.delete(key);
    else chain = { steps: [], last: o.t, done: false };
    chain.steps.push(o);
    chain.last = o.t;
    if (chain.loop && o.t > chain.loop.last) chain.loop.last = o.t;
    if (
      !chain.done &&
      (o.type === 'main_frame' || o.type === 'sub_frame' || chain.steps.some((s) => isLoginHost(s.host))) &&
      isLoop(chain.steps)
    ) {
      chain.done = true;
      chain.loop = describeLoop(chain.steps, false);
      loops.push(chain.loop);
    }
    if (o.redirectTo) waiting.set(o.redirectTo, chain);
  }
  return loops;
}

function isLoop(steps: RequestOutcome[]): boolean {
  const seen = new Map<string, number>();
  let login = false;
  for (const s of steps) if (isLoginHost(s.host)) login = true;
  const need = login ? LOOP_REPEAT_REDIRECTS : LOOP_REPEAT_REDIRECTS_PLAIN;
  for (const s of steps) {
    const k = s.host + s.path;
    const n = (seen.get(k) ?? 0) + 1;
    if (n >= need) return true;
    seen.set(k, n);
  }
  if (steps.length >= PING_PONG_MIN_HOPS) {
    const n = steps.length;
    const a = steps[n - 4]!.host;
    const b = steps[n - 3]!.host;
    if (a !== b && steps[n - 2]!.host === a && steps[n - 1]!.host === b && (isLoginHost(a) || isLoginHost(b)))
      return true;
  }
  return false;
}

function describeLoop(steps: RequestOutcome[], browser: boolean): Loop {
  const hosts = [...new Set(steps.map((s) => s.host))];
  let cookiesSet = false;
  let cookiesReturned = false;
  const set = new Set<string>();
  for (const s of steps) {
    if (s.sentCookies && set.size > 0 && s.sentCookies.some((n) => set.has(n))) cookiesReturned = true;
    if (s.setCookies && s.setCookies.length) {
      cookiesSet = true;
      for (const n of s.setCookies) set.add(n);
    }
  }
  const login =
    hosts.some((h) => isLoginHost(h)) ||
    steps.some((s) => s.redirectTo !== undefined && isLoginHost(s.redirectTo.split('/')[0]!));
  let last = steps[0]!.t;
  for (const s of steps) if (s.t > last) last = s.t;
  const service =
    steps.find((s) => s.service !== null && s.service !== 'login')?.service ??
    steps.find((s) => s.service !== null)?.service ??
    null;
  const loop: Loop = {
    hosts,
    hops: browser ? 20 : steps.length,
    login,
    cookiesSet,
    cookiesReturned,
    t: steps[0]!.t,
    last,
    service,
    items: steps.map((o) => ({ o })),
  };
  const requests = steps.filter((s) => s.kind !== 'http.redirect_loop');
  if (requests.some((s) => s.sentCookies && s.sentCookies.length > 0)) loop.cookiesSent = true;
  else if (requests.length > 0 && requests.every((s) => s.sentCookies !== undefined)) loop.cookiesSent = false;
  return loop;
}

/**
 * Redirect loops (observed by the extension, or found in the outcomes). Cookies set but never carried back, or
 * cookies blocked by the browser → cookies-blocked (user); cookies carried back and still bounced →
 * login-loop (provider; page-bug when no login host is involved); nothing known about cookies → unclear.
 */
export const ruleLoops: Rule = (ctx) => {
  const loops: Loop[] = [];
  for (const o of ctx.obs) {
    if (o.kind !== 'redirect-loop') continue;
    const l: Loop = {
      hosts: o.hosts,
      hops: o.hops,
      login: o.login,
      cookiesSet: o.cookiesSet,
      cookiesReturned: o.cookiesReturned,
      t: o.t,
      last: o.t,
      service: o.service,
      items: [],
      obs: o,
    };
    if (o.cookiesBlocked !== undefined) l.cookiesBlocked = o.cookiesBlocked;
    if (o.cookiesSent !== undefined) l.cookiesSent = o.cookiesSent;
    loops.push(l);
  }
  // Loops set aside as recovered (their steps are masked) are no longer found.
  const masked = ctx.mask?.outs;
  if (ctx.tally.redirects.length)
    loops.push(
      ...loopsFromOutcomes(ctx.tally.redirects.toArray()).filter(
        (l) => l.items.some((it) => it.o.service !== null) && !(masked && masked.has(l.items[0]!.o)),
      ),
    );
  if (loops.length < LOOP_MIN_OBSERVATIONS) return null;
  // Every loop of the window is blamed: the finding is over once all have recovered (diagnose.ts sets aside those
  // that have, and looks again).
  const blame: Blame = { loops };
  const loopEv = (l: Loop) =>
    l.items.length
      ? evidence('redirect-loop', [hostList(l.hosts), l.hops], l.items)
      : fact('redirect-loop', [hostList(l.hosts), l.hops], l.t, 1, l.hosts);
  const blocked = loops.find((l) => l.cookiesBlocked === true || (l.cookiesSet && !l.cookiesReturned));
  if (blocked)
    return user(
      'cookies-blocked',
      [loopEv(blocked), fact(blocked.cookiesBlocked ? 'cookies-blocked' : 'cookies-not-returned', [], blocked.t)],
      blame,
    );
  const returned = loops.find((l) => l.cookiesReturned);
  if (returned)
    return provider(
      returned.login ? 'login-loop' : 'page-bug',
      [loopEv(returned), fact('cookies-returned', [], returned.t)],
      blame,
    );
  // No cookie set and none sent at any step: this browser's cookies cannot be the cause; the server bounces.
  const cookieless = loops.find((l) => !l.cookiesSet && l.cookiesSent === false);
  if (cookieless)
    return provider(
      cookieless.login ? 'login-loop' : 'page-bug',
      [loopEv(cookieless), fact('cookies-none', [], cookieless.t)],
      blame,
    );
  return {
    verdict: 'unclear',
    cause: 'insufficient-evidence',
    evidence: [loopEv(loops[0]!), fact('cookies-unknown', [], loops[0]!.t)],
    blame,
  };
};
