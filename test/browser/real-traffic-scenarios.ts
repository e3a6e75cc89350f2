/**
 * The real-traffic scenarios (issue "diagnosis that holds on real traffic"), written once for both engines:
 * test/browser/real-traffic.test.ts runs them in Chromium, test/browser/firefox-real-traffic.test.ts in Firefox
 * ESR. Here: the fake provider's route table, the settings, and each scenario's steps and assertions against a
 * `Subject` (one fresh install of the extension in one browser). What differs between the engines (how a page is
 * opened, the network taken offline, the extension's storage read, the error names) is the browser file's part.
 */
import { describe, expect, it } from 'vitest';
import { handlers, until, type Handler } from './harness';
import type { LoggingServer } from './logged-provider';
import type { PopupState } from '../../src/core/messages';
import type { Observation, RequestOutcome } from '../../src/core/types';

export type LoopObs = Extract<Observation, { kind: 'redirect-loop' }>;

const html = (body: string) =>
  handlers.html(
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>${body}</body></html>`,
  );
const pictures = (n: number, host = 'img.alicdn.com') =>
  Array.from({ length: n }, (_, i) => `<img src="http://${host}/ok/p${i}.png">`).join('');

/** The provider's bug of these tests: the cart sends to sign-in whatever the browser sends (while `on`). */
export const cartLoop = { on: true };
const LOGIN = 'http://login.taobao.com/member/login.jhtml?redirectURL=http%3A%2F%2Fcart.taobao.com%2Fcart.htm';

/** The control site (www.baidu.com) answers; no status feed. Crowd mode where a scenario turns it on. */
export const SETTINGS = { controlSites: ['http://www.baidu.com/favicon.ico'], statusChecks: false };
export const CROWD_SETTINGS = { crowdEnabled: true, collectorUrl: 'http://www.baidu.com/collector' };

/** The port the forged pictures use that reaches the fake provider (the browser file maps it there). */
export const FORGED_SERVED_PORT = 8081;

export const ROUTES: Record<string, Handler> = {
  'www.baidu.com /favicon.ico': handlers.png(),
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`/ok/p${i}.png`, handlers.png()])),
  // The sign-in form: the page posts its form with fetch (after "typing"), gets its session cookie, goes back.
  'cart.taobao.com /cart.htm': (req, res) => {
    if (!cartLoop.on) return html(`<p>cart</p>${pictures(6)}`)(req, res);
    res.writeHead(302, { location: LOGIN, 'cache-control': 'no-store' });
    res.end();
  },
  'login.taobao.com /member/login.jhtml': html(
    `<form><input name="u"></form>${pictures(2)}<script>
setTimeout(async () => {
  await fetch('/newlogin/login.do?appName=taobao', { method: 'POST', body: 'u=x&p=SECRETPASSWORD', credentials: 'include' });
  location.href = 'http://cart.taobao.com/cart.htm';
}, 200);
</script>`,
  ),
  'login.taobao.com /newlogin/login.do': (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'set-cookie': 'cookie2=SECRETSESSION; Domain=taobao.com; Path=/; Max-Age=3600',
    });
    res.end('{"content":{"success":true}}');
  },
  // A session set earlier, then a server loop that carries it on every hop until the browser gives up.
  'login.taobao.com /sso/set': (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html',
      'cache-control': 'no-store',
      'set-cookie': 'cookie2=SECRETSESSION; Domain=taobao.com; Path=/; Max-Age=3600',
    });
    res.end('<!doctype html><link rel="icon" href="data:,"><p>signed in</p>');
  },
  'buyertrade.taobao.com /trade/list.htm': (_req, res) => {
    res.writeHead(302, { location: 'http://login.taobao.com/jump?target=list', 'cache-control': 'no-store' });
    res.end();
  },
  'login.taobao.com /jump': (_req, res) => {
    res.writeHead(302, { location: 'http://buyertrade.taobao.com/trade/list.htm', 'cache-control': 'no-store' });
    res.end();
  },
  // A shop page (a watched site) that points pictures at a provider host on ports no service uses: 30 on :9 (the
  // browser refuses that port itself), 10 on :8081 (mapped to the fake provider, which answers 503).
  'www.taobao.com /forged': html(
    pictures(8) +
      Array.from({ length: 30 }, (_, i) => `<img src="http://oss-cn-hangzhou.aliyuncs.com:9/forged/${i}.png">`).join(
        '',
      ) +
      Array.from(
        { length: 10 },
        (_, i) => `<img src="http://oss-cn-hangzhou.aliyuncs.com:${FORGED_SERVED_PORT}/forged/${i}.png">`,
      ).join(''),
  ),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`/forged/${i}.png`, handlers.status(503, 'down')])),
  'www.taobao.com /': html(`<p>home</p>${pictures(6)}`),
  // The container registry's token handshake, as its web UI does it: 401 + WWW-Authenticate, token, 200.
  'registry.cn-hangzhou.aliyuncs.com /ui': html(
    `${pictures(6)}<script>
(async () => {
  for (let i = 0; i < 3; i++) {
    const r = await fetch('/v2/');
    const realm = /realm="([^"]+)"/.exec(r.headers.get('www-authenticate') || '')[1];
    const { token } = await (await fetch(realm)).json();
    await fetch('/v2/', { headers: { authorization: 'Bearer ' + token } });
  }
  document.title = 'done';
})();
</script>`,
  ),
  'registry.cn-hangzhou.aliyuncs.com /v2/': (req, res) => {
    if (req.headers.authorization === 'Bearer SECRETTOKEN') return handlers.json({})(req, res);
    res.writeHead(401, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer realm="http://registry.cn-hangzhou.aliyuncs.com/token",service="registry"',
    });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  },
  'registry.cn-hangzhou.aliyuncs.com /token': handlers.json({ token: 'SECRETTOKEN' }),
};

/** A tab the scenario opened. */
export interface Tab {
  /** Run `fn` in the page (throws while the page navigates: poll it). */
  evaluate<T>(fn: () => T): Promise<T>;
  close(): Promise<void>;
}

/** One fresh install of the extension in one browser, as the scenarios see it. */
export interface Subject {
  /** Open `url` in a new tab; by default wait until it loaded or failed (a failure is not an error). */
  open(url: string, opts?: { wait?: boolean }): Promise<Tab>;
  /** The browser's network off (the operating system says there is none) or on again. */
  offline(on: boolean): Promise<void>;
  outcomes(): Promise<RequestOutcome[]>;
  observations(): Promise<Observation[]>;
  /** The popup's state over its own message ('ui/get-state'). */
  state(): Promise<PopupState>;
  /** The popup page once ready: its root's data-verdict / data-cause and its text. */
  popup(): Promise<{ verdict: string; cause: string; text: string }>;
  badge(): Promise<{ text: string; title: string }>;
  /** All of storage.local, as JSON. */
  storageLocal(): Promise<string>;
}

/** What an engine reports in its own words, and how its test blocks cookies. */
export interface EngineFacts {
  /** The error of a page load while the browser is offline. */
  offlineError: string;
  /** The error when the browser gives up on a redirect chain. */
  redirectLimitError: string;
  /** How the profile blocks cookies. */
  cookiesBlockedBy: string;
}

/** One scenario: its test's title, what the browser needs (cookies blocked, settings beside SETTINGS), its steps. */
export interface Scenario {
  title: (f: EngineFacts) => string;
  cookiesBlocked?: boolean;
  settings?: Record<string, unknown>;
  run: (s: Subject, server: LoggingServer, f: EngineFacts) => Promise<void>;
}

/** Poll the popup's state until `ok` holds; returns it (throws with the last diagnosis at the deadline). */
export async function waitForState(
  s: Subject,
  ok: (x: PopupState) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PopupState> {
  let last: PopupState | undefined;
  const got = await until(
    async () => {
      last = await s.state();
      return ok(last) ? last : null;
    },
    timeoutMs,
    what,
    200,
  ).catch((e: Error) => {
    const d = last?.diagnosis;
    throw new Error(
      `${e.message}; last diagnosis: ${JSON.stringify(d && { verdict: d.verdict, cause: d.cause, evidence: d.evidence.map((x) => x.id) })}`,
    );
  });
  return got!;
}

const loopObs = async (s: Subject): Promise<LoopObs[]> =>
  (await s.observations()).filter((o): o is LoopObs => o.kind === 'redirect-loop');

/** The person opens the cart and ends up in a loop through the sign-in form, until the provider fixes its cart. */
async function signInLoop(s: Subject, server: LoggingServer): Promise<{ loops: LoopObs[]; seen: number }> {
  cartLoop.on = true;
  const seen = server.log.length;
  const posts = () => server.log.filter((x) => x.path === '/newlogin/login.do').length;
  const before = posts();
  await s.open('http://cart.taobao.com/cart.htm', { wait: false });
  let loops: LoopObs[] = [];
  try {
    // The loop is kept up until it is recorded and the form was posted twice (the record may come first).
    await until(
      async () => (loops = await loopObs(s)).length > 0 && posts() - before >= 2,
      20_000,
      'a loop through the sign-in form, posted twice',
    );
  } finally {
    cartLoop.on = false; // the provider fixes its cart: the page stops bouncing
  }
  expect(posts() - before, 'the form was posted again and again').toBeGreaterThanOrEqual(2);
  return { loops, seen };
}

/** Sign-in form loop, the session cookie carried back → provider / login-loop. */
async function signInLoopCookieReturned(s: Subject, server: LoggingServer): Promise<void> {
  const { loops } = await signInLoop(s, server);
  expect(loops[0]!).toMatchObject({ login: true, cookies: 'returned', service: 'shopping' });
  expect(loops[0]!.hosts.sort()).toEqual(['cart.taobao.com', 'login.taobao.com']);
  const st = await waitForState(s, (x) => x.diagnosis.cause === 'login-loop', 10_000, 'login-loop');
  expect(st.diagnosis.verdict).toBe('provider');
  expect(st.diagnosis.evidence.map((e) => e.id)).toEqual(expect.arrayContaining(['redirect-loop', 'cookies-returned']));
  expect(await s.popup()).toMatchObject({ verdict: 'provider', cause: 'login-loop' });
  expect(JSON.stringify([loops, await s.outcomes()])).not.toContain('SECRET');
}

/** The same loop with cookies blocked in the browser: set by the sign-in, never sent back → user / cookies-blocked. */
async function signInLoopCookiesBlocked(s: Subject, server: LoggingServer): Promise<void> {
  const { loops, seen } = await signInLoop(s, server);
  expect(loops[0]!).toMatchObject({ login: true, cookies: 'not-returned' });
  const cart = server.log.slice(seen).filter((x) => x.host === 'cart.taobao.com');
  expect(cart.length).toBeGreaterThanOrEqual(2);
  expect(cart.every((x) => !x.cookie?.includes('cookie2'))).toBe(true);
  await waitForState(s, (x) => x.diagnosis.cause === 'cookies-blocked', 10_000, 'cookies-blocked');
  expect(await s.popup()).toMatchObject({ verdict: 'user', cause: 'cookies-blocked' });
}

/** The browser's own redirect-limit error, the session cookie (set before) on every hop → provider / login-loop. */
async function redirectLimitCookieCarried(s: Subject, server: LoggingServer): Promise<void> {
  await (await s.open('http://login.taobao.com/sso/set')).close();
  await s.open('http://buyertrade.taobao.com/trade/list.htm'); // the browser gives up after its redirect limit
  let loops: LoopObs[] = [];
  await until(async () => (loops = await loopObs(s)).length > 0, 10_000, 'loop observation');
  const hops = server.log.filter((x) => x.host === 'buyertrade.taobao.com');
  expect(hops.length, 'a loop, not one hop').toBeGreaterThanOrEqual(5);
  expect(hops.every((x) => x.cookie?.includes('cookie2='))).toBe(true);
  expect(loops[0]!).toMatchObject({ login: true, cookies: 'carried' });
  const st = await waitForState(s, (x) => x.diagnosis.cause === 'login-loop', 10_000, 'login-loop');
  expect(st.diagnosis.evidence.map((e) => e.id)).toContain('cookies-carried');
}

/**
 * A fresh install is quiet; then 40 pictures at oss-cn-hangzhou.aliyuncs.com:9 and :8081 on a watched page leave
 * the verdict and the crowd queue untouched (crowd mode on).
 */
async function quietThenForged(s: Subject, server: LoggingServer): Promise<void> {
  // A fresh install: healthy and quiet — the popup says Watching, not "something failed", and no badge.
  const fresh = await s.popup();
  expect([fresh.verdict, fresh.cause]).toEqual(['healthy', 'none']);
  expect(fresh.text).toContain('Watching');
  expect(fresh.text).not.toContain('Something failed');
  expect((await s.badge()).text).toBe('');
  const seen = server.log.length;
  const page = await s.open('http://www.taobao.com/forged');
  // Every forged picture failed on the page; the :8081 ones reached the server and got their 503.
  expect(
    await page.evaluate(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('img[src*="/forged/"]')].filter(
          (x) => x.complete && x.naturalWidth === 0,
        ).length,
    ),
  ).toBe(40);
  expect(server.log.slice(seen).filter((x) => x.path.startsWith('/forged/')).length).toBe(10);
  // The page and its real pictures are recorded; the forged ones are not, at all.
  await until(
    async () => (await s.outcomes()).filter((o) => o.host === 'img.alicdn.com').length >= 8,
    10_000,
    'the real pictures stored',
  );
  const st = await waitForState(s, (x) => x.diagnosis.verdict === 'healthy', 10_000, 'healthy');
  expect(st.diagnosis.cause).toBe('none');
  expect((await s.outcomes()).filter((o) => o.host.startsWith('oss-cn-hangzhou'))).toEqual([]);
  // Crowd mode is on, and nothing about OSS was queued or stored for the collector.
  const local = await s.storageLocal();
  expect(local).toContain('"crowdEnabled":true');
  expect(local).not.toContain('"oss"');
  expect(server.log.some((x) => x.path.startsWith('/collector'))).toBe(false);
  expect((await s.badge()).text).toBe('');
}

/** The browser says it is offline → user / offline; pages loading again → healthy. */
async function offlineThenBack(s: Subject, _server: LoggingServer, facts: EngineFacts): Promise<void> {
  await s.offline(true);
  try {
    await s.open('http://www.taobao.com/');
    await until(
      async () => (await s.outcomes()).some((o) => o.error === facts.offlineError),
      10_000,
      `the offline page stored (${facts.offlineError})`,
    );
    await waitForState(s, (x) => x.diagnosis.cause === 'offline', 10_000, 'offline');
    expect(await s.popup()).toMatchObject({ verdict: 'user', cause: 'offline' });
  } finally {
    await s.offline(false);
  }
  await s.open('http://www.taobao.com/');
  await waitForState(s, (x) => x.diagnosis.verdict === 'healthy', 10_000, 'healthy again');
}

/** 401 with WWW-Authenticate, then 200 on the same URL, three times → healthy. */
async function authHandshake(s: Subject): Promise<void> {
  const page = await s.open('http://registry.cn-hangzhou.aliyuncs.com/ui');
  await until(() => page.evaluate(() => document.title === 'done'), 10_000, 'the registry UI signed in');
  let challenged = 0;
  await until(
    async () => (challenged = (await s.outcomes()).filter((o) => o.status === 401 && o.challenge).length) === 3,
    10_000,
    'three challenges stored',
  );
  const st = await waitForState(s, (x) => x.diagnosis.verdict === 'healthy', 10_000, 'healthy');
  expect([st.diagnosis.verdict, st.diagnosis.cause, challenged]).toEqual(['healthy', 'none', 3]);
  expect(JSON.stringify(await s.outcomes())).not.toContain('SECRETTOKEN');
}

/** The scenarios by group, in the order they run. */
const SCENARIOS: Record<string, Scenario[]> = {
  'loops as people hit them': [
    {
      title: () =>
        'through the sign-in form (fetch POST, Set-Cookie, back to the cart), the cookie carried back → provider / login-loop',
      run: signInLoopCookieReturned,
    },
    {
      title: (f) =>
        `the same loop with cookies blocked (${f.cookiesBlockedBy}): set by the sign-in, never sent back → user / cookies-blocked`,
      cookiesBlocked: true,
      run: signInLoopCookiesBlocked,
    },
    {
      title: (f) =>
        `${f.redirectLimitError} with the session cookie (set before) carried on every hop → provider / login-loop`,
      run: redirectLimitCookieCarried,
    },
  ],
  'failures a page can forge': [
    {
      title: () =>
        'a fresh install is quiet; then 40 pictures at oss-cn-hangzhou.aliyuncs.com:9 and :8081 on a watched page leave the verdict and the crowd queue untouched',
      settings: CROWD_SETTINGS,
      run: quietThenForged,
    },
  ],
  'the browser says it is offline': [
    {
      title: (f) => `${f.offlineError} (this tab offline) → user / offline; pages loading again → healthy`,
      run: offlineThenBack,
    },
  ],
  'the HTTP authentication handshake': [
    { title: () => '401 with WWW-Authenticate, then 200 on the same URL, three times → healthy', run: authHandshake },
  ],
};

/** Declare every scenario as a test, run by the engine's `run` (a fresh install each). */
export function scenarioTests(f: EngineFacts, run: (sc: Scenario) => Promise<void>): void {
  for (const [group, list] of Object.entries(SCENARIOS))
    describe(group, () => {
      for (const sc of list) it(sc.title(f), () => run(sc));
    });
}
