import { describe, expect, it } from 'vitest';
import {
  CHAIN_GAP_MS,
  CLIENT_GAP_MS,
  RedirectLoopDetector,
  loopShape,
  type NavStep,
} from '../../src/core/loops/redirect-loops';
import { serviceOf } from '../../src/core/catalogue/match';

function step(t: number, url: string, kind: NavStep['kind'] = 'commit', extra: Partial<NavStep> = {}): NavStep {
  const host = url.slice(0, url.indexOf('/'));
  return { t, tabId: 1, url, host, service: serviceOf(host), kind, ...extra };
}

describe('redirect loop shapes', () => {
  it('a single SSO bounce that leaves and returns once is not a loop', () => {
    expect(
      loopShape([
        step(0, 'www.tmall.com/'),
        step(100, 'tmcc.tmall.com/pass.htm', 'redirect'),
        step(200, 'login.taobao.com/jump', 'redirect'),
        step(300, 'pass.tmall.com/add', 'redirect'),
        step(400, 'www.tmall.com/'),
      ]),
    ).toBeNull();
  });

  it('same URL three times is a loop', () => {
    expect(loopShape([step(0, 'a.taobao.com/x'), step(50, 'a.taobao.com/x'), step(100, 'a.taobao.com/x')])).toBe(
      'loop',
    );
  });

  it('A→B→A→B is ping-pong', () => {
    expect(
      loopShape([
        step(0, 'www.taobao.com/', 'redirect'),
        step(10, 'login.taobao.com/member/login.jhtml', 'redirect'),
        step(20, 'www.taobao.com/', 'redirect'),
        step(30, 'login.taobao.com/member/login.jhtml'),
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

  it("the browser's own verdict is a loop (both browsers)", () => {
    expect(loopShape([step(0, 'x.aliyun.com/', 'error', { error: 'net::ERR_TOO_MANY_REDIRECTS' })])).toBe('browser');
    expect(loopShape([step(0, 'x.aliyun.com/', 'error', { error: 'NS_ERROR_REDIRECT_LOOP' })])).toBe('browser');
    expect(loopShape([step(0, 'x.aliyun.com/', 'error', { error: 'Error code 2152398879' })])).toBe('browser');
  });
});

describe('RedirectLoopDetector', () => {
  it('reports a login loop where cookies were set but never sent back', () => {
    const d = new RedirectLoopDetector();
    expect(
      d.push(step(0, 'signin.aliyun.com/login.htm', 'redirect', { setCookies: ['login_aliyunid_ticket'] })),
    ).toBeNull();
    expect(d.push(step(100, 'ecs.console.aliyun.com/', 'redirect', { sentCookies: ['aliyun_lang'] }))).toBeNull();
    expect(d.push(step(200, 'signin.aliyun.com/login.htm', 'redirect'))).toBeNull();
    const o = d.push(step(300, 'ecs.console.aliyun.com/', 'redirect', { sentCookies: [] }));
    expect(o).toMatchObject({
      kind: 'redirect-loop',
      login: true,
      cookiesSet: true,
      cookiesReturned: false,
      hops: 4,
      service: 'console',
    });
    expect(o!.hosts).toEqual(['signin.aliyun.com', 'ecs.console.aliyun.com']);
  });

  it('knows when no step carried a cookie (seen and empty), and when it cannot know', () => {
    const d = new RedirectLoopDetector();
    const urls = ['www.taobao.com/a', 'www.tmall.com/b', 'www.taobao.com/a', 'www.tmall.com/b'];
    const out = urls.map((u, i) => d.push(step(i * 10, u, 'redirect', { sentCookies: [] })));
    expect(out[3]).toMatchObject({ cookiesSet: false, cookiesSent: false });
    const unknown = new RedirectLoopDetector();
    const o2 = urls.map((u, i) => unknown.push(step(i * 10, u, 'redirect', i === 1 ? { sentCookies: [] } : {})));
    expect(o2[3]!.cookiesSent).toBeUndefined();
    const some = new RedirectLoopDetector();
    const o3 = urls.map((u, i) => some.push(step(i * 10, u, 'redirect', { sentCookies: i === 2 ? ['cna'] : [] })));
    expect(o3[3]!.cookiesSent).toBe(true);
  });

  it('reports a login loop where cookies do come back', () => {
    const d = new RedirectLoopDetector();
    d.push(step(0, 'login.taobao.com/member/login.jhtml', 'redirect', { setCookies: ['cookie2', '_tb_token_'] }));
    d.push(step(10, 'www.taobao.com/', 'redirect', { sentCookies: ['cookie2', '_tb_token_'] }));
    d.push(step(20, 'login.taobao.com/member/login.jhtml', 'redirect'));
    const o = d.push(step(30, 'www.taobao.com/', 'redirect', { sentCookies: ['cookie2'] }), false);
    expect(o).toMatchObject({ cookiesSet: true, cookiesReturned: true, cookiesBlocked: false });
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
    const js = new RedirectLoopDetector();
    const hits = [0, 1, 2].map((i) => js.push({ ...step(100_000 + i * 100, 'a.taobao.com/x'), tabId: 9 }));
    expect(hits[2]).not.toBeNull();
  });

  it('starts a new chain after a quiet gap or a reload, and per tab', () => {
    const d = new RedirectLoopDetector();
    d.push(step(0, 'a.taobao.com/x'));
    d.push(step(10, 'a.taobao.com/x'));
    expect(d.push(step(10 + CHAIN_GAP_MS + 1, 'a.taobao.com/x'))).toBeNull();
    expect(d.push({ ...step(CHAIN_GAP_MS + 20, 'a.taobao.com/x'), tabId: 2 })).toBeNull();
    expect(d.push(step(CHAIN_GAP_MS + 30, 'a.taobao.com/x', 'commit', { reload: true }))).toBeNull();
    d.push(step(CHAIN_GAP_MS + 40, 'a.taobao.com/x'));
    expect(d.push(step(CHAIN_GAP_MS + 50, 'a.taobao.com/x'))).not.toBeNull();
  });
});
