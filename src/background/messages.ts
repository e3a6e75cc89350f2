/**
 * runtime.onMessage: every sender is checked (sender.ts) before a message is handled; unknown types and
 * messages from the wrong kind of sender get no answer (undefined), so other listeners are not disturbed.
 * The popup's state comes from the live state in memory (O(1)), not from a history scan.
 */
import { browser, type Runtime } from '../platform/browser';
import type { CsToBg, Message, PopupState, Replies } from '../core/messages';
import type { Diagnosis, Observation } from '../core/types';
import type { Settings } from '../core/settings';
import type { LiveState } from '../core/live/live-state';
import { splitByOutcome, type PictureOutcome } from '../core/live/attribution';
import { serviceOf } from '../core/catalogue/match';
import { acceptMessage } from './sender';
import type { History } from './history';
import type { ProbeDriver } from './probes';
import { clearSiteCookies } from './site-data';
import type { ReportCaps } from './report-caps';

const REASONS = new Set(['error', 'zero-size', 'empty-url', 'lazy-unresolved']);
/** A diagnosis younger than this answers the popup as it is; an older one is recomputed first. */
const FRESH_MS = 1000;

export interface MessageDeps {
  history: History;
  live: LiveState;
  probes: ProbeDriver;
  now: () => number;
  settings: () => Settings;
  recompute: () => Promise<Diagnosis>;
  observe: (o: Observation) => void;
  /** What webRequest saw for this very picture (tab + URL without query, joined in memory), when it saw it. */
  pictureOutcome: (tabId: number, url: string) => PictureOutcome;
  /** What other Faultline users report (crowd mode), from the last cached collector status. */
  crowdView: () => NonNullable<PopupState['crowd']>;
  /** The next crowd request exactly as it would be sent (the options page shows it). */
  crowdPreview: () => Promise<Replies['ui/crowd-preview']>;
  officialView: (d: Diagnosis, now: number) => PopupState['official'];
  /** Called after history was cleared so the live state and badge follow. */
  onHistoryChanged: () => void;
  /** Rate caps on content-script reports, per tab and overall. */
  reportCaps: ReportCaps;
}

/** Everything the popup paints, around a given diagnosis, from memory. Never recomputes. */
export function popupState(deps: MessageDeps, diagnosis: Diagnosis): PopupState {
  const now = deps.now();
  return {
    diagnosis,
    timeline: deps.live.timeline(now),
    recentFailures: deps.live.recentFailures(),
    stored: deps.history.approxCount,
    history: deps.history.health,
    extensionVersion: browser.runtime.getManifest().version,
    crowd: deps.crowdView(),
    official: deps.officialView(diagnosis, now),
  };
}

/**
 * The popup's answer: the last diagnosis when fresh, else one computed now (cheap); the badge and the rest of a
 * full recompute follow without the popup waiting for them.
 */
function currentState(deps: MessageDeps): PopupState {
  const last = deps.live.diagnosis;
  if (last !== null && deps.now() - last.at < FRESH_MS) return popupState(deps, last);
  const d = deps.live.diagnose(deps.now());
  void deps.recompute().catch(() => undefined);
  return popupState(deps, d);
}

/**
 * Broken pictures reported by the content script of tab `tabId`. Never trusted: the service is recomputed, every
 * field bounded, and each picture joined to what webRequest saw for its own request (not for its path shape).
 * Per-tab rate caps on content-script reports belong here, before anything is observed.
 */
function brokenImages(msg: CsToBg, tabId: number, deps: MessageDeps): Replies['cs/broken-images'] {
  const valid = (Array.isArray(msg.images) ? msg.images.slice(0, 100) : []).filter((img) => REASONS.has(img?.reason));
  const t = deps.now();
  // Per-tab and overall rate caps: what a page sends beyond them is counted and dropped.
  for (const img of valid.slice(0, deps.reportCaps.take(tabId, valid.length))) {
    const host = String(img.host).slice(0, 253);
    const path = String(img.path).slice(0, 200);
    const count = Math.max(1, Math.min(10_000, Math.floor(Number(img.count) || 1)));
    const parts = splitByOutcome({ host, path, urls: img.urls }, count, (url) => deps.pictureOutcome(tabId, url));
    for (const { count: n, ...seen } of parts) {
      deps.observe({
        ...seen,
        kind: 'broken-image',
        t,
        host,
        service: serviceOf(host),
        path,
        reason: img.reason,
        count: n,
        pageHost: String(img.pageHost).slice(0, 253),
      });
    }
  }
  return { ok: true };
}

async function handle(msg: Message, tabId: number, deps: MessageDeps): Promise<Replies[Message['type']]> {
  switch (msg.type) {
    case 'ui/get-state':
      return currentState(deps);
    case 'ui/clear-history':
      await deps.history.clear();
      deps.onHistoryChanged();
      return { ok: true };
    case 'ui/crowd-preview':
      return deps.crowdPreview();
    case 'ui/retry': {
      // Run the active checks now (within their budget) and recompute.
      await deps.probes.run();
      await deps.recompute();
      return { ok: true };
    }
    case 'ui/clear-site-cookies':
      return clearSiteCookies(msg.origin, deps.settings().extraDomains);
    case 'cs/broken-images':
      return brokenImages(msg, tabId, deps);
  }
}

/** Register synchronously at the worker's top level. */
export function registerMessageHandler(deps: MessageDeps, ready: Promise<unknown>): void {
  browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
    const msg = acceptMessage(raw, sender, browser.runtime.id, browser.runtime.getURL(''));
    if (!msg) return undefined;
    // Always the current state: a popup that wakes a stopped worker paints the worker's last snapshot
    // (storage.session) by itself meanwhile (src/popup/early-state.ts).
    const tabId = sender.tab?.id ?? -1;
    return ready.then(() => handle(msg, tabId, deps));
  });
}
