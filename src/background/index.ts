/**
 * The background worker (Chromium service worker / Firefox background script).
 *
 * First turn, synchronously: build the tracker and the history (its buffer accepts events at once), register
 * every listener. Then, asynchronously: open IndexedDB (`history.ready`), seed and apply the badge, make sure
 * the alarms exist. Events that arrive while IndexedDB opens are buffered by History, never dropped; message
 * handlers await the one `ready` promise.
 */
import { browser, TEST_BUILD } from '../platform/browser';
import { RequestTracker } from '../core/convert/webrequest';
import { NavigationLog } from '../core/convert/navigation';
import { serviceOf } from '../core/catalogue/match';
import { History } from './history';
import { Badge } from './badge';
import { registerListeners } from './listeners';
import { registerMessageHandler } from './messages';
import { BADGE_WINDOW_MS } from '../core/badge';

const ALARM_TICK = 'faultline.tick'; // every minute: flush fallback + badge ageing
const ALARM_PRUNE = 'faultline.prune'; // every 30 minutes: retention
const SESSION_KEY = 'faultline.session';

const now = Date.now;
let badgeQueued = false;

const badge = new Badge(now);
const history = new History({
  idbFactory: indexedDB,
  keyRange: IDBKeyRange,
  now,
  onFlushed: (written) => {
    badge.note(written);
    scheduleBadge();
  },
  onError: (e) => console.error('[faultline] history', e),
});
const tracker = new RequestTracker(serviceOf, (o) => history.add(o));
export const navigations = new NavigationLog();

function scheduleBadge(): void {
  if (badgeQueued) return;
  badgeQueued = true;
  queueMicrotask(() => {
    badgeQueued = false;
    badge.apply().catch((e) => console.error('[faultline] badge', e));
  });
}

async function reseedBadge(): Promise<void> {
  const since = now() - BADGE_WINDOW_MS;
  badge.seed(await history.recent(since));
  await badge.apply(true);
}

registerListeners({
  tracker,
  // LEAD: loop detection (src/core/loops) reads this per-tab log.
  onNavigation: (ev) => navigations.add(ev),
  onAlarm: (name) => {
    if (name === ALARM_TICK) {
      void history.flush().then(() => badge.apply()).catch((e) => console.error('[faultline] tick', e));
    } else if (name === ALARM_PRUNE) {
      void history.prune().catch((e) => console.error('[faultline] prune', e));
    }
  },
  onStartup: () => {
    void ready.then(reseedBadge);
  },
  // Best effort: write what is buffered (at most ~250 ms of events) before Firefox unloads the event page.
  onSuspend: () => {
    void history.flush().catch(() => undefined);
  },
});

/** Resolves once IndexedDB is open, the badge is applied and the alarms exist. */
export const ready: Promise<void> = (async () => {
  await history.ready;
  // A cold start (browser start, install, update) vs a wake-up of a stopped worker: storage.session survives
  // worker restarts but not browser restarts.
  const session = (await browser.storage.session.get(SESSION_KEY))[SESSION_KEY] as { startedAt: number } | undefined;
  if (!session) {
    await browser.storage.session.set({ [SESSION_KEY]: { startedAt: now() } });
    await history.setMeta('lastColdStart', now());
  }
  await reseedBadge();
  // Test builds only: open an extension page so a BiDi-driven Firefox can read IndexedDB from it.
  if (TEST_BUILD && !session) void browser.tabs.create({ url: browser.runtime.getURL('src/options/index.html#faultline-test'), active: false });
  if (!(await browser.alarms.get(ALARM_TICK))) browser.alarms.create(ALARM_TICK, { periodInMinutes: 1 });
  if (!(await browser.alarms.get(ALARM_PRUNE))) browser.alarms.create(ALARM_PRUNE, { periodInMinutes: 30, delayInMinutes: 1 });
})();
ready.catch((e) => console.error('[faultline] start', e));

registerMessageHandler({ history, now, onHistoryChanged: () => void reseedBadge() }, ready);
