/**
 * The classes real captures exposed (issue "diagnosis that holds on real traffic"), produced by real headless
 * Chromium with the built extension (dist/chrome) against a local fake provider (the scenarios, shared with
 * Firefox ESR's test/browser/firefox-real-traffic.test.ts, are in real-traffic-scenarios.ts):
 *  - a login loop through the sign-in form (fetch POST, Set-Cookie, back to the protected page, again): provider's
 *    login-loop when the cookie comes back, cookies-blocked when the browser never sends it;
 *  - ERR_TOO_MANY_REDIRECTS with the session cookie carried on every hop → provider / login-loop;
 *  - 30 forged pictures at a provider host on port 9 (and 10 on :8081, answered 503), on a watched page: no outcome,
 *    the verdict and the crowd queue untouched;
 *  - ERR_INTERNET_DISCONNECTED (CDP offline) → user / offline, and healthy once pages load again;
 *  - a 401 WWW-Authenticate (Bearer) handshake followed by 200 on the same URL → healthy;
 *  - a fresh install → healthy and quiet ("Watching"), no badge text (before the forged pictures).
 * One browser profile per scenario (the engine's window is 15 minutes).
 */
import { afterAll, beforeAll } from 'vitest';
import { readBadge, readOutcomes, resolverRules, type Launched } from './harness';
import {
  launch,
  popupReading,
  popupState,
  readObservations,
  setSettings,
  startLoggingServer,
  type LoggingServer,
} from './logged-provider';
import { ROUTES, scenarioTests, SETTINGS, type EngineFacts, type Subject } from './real-traffic-scenarios';

let server: LoggingServer;
beforeAll(async () => {
  server = await startLoggingServer(ROUTES, { https: false });
});
afterAll(async () => {
  await server?.close();
});

const FACTS: EngineFacts = {
  offlineError: 'net::ERR_INTERNET_DISCONNECTED',
  redirectLimitError: 'ERR_TOO_MANY_REDIRECTS',
  cookiesBlockedBy: 'content setting cookies = 2',
};

/** The extension in a fresh Chromium profile, seen as a scenario Subject. */
function subject(r: Launched): Subject {
  let offline = false;
  return {
    async open(url, opts = {}) {
      const page = await r.ctx.newPage();
      if (offline) {
        // CDP offline for this page only (the worker's own probes still reach the control site).
        const cdp = await r.ctx.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', {
          offline: true,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: -1,
        });
      }
      const nav = page.goto(url).catch(() => undefined);
      if (opts.wait !== false) await nav;
      return { evaluate: (fn) => page.evaluate(fn), close: () => page.close() };
    },
    // Pages opened while offline fail with net::ERR_INTERNET_DISCONNECTED.
    async offline(on) {
      offline = on;
    },
    outcomes: () => readOutcomes(r.sw),
    observations: () => readObservations(r.sw),
    state: () => popupState(r),
    popup: () => popupReading(r),
    badge: () => readBadge(r.sw),
    storageLocal: () =>
      r.sw.evaluate(async () =>
        JSON.stringify(
          await (
            globalThis as unknown as { chrome: { storage: { local: { get(k: null): Promise<unknown> } } } }
          ).chrome.storage.local.get(null),
        ),
      ),
  };
}

/** Each scenario in a fresh profile with the extension; its control site (www.baidu.com) answers; no status feed. */
scenarioTests(FACTS, async (sc) => {
  const r = await launch({
    args: [
      `--host-resolver-rules=${resolverRules(server.port, { extra: ['MAP www.baidu.com 127.0.0.1:' + server.port] })}`,
    ],
    ...(sc.cookiesBlocked ? { preferences: { profile: { default_content_setting_values: { cookies: 2 } } } } : {}),
  });
  try {
    await setSettings(r.sw, { ...SETTINGS, ...sc.settings });
    await sc.run(subject(r), server, FACTS);
  } finally {
    await r.close();
  }
});
