/**
 * The background worker (Chromium service worker / Firefox background script).
 *
 * First turn, synchronously: build the pipeline (tracker → history + live state + loops + probes) and register
 * every listener. Then, asynchronously: load settings, open IndexedDB (`history.ready`), rebuild the live state
 * from stored history (a stopped worker comes back with the same verdict), apply the badge, make sure the
 * alarms exist. Events that arrive while IndexedDB opens are buffered, never dropped; message handlers await
 * the one `ready` promise.
 *
 * The verdict is recomputed at most every RECOMPUTE_MS after new events (throttled, not per event).
 */
import { browser, TEST_BUILD } from '../platform/browser';
import { loadEffectiveSettings, onEffectiveSettingsChanged } from '../platform/settings-store';
import { RequestTracker } from '../core/convert/webrequest';
import { serviceOf } from '../core/catalogue/match';
import { defaults, type Settings } from '../core/settings';
import { pickLang, type Lang } from '../core/i18n/messages';
import { LiveState } from '../core/live/live-state';
import { ImageAttribution } from '../core/live/attribution';
import { WINDOW_MS } from '../core/engine/thresholds';
import { nextIncident, type IncidentState } from '../core/incident';
import type { Diagnosis, Observation, RequestOutcome } from '../core/types';
import { History } from './history';
import { Badge } from './badge';
import { registerListeners } from './listeners';
import { popupState, registerMessageHandler, type MessageDeps } from './messages';
import { SNAPSHOT_KEY } from '../core/messages';
import { LoopWatch } from './loops';
import { ProbeDriver } from './probes';
import { notifyIncident } from './notify';
import { CROWD_ALARM, CrowdSender, TEST_TIMING, browserCrowdDeps, crowdSettings } from './crowd';
import { officialView } from './official';

const ALARM_TICK = 'faultline.tick'; // every minute: flush fallback, verdict ageing, probes
const ALARM_PRUNE = 'faultline.prune'; // every 30 minutes: retention
const SESSION_KEY = 'faultline.session';
const DIAGNOSIS_KEY = 'faultline.diagnosis';
const INCIDENT_KEY = 'faultline.incident';
const SNAPSHOT_EVERY_MS = 1000;
/** Throttle of the verdict recomputation after new events. */
export const RECOMPUTE_MS = 250;

const now = Date.now;
let settings: Settings = defaults();
let settingsLoaded = false;
const lang = (): Lang => (settings.lang === 'auto' ? pickLang(browser.i18n.getUILanguage()) : settings.lang);

const watch = (host: string) => {
  const s = serviceOf(host);
  if (s !== null) return s;
  for (const d of settings.extraDomains) if (host === d || host.endsWith('.' + d)) return 'site' as const;
  return null;
};

const history = new History({
  idbFactory: indexedDB,
  keyRange: IDBKeyRange,
  now,
  onError: (e) => console.error('[faultline] history', e),
});
const live = new LiveState();
const badge = new Badge();
const images = new ImageAttribution();
const loops = new LoopWatch((o) => observe(o));
const crowd = new CrowdSender({
  ...browserCrowdDeps(browser),
  settings: () => crowdSettings(settingsLoaded ? settings : null),
  timing: TEST_BUILD ? TEST_TIMING : undefined,
});
const probes = new ProbeDriver({ now, settings: () => settings, onObservation: (o) => observe(o) });

let seeded = false;
/** Events that arrived before the live state was rebuilt from history (they are in history's buffer too). */
let early: (RequestOutcome | Observation)[] = [];

function outcome(o: RequestOutcome, failingUrl?: string): void {
  history.add(o);
  if (o.service !== null && o.service !== 'telemetry') probes.note(o, failingUrl);
  loops.onOutcome(o);
  images.note(o);
  crowd.note(o);
  if (!seeded) early.push(o);
  else live.add(o);
  scheduleRecompute();
}

function observe(o: Observation): void {
  history.addObservation(o);
  if (!seeded) early.push(o);
  else live.addObservation(o);
  scheduleRecompute();
}

// Test builds only: Firefox reaches the local test servers on their own (ephemeral) ports, which the tests cannot
// map away; a shipped build counts a provider host only on its default port.
const tracker = new RequestTracker(watch, outcome, TEST_BUILD ? { trustedPort: (p) => Number(p) >= 1024 } : {});

let recomputeTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRecompute(): void {
  if (recomputeTimer !== undefined || !seeded) return;
  recomputeTimer = setTimeout(() => {
    recomputeTimer = undefined;
    void recompute().catch((e) => console.error('[faultline] recompute', e));
  }, RECOMPUTE_MS);
}

let incident: IncidentState = { open: null };

async function recompute(): Promise<Diagnosis> {
  const d = live.diagnose(now());
  await badge.apply(d, lang());
  const next = nextIncident(incident, d);
  if (next.state !== incident) {
    incident = next.state;
    void browser.storage.session.set({ [INCIDENT_KEY]: incident }).catch(() => undefined);
  }
  if (next.event && settings.notifications) void notifyIncident(next.event, lang()).catch(() => undefined);
  void browser.storage.session
    .set({ [DIAGNOSIS_KEY]: { verdict: d.verdict, cause: d.cause, at: d.at } })
    .catch(() => undefined);
  crowd.afterDiagnosis(d);
  scheduleSnapshot();
  // Active checks: only while something fails (the planner and its budget decide what, if anything, to send).
  if (d.verdict !== 'healthy') void probes.run().catch((e) => console.error('[faultline] probes', e));
  return d;
}

let snapshotTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleSnapshot(): void {
  if (snapshotTimer !== undefined) return;
  snapshotTimer = setTimeout(() => {
    snapshotTimer = undefined;
    void popupState(deps)
      .then((state) => browser.storage.session.set({ [SNAPSHOT_KEY]: state }))
      .catch(() => undefined);
  }, SNAPSHOT_EVERY_MS);
}

registerListeners({
  tracker,
  onNavigation: (ev) => loops.onNavigation(ev),
  onAlarm: (name) => {
    if (name === ALARM_TICK) {
      void history.flush().catch((e) => console.error('[faultline] tick', e));
      if (seeded) void recompute().catch((e) => console.error('[faultline] tick', e));
    } else if (name === CROWD_ALARM) {
      void crowd.onAlarm().catch((e) => console.error('[faultline] crowd', e));
    } else if (name === ALARM_PRUNE) {
      void history.prune().catch((e) => console.error('[faultline] prune', e));
    }
  },
  onStartup: () => {
    void ready.then(() => badge.apply(live.diagnosis, lang(), true));
  },
  onTabRemoved: (tabId) => loops.forgetTab(tabId),
  // Best effort: write what is buffered (at most ~250 ms of events) before Firefox unloads the event page.
  onSuspend: () => {
    void history.flush().catch(() => undefined);
  },
});

onEffectiveSettingsChanged((s) => {
  settings = s;
  settingsLoaded = true;
  history.setMaxAge(s.retentionDays * 24 * 3600_000);
  void recompute().catch(() => undefined);
});

/** Resolves once settings are loaded, IndexedDB is open, the live state rebuilt and the badge applied. */
export const ready: Promise<void> = (async () => {
  settings = await loadEffectiveSettings().catch(() => defaults());
  settingsLoaded = true;
  history.setMaxAge(settings.retentionDays * 24 * 3600_000);
  await history.ready;
  // A cold start (browser start, install, update) vs a wake-up of a stopped worker: storage.session survives
  // worker restarts but not browser restarts.
  const got = (await browser.storage.session.get([SESSION_KEY, INCIDENT_KEY])) as Record<string, unknown>;
  const session = got[SESSION_KEY] as { startedAt: number } | undefined;
  if (got[INCIDENT_KEY]) incident = got[INCIDENT_KEY] as IncidentState;
  if (!session) {
    await browser.storage.session.set({ [SESSION_KEY]: { startedAt: now() } });
    await history.setMeta('lastColdStart', now());
  }
  // Rebuild the live state from the engine's window of stored history (plus what is still buffered), then
  // add what arrived meanwhile that history had not buffered yet.
  const from = now() - WINDOW_MS;
  // Everything that arrived before this point is in history (stored or buffered); from here on, `early` keeps
  // what may not be.
  early = [];
  const [outcomes, observations] = await Promise.all([history.recent(from), history.recentObservations(from)]);
  // history.recent() includes its buffer, which already holds the early events: do not add them twice.
  const inHistory = new Set<object>([...outcomes, ...observations]);
  live.seed(outcomes, observations);
  for (const x of early) {
    if (inHistory.has(x)) continue;
    if ('source' in x) live.add(x);
    else live.addObservation(x);
  }
  early = [];
  seeded = true;
  await recompute();
  // Test builds only: open an extension page so a BiDi-driven Firefox can read IndexedDB from it.
  if (TEST_BUILD && !session)
    void browser.tabs.create({ url: browser.runtime.getURL('src/options/index.html#faultline-test'), active: false });
  if (!(await browser.alarms.get(ALARM_TICK))) void browser.alarms.create(ALARM_TICK, { periodInMinutes: 1 });
  if (!(await browser.alarms.get(ALARM_PRUNE)))
    void browser.alarms.create(ALARM_PRUNE, { periodInMinutes: 30, delayInMinutes: 1 });
})();
ready.catch((e) => console.error('[faultline] start', e));

const deps: MessageDeps = {
  history,
  live,
  probes,
  now,
  settings: () => settings,
  recompute,
  observe,
  attribute: (host, path) => images.lookup(host, path),
  crowdView: () => crowd.popupView(),
  crowdPreview: () => crowd.preview(),
  officialView: (d, at) => officialView(probes.official, d, at),
  onHistoryChanged: () => {
    live.clear();
    void recompute();
  },
};
registerMessageHandler(deps, ready);
