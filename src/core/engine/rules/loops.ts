/**
 * The loop rule: redirect and login loops (found by the one detector, src/core/loops, live and in a HAR), and whose
 * side their cookies put them on.
 */
import { isLoginHost } from '../../catalogue/match';
import { loopCookies } from '../../loops/redirect-loops';
import type { Evidence } from '../../types';
import { distinctHosts, evidence, fact, failsOf, hostList } from '../context';
import { LOOP_MIN_OBSERVATIONS } from '../thresholds';
import { type Blame, type Ctx, type LoopObservation, provider, type Rule, user } from './common';

/** The redirect-loop observations of the window (recovered ones are masked out of ctx.obs). */
export function loopsOf(ctx: Ctx): LoopObservation[] {
  const out: LoopObservation[] = [];
  for (const o of ctx.obs) if (o.kind === 'redirect-loop') out.push(o);
  return out;
}

export const loopEvidence = (l: LoopObservation): Evidence =>
  fact('redirect-loop', [hostList(l.hosts), l.hops], l.t, 1, l.hosts);

/**
 * What a finding about loops blames: every loop of the window (the finding is over once all have recovered;
 * diagnose.ts sets aside those that have, and looks again), and the browser's own loop errors among the requests.
 */
export function loopBlame(ctx: Ctx, loops: LoopObservation[]): Blame {
  const b: Blame = { loops };
  if (ctx.fails.has('loop')) b.classes = ['loop'];
  return b;
}

/** Sign-in hosts failing in the window: their 5xx, dropped connections and refusals. */
function loginFailures(ctx: Ctx) {
  return failsOf(ctx, ['http5', 'conn', 'auth'], true).filter(
    (it) => it.o.service === 'login' || isLoginHost(it.o.host),
  );
}

/**
 * Redirect and login loops. Their cookies decide (core/loops cookieState, the same for the live worker and a HAR):
 * the browser blocks cookies, or cookies set in the loop are never carried back → cookies-blocked (user); cookies
 * carried back, or carried on every step, and the server still bounces → login-loop (provider; page-bug when no
 * login host is involved); no cookie at any step → the same (this browser's cookies cannot be the cause). When the
 * steps do not show cookies, the loop alone decides nothing: sign-in hosts answering 5xx, dropping connections or
 * refusing in the same window make it the provider's login loop; otherwise later rules decide, and the loop keeps the
 * verdict from healthy (rules/healthy.ts).
 */
export const ruleLoops: Rule = (ctx) => {
  const loops = loopsOf(ctx);
  if (loops.length < LOOP_MIN_OBSERVATIONS) return null;
  const blame = loopBlame(ctx, loops);
  const withState = loops.map((l) => ({ l, c: loopCookies(l) }));
  const blocked = withState.find((x) => x.c === 'blocked')?.l;
  if (blocked)
    return user(
      'cookies-blocked',
      [loopEvidence(blocked), fact(blocked.cookiesBlocked ? 'cookies-blocked' : 'cookies-not-returned', [], blocked.t)],
      blame,
    );
  for (const c of ['returned', 'carried', 'none'] as const) {
    const l = withState.find((x) => x.c === c)?.l;
    if (l)
      return provider(l.login ? 'login-loop' : 'page-bug', [loopEvidence(l), fact('cookies-' + c, [], l.t)], blame);
  }
  const failing = loginFailures(ctx);
  if (failing.length === 0) return null;
  const l = loops.find((x) => x.login) ?? loops[0]!;
  const ev = [loopEvidence(l), fact('cookies-unknown', [], l.t)];
  for (const [c, id] of [
    ['http5', 'server-5xx'],
    ['conn', 'conn-failed'],
    ['auth', 'auth-failed'],
  ] as const) {
    const items = failing.filter((it) => it.c === c);
    if (items.length) ev.push(evidence(id, [items.length, hostList(distinctHosts(items))], items));
  }
  const services = [...new Set(failing.map((it) => it.o.service!))];
  return provider('login-loop', ev, { ...blame, services });
};
