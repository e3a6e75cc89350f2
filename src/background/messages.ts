/**
 * runtime.onMessage: every sender is checked (sender.ts) before a message is handled; unknown types and
 * messages from the wrong kind of sender get no answer (undefined), so other listeners are not disturbed.
 * The popup's state comes from the live state in memory (O(1)), not from a history scan.
 */
import { browser, type Runtime } from '../platform/browser';
import type { Message, PopupState, Replies } from '../core/messages';
import type { Diagnosis, FailureKind, Observation } from '../core/types';
import type { Settings } from '../core/settings';
import type { LiveState } from '../core/live/live-state';
import { serviceOf } from '../core/catalogue/match';
import { acceptMessage } from './sender';
import type { History } from './history';
import type { ProbeDriver } from './probes';
import { clearSiteCookies } from './site-data';

const REASONS = new Set(['error', 'zero-size', 'empty-url', 'lazy-unresolved']);

export interface MessageDeps {
  history: History;
  live: LiveState;
  probes: ProbeDriver;
  now: () => number;
  settings: () => Settings;
  recompute: () => Promise<Diagnosis>;
  observe: (o: Observation) => void;
  /** What webRequest saw for this picture (status, failure kind), when it saw it. */
  attribute: (host: string, path: string) => { status?: number; failure?: FailureKind };
  /** What other Faultline users report (crowd mode), from the last cached collector status. */
  crowdView: () => NonNullable<PopupState['crowd']>;
  /** The next crowd request exactly as it would be sent (the options page shows it). */
  crowdPreview: () => Promise<Replies['ui/crowd-preview']>;
  officialView: (d: Diagnosis, now: number) => PopupState['official'];
  /** Called after history was cleared so the live state and badge follow. */
  onHistoryChanged: () => void;
}

export async function popupState(deps: MessageDeps): Promise<PopupState> {
  const now = deps.now();
  // Answer from memory: the last diagnosis when fresh, else one computed now (cheap); the badge and the rest of
  // a full recompute follow without the popup waiting for them.
  const last = deps.live.diagnosis;
  const fresh = last !== null && now - last.at < 1000;
  const diagnosis = fresh ? last : deps.live.diagnose(now);
  if (!fresh) void deps.recompute().catch(() => undefined);
  return {
    diagnosis,
    timeline: deps.live.timeline(now),
    recentFailures: deps.live.recentFailures(),
    stored: deps.history.approxCount,
    extensionVersion: browser.runtime.getManifest().version,
    crowd: deps.crowdView(),
    official: deps.officialView(diagnosis, now),
  };
}

async function handle(msg: Message, deps: MessageDeps): Promise<Replies[Message['type']]> {
  switch (msg.type) {
    case 'ui/get-state':
      return popupState(deps);
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
    case 'cs/broken-images': {
      for (const img of msg.images.slice(0, 100)) {
        if (!REASONS.has(img.reason)) continue;
        // Never trust the content script: recompute the service, bound the fields.
        deps.observe({
          ...deps.attribute(String(img.host), String(img.path)),
          kind: 'broken-image',
          t: deps.now(),
          host: String(img.host).slice(0, 253),
          service: serviceOf(String(img.host)),
          path: String(img.path).slice(0, 200),
          reason: img.reason,
          count: Math.max(1, Math.min(10_000, Math.floor(Number(img.count) || 1))),
          pageHost: String(img.pageHost).slice(0, 253),
        });
      }
      return { ok: true };
    }
  }
}

/** Register synchronously at the worker's top level. */
export function registerMessageHandler(deps: MessageDeps, ready: Promise<unknown>): void {
  browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
    const msg = acceptMessage(raw, sender, browser.runtime.id, browser.runtime.getURL(''));
    if (!msg) return undefined;
    // Always the current state: a popup that wakes a stopped worker paints the worker's last snapshot
    // (storage.session) by itself meanwhile (src/popup/early-state.ts).
    return ready.then(() => handle(msg, deps));
  });
}
