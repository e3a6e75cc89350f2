/**
 * Firefox, as tested as Chromium. `web-ext lint` on the shipped dist/firefox: 0 errors, 0 warnings. Then ONE
 * Firefox ESR (headless, WebDriver BiDi via puppeteer-core, a privileged context for extension pages), started
 * with an administrator's policy in a real managed-storage manifest, runs each scenario on a fresh install of the
 * SHIPPED build (dist/firefox) — except where the test build (dist/firefox-test: the shipped code with the
 * engine's recovery wait cut to 5 s and high ports trusted, see vite.config.ts) is needed:
 *   - a fresh install opens the welcome page, which finds host access granted;
 *   - the policy shows locked in the options and reaches the background's copy;
 *   - the recorded failure modes (404 image, OSS 403 with ids, refused, reset; test build: the test server's port);
 *   - the simulator's incidents (sim/, on the default ports): healthy browsing, a CDN outage, the 2023-11-12
 *     AccessKey outage (its recovery on the test build), offline, cookies blocked — each asserting the popup's
 *     data-verdict / data-cause and the badge;
 *   - host access withdrawn (about:addons → Permissions): the popup's grant state and the '!' badge, nothing
 *     recorded; the popup's button grants it back and the verdicts return;
 *   - the event page of the SHIPPED build sleeps: after the traffic it is suspended within the idle timeout and
 *     stays suspended; the badge survives, the popup wakes it with the same verdict, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page as FirefoxPage } from 'puppeteer-core';
import {
  closedPort,
  DIST_FIREFOX,
  handlers,
  launchFirefox,
  requireBuild,
  ROOT,
  startServer,
  testBuild,
  until,
  type LaunchedFirefox,
  type TestServer,
} from './harness';
import {
  badgeVerdict,
  FirefoxPerson,
  pollFirefoxPopup,
  readFirefoxPopup,
  WARMUP,
  type FirefoxReading,
} from './sim-scenarios';
import { PAGES } from '../../sim/browser';
import { startSim, type Sim, type SimMode } from '../../sim/server';
import { firefoxIdle } from './lifecycle';
import type { RequestOutcome } from '../../src/core/types';

it('web-ext lint on the shipped dist/firefox: 0 errors, 0 warnings', () => {
  requireBuild(DIST_FIREFOX);
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'web-ext', 'bin', 'web-ext.js'),
      'lint',
      '--source-dir',
      DIST_FIREFOX,
      '--output',
      'json',
      '--no-config-discovery',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 90_000 },
  );
  const start = r.stdout.indexOf('{');
  expect(start, `web-ext lint printed no JSON: ${r.stdout}\n${r.stderr}`).toBeGreaterThanOrEqual(0);
  const report = JSON.parse(r.stdout.slice(start)) as {
    summary: { errors: number; warnings: number };
    errors: { code: string; message: string; file?: string }[];
    warnings: { code: string; message: string; file?: string }[];
  };
  const list = (xs: { code: string; message: string; file?: string }[]) =>
    xs.map((e) => `${e.code}: ${e.message} (${e.file ?? ''})`);
  expect(list(report.errors)).toEqual([]);
  expect(list(report.warnings)).toEqual([]);
  expect(report.summary).toMatchObject({ errors: 0, warnings: 0 });
});

/** The managed-storage policy this Firefox runs with. */
const POLICY = {
  collectorUrl: 'https://collector.corp.example/',
  teamKey: 'corp-key-0123456789abcdef',
  crowdMode: 'off',
} as const;

describe('Firefox ESR over BiDi (shipped build, one browser)', () => {
  let sim: Sim;
  let server: TestServer;
  let refused: number;
  let fx: LaunchedFirefox;
  let dist: string;
  const rows: string[] = [];

  beforeAll(async () => {
    dist = testBuild('firefox');
    [sim, server, refused] = await Promise.all([
      startSim({ quiet: true }),
      startServer({
        'www.taobao.com /page': handlers.html('<!doctype html><link rel="icon" href="data:,"><p>fake</p>'),
        'bucket.oss-cn-hangzhou.aliyuncs.com /private/a.jpg': handlers.oss403('FFOSSREQUESTID0001', '0003-00000001'),
        'g.alicdn.com /reset.png': handlers.reset(),
        // The content script (one self-contained file, no web-accessible chunk) must still inject in Firefox.
        'www.taobao.com /pics': handlers.html(
          '<!doctype html><link rel="icon" href="data:,"><img src="undefined"><img src="undefined"><img src="null">',
        ),
      }),
      closedPort(),
    ]);
    // An administrator's policy as Firefox really provisions it (a managed-storage manifest, see launchFirefox):
    // crowd mode locked off — the default, so the scenarios below behave as without it — with a collector and a
    // team key set.
    fx = await launchFirefox({ port: sim.port, managedStorage: POLICY });
  });

  afterAll(async () => {
    await fx?.close();
    await Promise.all([sim?.close(), server?.close()]);
    if (rows.length)
      console.log(`\n[firefox scenarios]\n| scenario | popup | badge | ms |\n|---|---|---|---|\n${rows.join('\n')}`);
  });

  /**
   * A fresh install (the previous one removed, with its data) and a person with no open tabs. The shipped build
   * unless a test needs the test build: pages on the test server's own high port (the shipped build trusts
   * only a provider's default ports), or the engine's recovery wait cut to 5 s.
   */
  async function fresh(mode: SimMode = 'healthy', build: 'shipped' | 'test' = 'shipped'): Promise<FirefoxPerson> {
    sim.setMode(mode);
    await fx.install(build === 'test' ? dist : DIST_FIREFOX);
    // The install opens the welcome page; the test opens its own tabs only once that one is there (asked of
    // the browser itself, not of puppeteer): two tabs opening at once is where a tab once went unseen.
    const welcome = JSON.stringify(fx.base() + 'src/welcome/index.html');
    await until(
      () => fx.chrome<boolean>(`return gBrowser.tabs.some((t) => t.linkedBrowser.currentURI.spec === ${welcome});`),
      10_000,
      'the welcome page of the new install',
    );
    return new FirefoxPerson(fx.browser);
  }

  /** Poll the popup until it shows `want` with the matching badge; record the row; assert. */
  async function check(name: string, want: { verdict: string; cause: string }, t0: number): Promise<FirefoxReading> {
    const r = await pollFirefoxPopup(fx, want, 45_000);
    rows.push(
      `| ${name} | ${r.verdict}/${r.cause} | ${JSON.stringify(r.badge.text)} — ${r.badge.title} | ${Date.now() - t0} |`,
    );
    expect({ verdict: r.verdict, cause: r.cause }, `${name}: popup (headline: ${r.headline})`).toEqual(want);
    expect(badgeVerdict(r.badge.text), `${name}: badge ${JSON.stringify(r.badge)}`).toBe(want.verdict);
    if (want.verdict !== 'healthy') expect(r.badge.title.length, `${name}: badge title`).toBeGreaterThan(10);
    return r;
  }

  /**
   * Every record of one store of the history, read from an extension page. The page is opened once per install
   * and reused: a test that polls the history must not open and close a tab fifty times a second.
   */
  let reader: { base: string; page: FirefoxPage } | null = null;
  async function readAll<T>(store: 'outcomes' | 'observations'): Promise<T[]> {
    if (!reader || reader.base !== fx.base() || reader.page.isClosed()) {
      await reader?.page.close().catch(() => undefined);
      reader = { base: fx.base(), page: await fx.openPage('src/options/index.html') };
    }
    return await reader.page.evaluate(
      (name) =>
        new Promise<T[]>((res, rej) => {
          const r = indexedDB.open('faultline');
          r.onerror = () => rej(r.error);
          r.onsuccess = () => {
            const g = r.result.transaction(name).objectStore(name).getAll();
            g.onsuccess = () => {
              r.result.close();
              res(g.result as T[]);
            };
            g.onerror = () => rej(g.error);
          };
        }),
      store,
    );
  }
  const readOutcomes = () => readAll<RequestOutcome>('outcomes');

  it('a fresh install opens the welcome page, which finds host access granted', async () => {
    await fresh();
    const page = await fx.findPage('src/welcome/index.html');
    await page.waitForSelector('main.welcome[data-access="granted"]', { timeout: 15_000 });
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toMatch(/crowd|众包/i);
  });

  it('an administrator’s policy from managed storage shows locked in the options and reaches the background', async () => {
    await fresh();
    const page = await fx.openPage('src/options/index.html');
    try {
      await page.waitForSelector('[data-testid="policy-notice"]', { timeout: 15_000 });
      const field = (sel: string) =>
        page.$eval(sel, (e) => {
          const i = e as HTMLInputElement;
          return { disabled: i.disabled, value: i.type === 'checkbox' ? String(i.checked) : i.value };
        });
      expect(await field('#collector')).toEqual({ disabled: true, value: POLICY.collectorUrl });
      expect(await field('#team-key')).toEqual({ disabled: true, value: POLICY.teamKey });
      expect(await field('#crowd')).toEqual({ disabled: true, value: 'false' });
      // The page keeps the background's copy of the policy (the background never asks managed storage itself).
      const copy = await page.evaluate(async () => {
        const b = (globalThis as unknown as { browser: { storage: { local: { get(k: string): Promise<object> } } } })
          .browser;
        return ((await b.storage.local.get('faultline.policy')) as Record<string, unknown>)['faultline.policy'];
      });
      expect(copy).toMatchObject({ collectorUrl: POLICY.collectorUrl, crowdMode: 'off', teamKey: POLICY.teamKey });
    } finally {
      await page.close().catch(() => undefined);
    }
  });

  it('records a 404 image, an OSS 403 (headers + NS_BINDING_ABORTED → http.4xx, with ids), a refused connection and a reset', async () => {
    await fresh('healthy', 'test');
    const page = await fx.browser.newPage();
    const base = `http://www.taobao.com:${server.port}`;
    await page.goto(`${base}/page`);
    const results = await page.evaluate(
      (urls: string[]) =>
        Promise.all(
          urls.map(
            (u) =>
              new Promise<string>((res) => {
                const img = new Image();
                img.onload = () => res('load');
                img.onerror = () => res('error');
                img.src = u;
              }),
          ),
        ),
      [
        `http://img.alicdn.com:${server.port}/missing/404.png`,
        `http://refused.taobao.com:${refused}/x.png`,
        `http://bucket.oss-cn-hangzhou.aliyuncs.com:${server.port}/private/a.jpg?OSSAccessKeyId=LTAI5tFFKEY000000000&Signature=SECRET`,
        `http://g.alicdn.com:${server.port}/reset.png`,
      ],
    );
    await page.close();
    expect(results).toEqual(['error', 'error', 'error', 'error']);
    let stored: RequestOutcome[] = [];
    await until(
      async () => {
        stored = await readOutcomes();
        return ['img.alicdn.com', 'refused.taobao.com', 'bucket.oss-cn-hangzhou.aliyuncs.com', 'g.alicdn.com'].every(
          (h) => stored.some((o) => o.host === h),
        );
      },
      20_000,
      'the four outcomes stored',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(stored)}`);
    });
    expect(stored.find((o) => o.host === 'img.alicdn.com')).toMatchObject({
      path: '/missing/404.png',
      service: 'cdn',
      type: 'image',
      status: 404,
      kind: 'http.4xx',
      phase: 'application',
    });
    expect(stored.find((o) => o.host === 'refused.taobao.com')).toMatchObject({
      path: '/x.png',
      service: 'shopping',
      status: 0,
      kind: 'tcp.refused',
      phase: 'connection',
      error: 'NS_ERROR_CONNECTION_REFUSED',
    });
    const oss = stored.find((o) => o.service === 'oss')!;
    expect(oss).toMatchObject({
      path: '/private/a.jpg',
      status: 403,
      kind: 'http.4xx',
      ids: { ossRequestId: 'FFOSSREQUESTID0001', ossEc: '0003-00000001' },
    });
    expect(oss.keyTag).toMatch(/^[0-9a-f]{16}$/);
    expect(stored.find((o) => o.host === 'g.alicdn.com')).toMatchObject({
      status: 0,
      kind: 'tcp.reset',
      phase: 'connection',
      error: 'NS_ERROR_NET_RESET',
    });
    expect(JSON.stringify(stored)).not.toMatch(/SECRET|LTAI5t|\?/);
    expect(stored.find((o) => o.host === 'www.taobao.com')).toMatchObject({
      type: 'main_frame',
      status: 200,
      kind: 'ok',
    });
  });

  it('the broken-picture content script injects (self-contained, nothing web-accessible) and reports', async () => {
    await fresh('healthy', 'test');
    const page = await fx.browser.newPage();
    // Closed whatever happens: left open, its broken pictures would be reported into the following scenarios.
    try {
      await page.goto(`http://www.taobao.com:${server.port}/pics`);
      const found = await until(
        async () => {
          const obs = (
            await readAll<{ kind: string; reason?: string; count?: number; pageHost?: string }>('observations')
          ).filter((o) => o.kind === 'broken-image' && o.reason === 'empty-url');
          return obs.reduce((n, o) => n + (o.count ?? 0), 0) >= 3 ? obs : null;
        },
        20_000,
        'broken pictures reported by the content script',
      );
      expect(found![0]!.pageHost).toBe('www.taobao.com');
    } finally {
      await page.close().catch(() => undefined);
    }
  });

  it('healthy: console, shop, Yuque and a control site all work → healthy, quiet badge', async () => {
    const t0 = Date.now();
    const person = await fresh();
    const nav = await person.browse([...WARMUP, PAGES.myTaobao, PAGES.shop]);
    expect(
      nav.every((n) => n.ok),
      JSON.stringify(nav),
    ).toBe(true);
    await check('healthy', { verdict: 'healthy', cause: 'none' }, t0);
    await person.closeTabs();
  });

  it('cdn-failure: alicdn resets and 504s while the page and mtop work → provider/cdn', async () => {
    const t0 = Date.now();
    const person = await fresh();
    await person.browse([PAGES.shop]);
    sim.setMode('cdn-failure');
    await person.browse([PAGES.shop, PAGES.shop]);
    await check('cdn-failure', { verdict: 'provider', cause: 'cdn' }, t0);
    await person.closeTabs();
  });

  /** The 2023-11-12 outage as a person lives it: keys that worked are refused, the console sign-in bounces. */
  async function akOutage(person: FirefoxPerson, t0: number, name: string): Promise<void> {
    await person.browse([PAGES.console, PAGES.shop, PAGES.consoleSession]);
    sim.setMode('ak-outage');
    await person.browse([PAGES.console, PAGES.shop]);
    const nav = await person.browse([PAGES.consoleSession]);
    expect(nav[0]!.ok, 'the sign-in bounces until Firefox gives up').toBe(false);
    await person.browse([PAGES.console]);
    await check(name, { verdict: 'provider', cause: 'auth-service' }, t0);
  }

  it('ak-outage (2023-11-12): keys that worked are refused → provider/auth-service', async () => {
    const t0 = Date.now();
    const person = await fresh();
    await akOutage(person, t0, 'ak-outage');
    await person.closeTabs();
  });

  it('ak-outage, then it recovers → healthy (test build: the shipped code with its one-minute recovery wait cut to 5 s)', async () => {
    const t0 = Date.now();
    const person = await fresh('healthy', 'test');
    await akOutage(person, t0, 'ak-outage (test build)');

    // Recovery: the person keeps working; once the blamed services have been quiet for the (test build's)
    // recovery period and work again, the verdict clears. No fixed wait: browse, look, repeat.
    const t1 = Date.now();
    sim.setMode('healthy');
    let r: FirefoxReading | undefined;
    await until(
      async () => {
        await person.browse([PAGES.console, PAGES.shop, PAGES.consoleSession, PAGES.console]);
        r = await readFirefoxPopup(fx);
        return r.verdict === 'healthy';
      },
      60_000,
      'recovered to healthy',
    ).catch(() => undefined);
    rows.push(
      `| ak-outage → recovery | ${r?.verdict}/${r?.cause} | ${JSON.stringify(r?.badge.text)} | ${Date.now() - t1} |`,
    );
    expect({ verdict: r?.verdict, cause: r?.cause }).toEqual({ verdict: 'healthy', cause: 'none' });
    expect(r?.badge.text, 'the badge is quiet again').toBe('');
    await person.closeTabs();
  });

  it('offline (Firefox in offline mode) after healthy browsing → user/offline', async () => {
    const t0 = Date.now();
    const person = await fresh();
    await person.browse([PAGES.console, PAGES.shop]);
    // Firefox lets loopback connections through in offline mode unless told not to (every host is 127.0.0.1 here).
    await fx.setPref('network.disable-localhost-when-offline', true);
    await fx.chrome('Services.io.manageOfflineStatus = false; Services.io.offline = true;');
    try {
      const nav = await person.browse([PAGES.shop, PAGES.console, PAGES.yuque]);
      expect(nav.filter((n) => !n.ok).length, JSON.stringify(nav)).toBeGreaterThan(0);
      await check('offline', { verdict: 'user', cause: 'offline' }, t0);
    } finally {
      await fx.chrome(
        "Services.io.offline = false; Services.prefs.clearUserPref('network.disable-localhost-when-offline');",
      );
      await person.closeTabs();
    }
  });

  it('cookies blocked (network.cookie.cookieBehavior = 2) → the login bounces forever → user/cookies-blocked', async () => {
    const t0 = Date.now();
    const person = await fresh();
    await fx.setPref('network.cookie.cookieBehavior', 2);
    try {
      const nav = await person.browse([PAGES.shop, PAGES.myTaobao]);
      expect(nav[1]!.ok, JSON.stringify(nav)).toBe(false);
      await check('cookies-blocked', { verdict: 'user', cause: 'cookies-blocked' }, t0);
    } finally {
      await fx.chrome("Services.prefs.clearUserPref('network.cookie.cookieBehavior');");
      await person.closeTabs();
    }
  });

  it('host access withdrawn: grant state and "!" badge, nothing recorded; the popup grants it back and the verdict returns', async () => {
    const t0 = Date.now();
    const person = await fresh();
    await person.browse([PAGES.shop]);
    await fx.setHostAccess(false);
    const denied = await pollFirefoxPopup(fx, { verdict: '', cause: '', phase: 'access' }, 15_000);
    expect(denied.phase, 'the popup asks for access').toBe('access');
    expect(denied.badge.text).toBe('!');
    const before = (await readOutcomes()).length;
    sim.setMode('cdn-failure');
    await person.browse([PAGES.shop, PAGES.shop]);
    expect((await readOutcomes()).length, 'nothing is recorded without host access').toBe(before);

    // The user clicks "Allow access" in the popup (prompts are answered yes in this profile).
    const popup = await fx.openPage('src/popup/index.html');
    await popup.waitForSelector('main[data-phase="access"] [data-action="grant-access"]', { timeout: 10_000 });
    await popup.click('[data-action="grant-access"]');
    await popup.waitForSelector('main[data-phase="ready"], main[data-phase="loading"]', { timeout: 10_000 });
    await popup.close().catch(() => undefined);
    expect(
      await fx.chrome<boolean>(`return WebExtensionPolicy.getByID('faultline@faultline.dev').allowedOrigins
      .matches(Services.io.newURI('https://img.alicdn.com/x.jpg'));`),
    ).toBe(true);
    await person.browse([PAGES.shop, PAGES.shop]);
    await check('host access granted again → cdn-failure', { verdict: 'provider', cause: 'cdn' }, t0);
    await person.closeTabs();
  });

  it('the event page sleeps: suspended within its idle time, stays so, writes nothing when nothing changed; badge and verdict survive', async () => {
    // The SHIPPED build: in the test build the blamed CDN may count as recovered after 5 s of quiet, and the
    // verdict would rightly change while the page sleeps. Firefox's event-page idle timeout (30 s by default) is
    // shortened for this test; an extension started after the change uses it, so it is set before the install.
    const IDLE_MS = 3_000;
    await fx.setPref('extensions.background.idle.timeout', IDLE_MS);
    try {
      const r = await firefoxIdle(fx, DIST_FIREFOX, {
        sim,
        observeMs: 2_500,
        wake: true,
        stopWithinMs: IDLE_MS + 20_000,
      });
      const firstStop = r.stops[0]!;
      rows.push(
        `| idle | suspended ${r.stoppedAfterMs} ms after the last traffic (idle timeout ${IDLE_MS} ms); writes: ${r.writes.map((w) => w.keys.join('+')).join(', ') || 'none'} | ${JSON.stringify(r.badgeWhileStopped)} while suspended | |`,
      );
      expect(r.stoppedAfterMs, 'suspended within the idle time (plus slack)').toBeLessThan(IDLE_MS + 15_000);
      // Nothing woke it until the popup did (the next alarm is a minute away) …
      expect(r.starts.filter((t) => t > firstStop && t < r.woken!.at)).toEqual([]);
      // … the badge stayed while it was suspended …
      expect(badgeVerdict(r.badgeWhileStopped)).toBe('provider');
      // … the popup woke it with the same verdict, rebuilt from stored history …
      expect(
        r.starts.some((t) => t >= r.woken!.at),
        'the popup woke the event page',
      ).toBe(true);
      expect({ verdict: r.woken!.verdict, cause: r.woken!.cause }).toEqual({ verdict: 'provider', cause: 'cdn' });
      // … and storage.session saw only what the last traffic changed, coalesced, and nothing from a wake-up that
      // changed nothing.
      expect(r.writes.filter((w) => w.t < firstStop).length, JSON.stringify(r.writes)).toBeLessThanOrEqual(4);
      const rel = (t: number) => t - firstStop;
      expect(
        r.writes.filter((w) => w.t >= firstStop).map((w) => `${rel(w.t)} ms: ${w.keys.join('+')}`),
        `nothing written after the first suspension (woken by the popup at ${rel(r.woken!.at)} ms)`,
      ).toEqual([]);
    } finally {
      await fx.chrome("Services.prefs.clearUserPref('extensions.background.idle.timeout');");
    }
  });
});
