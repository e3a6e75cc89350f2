/**
 * The real-traffic scenarios of test/browser/real-traffic.test.ts (written once, with their assertions, in
 * real-traffic-scenarios.ts) in ONE Firefox ESR (headless, WebDriver BiDi via puppeteer-core, harness.ts
 * launchFirefox) with the SHIPPED build (dist/firefox: the test build trusts ports ≥ 1024 and would count the
 * forged :8081 pictures), each scenario on a fresh install of the extension and an empty cookie jar.
 * Every host name resolves to 127.0.0.1; ports 80 and 8081 go to the fake provider's HTTP port, 443 to its HTTPS
 * port (network.socket.forcePort). What Firefox does its own way (measured here, Firefox ESR 153):
 *  - the redirect limit ends the chain with NS_ERROR_REDIRECT_LOOP (≈11 requests per host of a two-host loop);
 *  - :9 never reaches a server (Firefox bans the port; it is not mapped either); the :8081 pictures get their 503;
 *  - offline: BiDi emulation.setNetworkConditions on one tab → NS_ERROR_OFFLINE; the event page stays online, as
 *    Chromium's worker does under CDP page emulation. (Firefox's offline MODE takes the event page offline too: its
 *    control probe fails, and the verdict rightly stays user/offline until the control works again and the
 *    recovery wait passed — firefox.test.ts covers that mode.)
 *  - the event page's fetches obey the default MV3 CSP's upgrade-insecure-requests: the control probe of
 *    http://www.baidu.com/favicon.ico goes out as https://, hence the HTTPS port here;
 *  - cookies blocked with network.cookie.cookieBehavior = 2; the 401 handshake looks as in Chromium.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'puppeteer-core';
import { DIST_FIREFOX, getAll, launchFirefox, requireBuild, type LaunchedFirefox } from './harness';
import { startLoggingServer, type LoggingServer } from './logged-provider';
import {
  FORGED_SERVED_PORT,
  ROUTES,
  scenarioTests,
  SETTINGS,
  type EngineFacts,
  type Subject,
} from './real-traffic-scenarios';
import type { PopupState } from '../../src/core/messages';

type Ext = { browser: typeof import('webextension-polyfill') };

let server: LoggingServer;
let fx: LaunchedFirefox;
beforeAll(async () => {
  requireBuild(DIST_FIREFOX);
  // HTTPS too: Firefox's default MV3 extension-page CSP has upgrade-insecure-requests, so the event page's control
  // probe of http://www.baidu.com/favicon.ico goes out as https:// (Chromium's worker fetches it as http).
  server = await startLoggingServer(ROUTES);
  const { port, httpsPort } = server;
  fx = await launchFirefox({
    port,
    prefs: { 'network.socket.forcePort': `80=${port};443=${httpsPort};${FORGED_SERVED_PORT}=${port}` },
  });
});
afterAll(async () => {
  await fx?.close();
  await server?.close();
});

/** The installed extension seen as a scenario Subject; `ext` is one of its pages (the options page), kept open. */
function subject(ext: Page, opened: Page[]): Subject {
  let offline = false;
  const readStore = async <T>(store: string) => (await ext.evaluate(getAll, store)) as T[];
  return {
    async open(url, opts = {}) {
      const page = await fx.browser.newPage();
      opened.push(page);
      if (offline) await page.setOfflineMode(true); // BiDi emulation.setNetworkConditions, this tab only
      const nav = page.goto(url, { waitUntil: 'load', timeout: 20_000 }).catch(() => undefined);
      if (opts.wait !== false) await nav;
      return { evaluate: (fn) => page.evaluate(fn), close: () => page.close() };
    },
    async offline(on) {
      offline = on;
    },
    outcomes: () => readStore('outcomes'),
    observations: () => readStore('observations'),
    state: () =>
      ext.evaluate(
        () =>
          (globalThis as unknown as Ext).browser.runtime.sendMessage({ type: 'ui/get-state' }) as Promise<PopupState>,
      ),
    async popup() {
      const p = await fx.openPage('src/popup/index.html');
      try {
        await p.waitForSelector('main.fl[data-phase="ready"]', { timeout: 10_000 });
        return await p.evaluate(() => {
          const m = document.querySelector('main')!;
          return { verdict: m.dataset.verdict ?? '', cause: m.dataset.cause ?? '', text: m.textContent ?? '' };
        });
      } finally {
        await p.close().catch(() => undefined);
      }
    },
    badge: () => fx.badge(),
    storageLocal: () =>
      ext.evaluate(async () => JSON.stringify(await (globalThis as unknown as Ext).browser.storage.local.get(null))),
  };
}

const FACTS: EngineFacts = {
  offlineError: 'NS_ERROR_OFFLINE',
  redirectLimitError: 'NS_ERROR_REDIRECT_LOOP',
  cookiesBlockedBy: 'network.cookie.cookieBehavior = 2',
};

/** Each scenario on a fresh install (the previous one removed, with its data), no cookies; settings as in Chromium. */
scenarioTests(FACTS, async (sc) => {
  const opened: Page[] = [];
  await fx.chrome('Services.cookies.removeAll();');
  if (sc.cookiesBlocked) await fx.setPref('network.cookie.cookieBehavior', 2);
  try {
    await fx.install(DIST_FIREFOX);
    const ext = await fx.openPage('src/options/index.html');
    opened.push(ext);
    await ext.evaluate(
      async (patch) => {
        const local = (globalThis as unknown as Ext).browser.storage.local;
        const cur = ((await local.get('settings')).settings ?? {}) as Record<string, unknown>;
        await local.set({ settings: { version: 1, ...cur, ...patch } });
      },
      { ...SETTINGS, ...sc.settings },
    );
    await sc.run(subject(ext, opened), server, FACTS);
  } finally {
    await fx.chrome("Services.prefs.clearUserPref('network.cookie.cookieBehavior');");
    for (const p of opened) await p.close().catch(() => undefined);
  }
});
