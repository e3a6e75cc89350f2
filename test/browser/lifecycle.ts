/**
 * Does the background sleep? Shared by the tests (test/browser/scenarios.test.ts, firefox.test.ts) and the bench
 * (bench/lifecycle.ts). A person browses the simulated shop while its CDN fails, closes the tab, and nothing
 * happens any more; meanwhile the browser is watched from outside:
 *   - Chromium over raw CDP (cdp-pipe.ts: nothing attaches to the service worker, which would keep it alive):
 *     the worker's starts and stops, and, from an extension page that never messages the worker, every
 *     storage.session change (storage.session.onChanged);
 *   - Firefox from its parent process (harness.ts `recordActivity`): the event page's starts and suspensions and
 *     every storage.session write.
 */
import { launchRawChromium } from './cdp-pipe';
import { until, type LaunchedFirefox } from './harness';
import { FirefoxPerson, pollFirefoxPopup } from './sim-scenarios';
import { PAGES, simArgs } from '../../sim/browser';
import type { Sim } from '../../sim/server';

export interface IdleReport {
  /** When the last traffic ended (ms since epoch). */
  lastTraffic: number;
  /** Last traffic → the browser stopped the background (ms). */
  stoppedAfterMs: number;
  /** Background starts and stops after the last traffic (ms since epoch). */
  starts: number[];
  stops: number[];
  /** storage.session writes after the last traffic (ms since epoch, keys). */
  writes: { t: number; keys: string[] }[];
  /** End of the observation (ms since epoch). */
  end: number;
  /** Badge text read while the background was stopped (Chromium: from an extension page; Firefox: parent). */
  badgeWhileStopped: string;
  /** Extension pages the extension opened itself after install (Chromium: the welcome page). */
  pagesOpened: string[];
  /** When `wake` is set: what the popup showed after waking the stopped background, and when it was opened. */
  woken?: { at: number; verdict: string; cause: string };
}

export interface IdleOptions {
  sim: Sim;
  /** After the first stop, keep watching this long (ms). */
  observeMs: number;
  /** Then open the popup (wakes the background) and watch until it stops again … */
  wake?: boolean;
  /**
   * … or at most this long (ms). Proving that a wake-up writes nothing needs an observation window; the
   * snapshot is written within a second of a change (SNAPSHOT_EVERY_MS), so a few seconds show it.
   */
  afterWakeMs?: number;
  /** Deadline for each stop (ms). */
  stopWithinMs?: number;
}

const settled = `window.__total !== undefined && (window.__settled || 0) >= window.__total`;

/** Chromium (dist: an unpacked build) driven over raw CDP. */
export async function chromiumIdle(dist: string, o: IdleOptions): Promise<IdleReport> {
  const stopWithin = o.stopWithinMs ?? 90_000;
  o.sim.setMode('healthy');
  const cr = await launchRawChromium({ dist, args: simArgs(o.sim) });
  try {
    const id = (await until(() => cr.extensionId(), 20_000, 'the extension service worker started'))!;
    // The welcome page the install opened (builds before it had none: then the options page, which asked the
    // worker nothing then) is the observer: it only listens and never messages the worker, so it wakes nothing.
    // (Today's options page would not do: its crowd preview asks the worker every 2 s while it is open.)
    const welcome = await until(
      () => cr.pages.find((p) => p.url.endsWith('/src/welcome/index.html')),
      10_000,
      'the welcome page opened on install',
    ).catch(() => undefined);
    const pagesOpened = cr.pages.map((p) => p.url);
    const observer = welcome
      ? { sessionId: await cr.attach(welcome.targetId) }
      : await cr.open(`chrome-extension://${id}/src/options/index.html`);
    await until(
      () =>
        cr.evaluate(
          observer.sessionId,
          `(() => { window.__writes = []; chrome.storage.session.onChanged.addListener((c) =>
             window.__writes.push({ t: Date.now(), keys: Object.keys(c) })); return true; })()`,
        ),
      15_000,
      'observer page ready',
    );
    const shop = await cr.open(PAGES.shop);
    const waitSettled = () => until(() => cr.evaluate<boolean>(shop.sessionId, settled), 20_000, 'shop page settled');
    await waitSettled();
    o.sim.setMode('cdn-failure');
    for (let i = 0; i < 2; i++) {
      await cr.evaluate(shop.sessionId, 'location.reload(), true');
      await new Promise((r) => setTimeout(r, 300));
      await waitSettled();
    }
    await cr.closeTarget(shop.targetId);
    const lastTraffic = Date.now();
    const span = () => cr.spans.at(-1)!;
    // The first stop after the traffic (an alarm may start the worker again later: that is a new span).
    const firstStop = () => cr.spans.find((x) => x.stopped !== null && x.stopped > lastTraffic)?.stopped;
    await until(() => firstStop() !== undefined, stopWithin, 'the browser stopped the idle service worker', 100).catch(
      async (e: Error) => {
        const writes = await cr.evaluate<unknown[]>(observer.sessionId, 'window.__writes').catch(() => []);
        const rel = (t: number | null) => (t === null ? null : t - lastTraffic);
        throw new Error(
          `${e.message}; worker spans (ms after the last traffic): ${JSON.stringify(cr.spans.map((x) => [rel(x.started), rel(x.stopped)]))}; storage.session writes: ${JSON.stringify(writes)}`,
        );
      },
    );
    const stoppedAfterMs = firstStop()! - lastTraffic;
    await new Promise((r) => setTimeout(r, o.observeMs));
    const badgeWhileStopped = await cr.evaluate<string>(observer.sessionId, 'chrome.action.getBadgeText({})');
    let woken: IdleReport['woken'];
    if (o.wake) {
      const at = Date.now();
      const popup = await cr.open(`chrome-extension://${id}/src/popup/index.html`);
      const read = await until(
        () =>
          cr.evaluate<{ verdict: string; cause: string } | null>(
            popup.sessionId,
            `(() => { const m = document.querySelector('main[data-phase="ready"]');
               return m ? { verdict: m.dataset.verdict, cause: m.dataset.cause } : null; })()`,
          ),
        20_000,
        'popup ready',
      );
      await cr.closeTarget(popup.targetId);
      woken = { at, ...read! };
      const stoppedAgain = () => span().started >= at && span().stopped !== null;
      if (o.afterWakeMs === undefined) await until(stoppedAgain, stopWithin, 'stopped again', 100);
      else await until(() => stoppedAgain() || Date.now() - at > o.afterWakeMs!, o.afterWakeMs + 5_000, 'watched', 100);
    }
    const writes = (await cr.evaluate<{ t: number; keys: string[] }[]>(observer.sessionId, 'window.__writes')).filter(
      (w) => w.t > lastTraffic,
    );
    const after = cr.spans.filter((s) => s.started > lastTraffic);
    return {
      lastTraffic,
      stoppedAfterMs,
      starts: after.map((s) => s.started),
      stops: cr.spans.filter((s) => s.stopped !== null && s.stopped > lastTraffic).map((s) => s.stopped!),
      writes,
      end: Date.now(),
      badgeWhileStopped,
      pagesOpened,
      ...(woken ? { woken } : {}),
    };
  } finally {
    await cr.close();
  }
}

/** Firefox: a fresh install of `dist` in an already launched Firefox (harness.ts launchFirefox, forcePort to the sim). */
export async function firefoxIdle(fx: LaunchedFirefox, dist: string, o: IdleOptions): Promise<IdleReport> {
  const stopWithin = o.stopWithinMs ?? 90_000;
  o.sim.setMode('healthy');
  await fx.install(dist);
  await fx.recordActivity();
  const person = new FirefoxPerson(fx.browser);
  try {
    await person.browse([PAGES.shop]);
    o.sim.setMode('cdn-failure');
    await person.browse([PAGES.shop, PAGES.shop]);
  } finally {
    await person.closeTabs();
  }
  const lastTraffic = Date.now();
  await until(async () => (await fx.backgroundState()) === 'stopped', stopWithin, 'event page suspended', 100);
  const suspended = (await fx.activity()).suspends.find((t) => t > lastTraffic) ?? Date.now();
  const stoppedAfterMs = suspended - lastTraffic;
  await new Promise((r) => setTimeout(r, o.observeMs));
  const badgeWhileStopped = (await fx.badge()).text;
  let woken: IdleReport['woken'];
  if (o.wake) {
    const at = Date.now();
    const r = await pollFirefoxPopup(fx, { verdict: 'provider', cause: 'cdn' }, 20_000);
    woken = { at, verdict: r.verdict, cause: r.cause };
    await until(async () => (await fx.backgroundState()) === 'stopped', stopWithin, 'suspended again', 100);
  }
  const a = await fx.activity();
  return {
    lastTraffic,
    stoppedAfterMs,
    starts: a.starts.filter((t) => t > lastTraffic),
    stops: a.suspends.filter((t) => t > lastTraffic),
    writes: a.writes.filter((w) => w.t > lastTraffic),
    end: Date.now(),
    badgeWhileStopped,
    pagesOpened: [],
    ...(woken ? { woken } : {}),
  };
}
