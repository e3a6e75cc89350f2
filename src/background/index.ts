/**
 * The background worker (Chromium service worker / Firefox event page).
 *
 * First turn, synchronously: build the pipeline (tracker → history + live state + loops + probes) and register
 * every listener. Then, asynchronously: load settings, open IndexedDB (`history.ready`), rebuild the live state
 * from stored history (a stopped worker comes back with the same verdict), check host access, apply the badge.
 * Events that arrive while IndexedDB opens are buffered, never dropped; message handlers await the one `ready`
 * promise.
 *
 * A worker that sleeps: nothing here runs on a timer chain. The verdict is recomputed on events (throttled to
 * RECOMPUTE_MS), on the popup's request, on settings or permission changes, and on the minute tick — an alarm
 * that exists only while the engine's window holds events (only then can time alone change the verdict). The
 * popup's snapshot in storage.session is written only when something changed (snapshot.ts). With no traffic the
 * browser stops the worker after its idle time and nothing wakes it but an alarm or a new event.
 */
import { browser, TEST_BUILD } from '../platform/browser';
import { loadEffectiveSettings, onEffectiveSettingsChanged } from '../platform/settings-store';
import { RequestTracker } from '../core/convert/webrequest';
import { hostPermissions, serviceOf } from '../core/catalogue/match';
import { defaults, type Settings } from '../core/settings';
import { pickLang, type Lang } from '../core/i18n/messages';
import { LiveState } from '../core/live/live-state';
import { ImageAttribution } from '../core/live/attribution';
import { WINDOW_MS } from '../core/engine/thresholds';
import { FUTURE_SLACK_MS } from '../core/engine/live';
import { nextIncident, type IncidentState } from '../core/incident';
import type { Diagnosis, Observation, RequestOutcome } from '../core/types';
import type { PopupState } from '../core/messages';
import { isFailureKind } from '../core/taxonomy/browser-errors';
import { History } from './history';
import { Badge } from './badge';
import { registerListeners } from './listeners';
import { popupState, registerMessageHandler, type MessageDeps } from './messages';
import { SNAPSHOT_KEY } from '../core/messages';
import { SnapshotWriter } from './snapshot';
import { LoopWatch } from './loops';
import { ProbeDriver } from './probes';
import { notifyIncident } from './notify';
import { CROWD_ALARM, CrowdSender, TEST_TIMING, browserCrowdDeps, crowdSettings } from './crowd';
import { officialView } from './official';
import { loadKeyTagger, rotateKeyTagger } from './key-secret';
import { ReportCaps } from './report-caps';

/** Every minute while the window holds events: verdict ageing, flush fallback, probes. */
const ALARM_TICK = 'faultline.tick';
const ALARM_PRUNE = 'faultline.prune'; // every 30 minutes: retention
const SESSION_KEY = 'faultline.session';
const INCIDENT_KEY = 'faultline.incident';
/** The popup's snapshot is written at most this often (and only when something changed). */
const SNAPSHOT_EVERY_MS = 1000;
/** The welcome page, opened once on a fresh install. */
export const WELCOME_PAGE = 'src/welcome/index.html';
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

/** Per-event path. `url` (the real URL) stays in memory: the cookie-less retry and the broken-picture join. */
function outcome(o: RequestOutcome, url: string): void {
  history.add(o);
  if (o.service !== null && o.service !== 'telemetry') probes.note(o, isFailureKind(o.kind) ? url : undefined);
  loops.onOutcome(o);
  images.note(o, url);
  crowd.note(o);
  if (!seeded) early.push(o);
  else live.add(o);
  snapshot.eventsArrived();
  scheduleRecompute();
}

function observe(o: Observation): void {
  history.addObservation(o);
  if (!seeded) early.push(o);
  else live.addObservation(o);
  snapshot.eventsArrived();
  scheduleRecompute();
}

// Test builds only: Firefox reaches the local test servers on their own (ephemeral) ports, which the tests cannot
// map away; a shipped build counts a provider host only on its default port. AccessKey tags are keyed with the
// per-install secret: outcomes wait (in order) the few ms it takes to load.
const tracker = new RequestTracker(watch, outcome, {
  keyTag: 'later',
  ...(TEST_BUILD ? { trustedPort: (p: string) => Number(p) >= 1024 } : {}),
});
void loadKeyTagger().then((tag) => tracker.setKeyTag(tag));

let recomputeTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRecompute(): void {
  if (recomputeTimer !== undefined || !seeded) return;
  recomputeTimer = setTimeout(() => {
    recomputeTimer = undefined;
    void recompute().catch((e) => console.error('[faultline] recompute', e));
  }, RECOMPUTE_MS);
}

let incident: IncidentState = { open: null };
/** Host access to the watched sites (permissions.contains), checked at start and on every permission change. */
let access = true;

async function checkAccess(): Promise<boolean> {
  access = await browser.permissions.contains({ origins: hostPermissions() }).catch(() => true);
  return access;
}

async function recompute(): Promise<Diagnosis> {
  const d = live.diagnose(now());
  await badge.apply(d, lang(), { access });
  const next = nextIncident(incident, d);
  if (next.state !== incident) {
    incident = next.state;
    void browser.storage.session.set({ [INCIDENT_KEY]: incident }).catch(() => undefined);
  }
  if (next.event && settings.notifications) void notifyIncident(next.event, lang()).catch(() => undefined);
  crowd.afterDiagnosis(d);
  snapshot.diagnosed(d);
  keepTicking(live.held > 0);
  // Active checks: only while something fails (the planner and its budget decide what, if anything, to send).
  if (d.verdict !== 'healthy') void probes.run().catch((e) => console.error('[faultline] probes', e));
  return d;
}

const snapshot = new SnapshotWriter({
  delayMs: SNAPSHOT_EVERY_MS,
  build: () => popupState(deps, live.diagnosis ?? live.diagnose(now())),
  write: (state) => browser.storage.session.set({ [SNAPSHOT_KEY]: state }),
});

/** Whether the minute tick alarm exists (undefined until read at start). */
let ticking: boolean | undefined;
/** The minute tick only while time alone can change the verdict: while the engine's window holds events. */
function keepTicking(on: boolean): void {
  if (ticking === undefined || ticking === on) return;
  ticking = on;
  const done = on ? browser.alarms.create(ALARM_TICK, { periodInMinutes: 1 }) : browser.alarms.clear(ALARM_TICK);
  void Promise.resolve(done).catch((e) => console.error('[faultline] tick', e));
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
    void ready.then(() => badge.apply(live.diagnosis, lang(), { access, force: true }));
  },
  onInstalled: (reason) => {
    // A fresh install opens the welcome page: what is watched and stored, and host access where it is missing.
    if (reason === 'install') void browser.tabs.create({ url: browser.runtime.getURL(WELCOME_PAGE) });
  },
  onPermissionsChanged: () => {
    void ready
      .then(checkAccess)
      .then(() => recompute())
      .catch((e) => console.error('[faultline] permissions', e));
  },
  onTabRemoved: (tabId) => loops.forgetTab(tabId),
  // Best effort: write what is buffered (at most ~250 ms of events, a pending snapshot) before Firefox unloads
  // the event page.
  onSuspend: () => {
    void history.flush().catch(() => undefined);
    void snapshot.flush();
  },
});

onEffectiveSettingsChanged((s) => {
  settings = s;
  settingsLoaded = true;
  history.setMaxAge(s.retentionDays * 24 * 3600_000);
  // Before the live state is rebuilt, `ready` recomputes with these settings anyway.
  if (seeded) void recompute().catch(() => undefined);
});

/** Resolves once settings are loaded, IndexedDB is open, the live state rebuilt and the badge applied. */
export const ready: Promise<void> = (async () => {
  settings = await loadEffectiveSettings().catch(() => defaults());
  settingsLoaded = true;
  history.setMaxAge(settings.retentionDays * 24 * 3600_000);
  await history.ready;
  // A cold start (browser start, install, update) vs a wake-up of a stopped worker: storage.session survives
  // worker restarts but not browser restarts.
  const got = (await browser.storage.session.get([SESSION_KEY, INCIDENT_KEY, SNAPSHOT_KEY])) as Record<string, unknown>;
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
  // Records "from the future" were written before the clock was set back: not part of this window.
  const until = now() + FUTURE_SLACK_MS;
  const [outcomes, observations] = await Promise.all([
    history.recent(from, until),
    history.recentObservations(from, until),
  ]);
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
  // A woken worker: the popup's snapshot is already there; it is rewritten only if the verdict changed. Not
  // before the live state is rebuilt (an empty one would say "healthy, 0 requests").
  snapshot.restore(got[SNAPSHOT_KEY] as PopupState | undefined);
  const [tick, prune] = await Promise.all([
    browser.alarms.get(ALARM_TICK),
    browser.alarms.get(ALARM_PRUNE),
    checkAccess(),
  ]);
  ticking = tick !== undefined;
  if (!prune) void browser.alarms.create(ALARM_PRUNE, { periodInMinutes: 30, delayInMinutes: 1 });
  await recompute();
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
  pictureOutcome: (tabId, url) => images.lookup(tabId, url),
  crowdView: () => crowd.popupView(),
  crowdPreview: () => crowd.preview(),
  officialView: (d, at) => officialView(probes.official, d, at),
  reportCaps: new ReportCaps(now),
  onHistoryChanged: () => {
    // Tags written from now on cannot be linked with the ones just deleted.
    void rotateKeyTagger().then((tag) => tracker.setKeyTag(tag));
    live.clear();
    void recompute();
  },
};
registerMessageHandler(deps, ready);
