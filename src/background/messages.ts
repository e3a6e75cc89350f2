/**
 * runtime.onMessage: every sender is checked (sender.ts) before a message is handled; unknown types and
 * messages from the wrong kind of sender get no answer (undefined), so other listeners are not disturbed.
 */
import { browser, type Runtime } from '../platform/browser';
import type { Message, PopupState, Replies } from '../core/messages';
import { acceptMessage } from './sender';
import type { History } from './history';
import { currentDiagnosis } from './diagnosis';
import { serviceOf } from '../core/catalogue/match';
import { isFailureKind } from '../core/taxonomy/browser-errors';

export interface MessageDeps {
  history: History;
  now: () => number;
  /** Called after history changes (e.g. cleared) so the badge follows. */
  onHistoryChanged: () => void;
}

const HOUR = 3600_000;

export async function popupState(deps: MessageDeps): Promise<PopupState> {
  const now = deps.now();
  const [outcomes, observations, timeline, stored] = await Promise.all([
    deps.history.recent(now - HOUR),
    deps.history.recentObservations(now - HOUR),
    deps.history.failuresPerMinute(60, now),
    deps.history.count(),
  ]);
  const recentFailures = outcomes.filter((o) => isFailureKind(o.kind)).slice(-50).reverse();
  return {
    diagnosis: currentDiagnosis(outcomes, observations, { now }),
    timeline,
    recentFailures,
    stored,
    extensionVersion: browser.runtime.getManifest().version,
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
    case 'ui/retry':
      // LEAD: not part of the wiring task (probes). Answered so the UI never waits forever.
      return { ok: false };
    case 'ui/clear-site-cookies':
      // LEAD: needs the `cookies` permission and its own review; not wired.
      return { ok: false, removed: 0 };
    case 'cs/broken-images': {
      for (const img of msg.images.slice(0, 100)) {
        // Never trust the content script's service attribution: recompute it.
        deps.history.addObservation({ ...img, service: serviceOf(img.host) });
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
    return ready.then(() => handle(msg, deps));
  });
}
