import { describe, expect, it } from 'vitest';
import {
  CHAIN_GAP_MS,
  CLIENT_GAP_MS,
  cookieState,
  findLoops,
  loopCookies,
  loopShape,
  type LoopStep,
  RedirectLoopDetector,
  SIGN_IN_GAP_MS,
  stepOf,
} from '../../src/core/loops/redirect-loops';
import { serviceOf } from '../../src/core/catalogue/match';
import { o } from './engine-fixtures';

function step(t: number, url: string, kind: LoopStep['kind'] = 'load', extra: Partial<LoopStep> = {}): LoopStep {
  const host = url.slice(0, url.indexOf('/'));
  return { t, tab: 1, url, host, service: serviceOf(host), kind, ...extra };
}
const redirect = (t: number, url: string, to: string, extra: Partial<LoopStep> = {}) =>
  step(t, url, 'redirect', { to, ...extra });

describe('redirect loop shapes', () => {
  it('a single SSO bounce that leaves and returns once is not a loop', () => {
    expect(
      loopShape([
        redirect(0, 'www.tmall.com/', 'login.taobao.com/jump'),
        redirect(200, 'login.taobao.com/jump', 'pass.tmall.com/add'),
        redirect(300, 'pass.tmall.com/add', 'www.tmall.com/'),
        step(400, 'www.tmall.com/'),
      ]),
    ).toBeNull();
  });

  it('same URL three times is a loop', () => {
    expect(loopShape([step(0, 'a.taobao.com/x'), step(50, 'a.taobao.com/x'), step(100, 'a.taobao.com/x')])).toBe(
      'loop',
    );
  });

  it('one page sent to a login host twice is a loop (A→login→A→login)', () => {
    expect(
      loopShape([
        redirect(0, 'www.taobao.com/my', 'login.taobao.com/member/login.jhtml'),
        redirect(10, 'login.taobao.com/member/login.jhtml', 'www.taobao.com/my'),
        redirect(20, 'www.taobao.com/my', 'login.taobao.com/member/login.jhtml'),
      ]),
    ).toBe('login-bounce');
  });

  it('A→B→A→B without a login host is ping-pong', () => {
    expect(
      loopShape([
        redirect(0, 'www.taobao.com/a', 'www.tmall.com/b'),
        redirect(10, 'www.tmall.com/b', 'www.taobao.com/a'),
        redirect(20, 'www.taobao.com/a', 'www.tmall.com/b'),
        step(30, 'www.tmall.com/b'),
      ]),
    ).toBe('ping-pong');
  });

  it('a long chain through a login host is a loop, a long chain elsewhere is not', () => {
    const viaLogin = Array.from({ length: 9 }, (_, i) =>
      step(i, i === 4 ? 'login.taobao.com/x' : `www.taobao.com/p${i}`, 'redirect'),
    );
    expect(loopShape(viaLogin)).toBe('long');
    const plain = Array.from({ length: 9 }, (_, i) => step(i, `www.taobao.com/p${i}`, 'redirect'));
    expect(loopShape(plain)).toBeNull();
  });

  it("the browser's own verdict is a loop", () => {
    expect(loopShape([step(0, 'x.aliyun.com/', 'error')])).toBe('browser');
  });
});

describe('stepOf: the same steps for the live worker and a HAR', () => {
  it('page loads, redirects, sign-in posts and loop errors; never pictures, pings or API redirects', () => {
    const doc = (p: object) => o('www.taobao.com', { type: 'main_frame', ...p });
    expect(stepOf(doc({ status: 302, redirectTo: 'login.taobao.com/x' }))).toMatchObject({
      kind: 'redirect',
      to: 'login.taobao.com/x',
      tab: 0,
    });
    expect(stepOf(doc({ status: 200, tabId: 7 }))).toMatchObject({ kind: 'load', tab: 7 });
    expect(stepOf(doc({ status: 503 }))?.kind).toBe('load');
    expect(stepOf(doc({ error: 'net::ERR_TOO_MANY_REDIRECTS' }))?.kind).toBe('error');
    expect(stepOf(doc({ error: 'NS_ERROR_REDIRECT_LOOP' }))?.kind).toBe('error');
    expect(stepOf(o('api.taobao.com', { type: 'xhr', error: 'net::ERR_TOO_MANY_REDIRECTS' }))?.kind).toBe('error');
    expect(stepOf(doc({ error: 'net::ERR_CONNECTION_RESET' }))).toBeNull();
    expect(stepOf(doc({ error: 'net::ERR_ABORTED' }))).toBeNull();
    const post = o('login.taobao.com', { type: 'xhr', method: 'POST', path: '/newlogin/login.do', setCookies: ['x'] });
    expect(stepOf(post)).toMatchObject({ kind: 'sign-in', setCookies: ['x'] });
    expect(stepOf({ ...post, method: 'OPTIONS', setCookies: undefined })).toBeNull();
    expect(stepOf(o('www.taobao.com', { type: 'xhr', method: 'POST' }))).toBeNull(); // not a login host
    expect(stepOf(o('api.taobao.com', { type: 'xhr', status: 302, redirectTo: 'login.taobao.com/x' }))).toBeNull();
    expect(stepOf(o('img.alicdn.com', { error: 'net::ERR_TOO_MANY_REDIRECTS' }))).toBeNull(); // a picture
    expect(stepOf({ ...doc({}), source: 'probe' })).toBeNull();
  });
});

describe('cookieState: decided once, the same for both paths', () => {
  const L = 'login.taobao.com/member/login.jhtml';
  const A = 'cart.taobao.com/cart.htm';
  it('set and never carried back → not-returned; carried back → returned', () => {
    const loop = (back: string[]) => [
      redirect(0, A, L, { sentCookies: [] }),
      redirect(1, L, A, { setCookies: ['cookie2'], sentCookies: [] }),
      redirect(2, A, L, { sentCookies: back }),
    ];
    expect(cookieState(loop([]))).toBe('not-returned');
    expect(cookieState(loop(['cna']))).toBe('not-returned');
    expect(cookieState(loop(['cookie2']))).toBe('returned');
  });
  it('carried on every step without being set in the chain → carried; none anywhere → none', () => {
    const withSession = [0, 1, 2].map((i) =>
      redirect(i, i % 2 ? L : A, i % 2 ? A : L, { sentCookies: ['cookie2', i ? 'x' : 'y'] }),
    );
    expect(cookieState(withSession)).toBe('carried');
    expect(cookieState([0, 1, 2].map((i) => redirect(i, A, L, { sentCookies: [] })))).toBe('none');
  });
  it('not known when the steps do not show cookies (a HAR exported without them, headers not seen)', () => {
    expect(cookieState([0, 1, 2].map((i) => redirect(i, A, L)))).toBe('unknown');
    // set as the very last step: nothing after it to carry it back
    expect(cookieState([redirect(0, A, L, { sentCookies: [] }), redirect(1, L, A, { setCookies: ['c'] })])).toBe(
      'unknown',
    );
    // in a HAR, no Cookie header on a step counts as none once the chain shows cookies elsewhere
    expect(cookieState([redirect(0, A, L), redirect(1, L, A, { setCookies: ['c'] }), redirect(2, A, L)])).toBe(
      'not-returned',
    );
  });
  it('the browser blocking cookies decides first', () => {
    const obs = findLoops(
      [0, 1, 2].map((i) =>
        o('www.taobao.com', { at: i, type: 'main_frame', status: 302, redirectTo: 'login.taobao.com/l' }),
      ),
    );
    expect(obs).toHaveLength(1);
    expect(loopCookies(obs[0]!)).toBe('unknown');
    expect(loopCookies({ ...obs[0]!, cookiesBlocked: true })).toBe('blocked');
    expect(loopCookies({ ...obs[0]!, cookies: 'not-returned' })).toBe('blocked');
  });
});

describe('RedirectLoopDetector', () => {
  it('reports a login loop where cookies were set but never sent back', () => {
    const d = new RedirectLoopDetector();
    expect(
      d.push(redirect(0, 'ecs.console.aliyun.com/', 'signin.aliyun.com/login.htm', { sentCookies: [] })),
    ).toBeNull();
    expect(
      d.push(
        redirect(100, 'signin.aliyun.com/login.htm', 'ecs.console.aliyun.com/', {
          setCookies: ['login_aliyunid_ticket'],
          sentCookies: [],
        }),
      ),
    ).toBeNull();
    const o2 = d.push(
      redirect(200, 'ecs.console.aliyun.com/', 'signin.aliyun.com/login.htm', { sentCookies: ['aliyun_lang'] }),
    );
    expect(o2).toMatchObject({
      kind: 'redirect-loop',
      login: true,
      cookies: 'not-returned',
      hops: 3,
      service: 'console',
    });
    expect(o2!.hosts).toEqual(['ecs.console.aliyun.com', 'signin.aliyun.com']);
  });

  it('a loop through a sign-in form: a person retyping the password tens of seconds apart', () => {
    const d = new RedirectLoopDetector();
    const round = (t: number) => [
      redirect(t, 'cart.taobao.com/cart.htm', 'login.taobao.com/member/login.jhtml', { sentCookies: ['cookie2'] }),
      step(t + 0.3e3, 'login.taobao.com/member/login.jhtml', 'load', { sentCookies: ['cookie2'] }),
      // 40 s typing, then the form posts (fetch) and gets its session cookie
      step(t + 40e3, 'login.taobao.com/newlogin/login.do', 'sign-in', { setCookies: ['cookie2'], sentCookies: [] }),
    ];
    const out = [...round(0), ...round(41e3), ...round(82e3)].map((s) => d.push(s));
    // the second bounce of the cart to the sign-in page after a sign-in is the loop
    expect(out.slice(0, 3)).toEqual([null, null, null]);
    expect(out[3]).toMatchObject({ login: true, cookies: 'returned' });
    // a sign-in that works ends the chain: the cart loads
    const ok = new RedirectLoopDetector();
    const fine = [...round(0), step(40.5e3, 'cart.taobao.com/cart.htm', 'load', { sentCookies: ['cookie2'] })].map(
      (s) => ok.push(s),
    );
    expect(fine.every((x) => x === null)).toBe(true);
  });

  it('a person going back and forth between pages is not a loop; a page reloading itself 10×/s is', () => {
    const d = new RedirectLoopDetector();
    const pages = [
      'www.taobao.com/',
      'item.taobao.com/item.htm',
      'www.taobao.com/',
      'item.taobao.com/item.htm',
      'www.taobao.com/',
    ];
    expect(pages.map((u, i) => d.push(step(i * (CLIENT_GAP_MS + 500), u)))).toEqual([null, null, null, null, null]);
    // …even when each of those pages passes through a single sign-on bounce
    const sso = new RedirectLoopDetector();
    const hops = [0, 1, 2].flatMap((k) => [
      redirect(k * 5000, 'www.tmall.com/', 'login.taobao.com/jump'),
      redirect(k * 5000 + 100, 'login.taobao.com/jump', 'www.tmall.com/'),
      step(k * 5000 + 200, 'www.tmall.com/'),
    ]);
    expect(hops.map((s) => sso.push(s)).every((x) => x === null)).toBe(true);
    const js = new RedirectLoopDetector();
    const hits = [0, 1, 2].map((i) => js.push({ ...step(100_000 + i * 100, 'a.taobao.com/x'), tab: 9 }));
    expect(hits[2]).not.toBeNull();
  });

  it('starts a new chain after a quiet gap or a reset, and per tab', () => {
    const d = new RedirectLoopDetector();
    d.push(step(0, 'a.taobao.com/x'));
    d.push(step(10, 'a.taobao.com/x'));
    expect(d.push(step(10 + CLIENT_GAP_MS + 1, 'a.taobao.com/x'))).toBeNull();
    expect(d.push({ ...step(CLIENT_GAP_MS + 20, 'a.taobao.com/x'), tab: 2 })).toBeNull();
    d.reset(1);
    expect(d.push(step(CLIENT_GAP_MS + 30, 'a.taobao.com/x'))).toBeNull();
    d.push(step(CLIENT_GAP_MS + 40, 'a.taobao.com/x'));
    expect(d.push(step(CLIENT_GAP_MS + 50, 'a.taobao.com/x'))).not.toBeNull();
    // a redirect's target continues the chain up to CHAIN_GAP_MS later, a sign-in up to SIGN_IN_GAP_MS
    const r = new RedirectLoopDetector();
    r.push(redirect(0, 'www.taobao.com/my', 'login.taobao.com/l'));
    r.push(redirect(CHAIN_GAP_MS, 'login.taobao.com/l', 'www.taobao.com/my'));
    expect(r.push(redirect(2 * CHAIN_GAP_MS, 'www.taobao.com/my', 'login.taobao.com/l'))).not.toBeNull();
    const s = new RedirectLoopDetector();
    s.push(redirect(0, 'www.taobao.com/my', 'login.taobao.com/l'));
    s.push(step(100, 'login.taobao.com/l'));
    s.push(step(100 + SIGN_IN_GAP_MS + 1, 'login.taobao.com/post', 'sign-in'));
    expect(s.push(redirect(101 + SIGN_IN_GAP_MS + 1, 'www.taobao.com/my', 'login.taobao.com/l'))).toBeNull();
  });
});

describe('the loop starts at the first page that comes round again', () => {
  it('a page loaded just before (a sign-in that set the session) is not a hop of the loop', () => {
    const d = new RedirectLoopDetector();
    d.push(step(0, 'login.taobao.com/sso/set', 'load', { sentCookies: [] }));
    let last = null;
    for (let k = 0; k < 4; k++) {
      d.push(
        redirect(500 + k * 20, 'buyertrade.taobao.com/list', 'login.taobao.com/jump', { sentCookies: ['cookie2'] }),
      );
      last =
        d.push(
          redirect(510 + k * 20, 'login.taobao.com/jump', 'buyertrade.taobao.com/list', { sentCookies: ['cookie2'] }),
        ) ?? last;
    }
    expect(last).toMatchObject({ cookies: 'carried', hops: 8 });
    expect(last!.hosts).toEqual(['buyertrade.taobao.com', 'login.taobao.com']);
  });
});

describe('findLoops: a recording’s loops, one observation per chain', () => {
  it('keeps the newest observation of each looping chain', () => {
    const hop = (at: number, host: string, to: string) =>
      o(host, { at, type: 'main_frame', path: '/' + host.split('.')[0], status: 302, redirectTo: to });
    const outs = [0, 1, 2, 3, 4, 5].map((k) =>
      k % 2 ? hop(k, 'login.taobao.com', 'www.taobao.com/www') : hop(k, 'www.taobao.com', 'login.taobao.com/login'),
    );
    const obs = findLoops(outs);
    expect(obs).toHaveLength(1);
    expect(obs[0]!.t).toBe(outs[5]!.t);
    expect(obs[0]!.hops).toBe(6);
    // a second loop after a quiet minute is another chain
    expect(findLoops([...outs, ...outs.map((x) => ({ ...x, t: x.t + 60_000 }))])).toHaveLength(2);
  });
});
