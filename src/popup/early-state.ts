/**
 * Imported first by the popup's entry: the state request goes out before the rest of the popup's code is
 * evaluated, so the background's answer travels meanwhile. At the same time the background's last snapshot is
 * read from storage.session (kept there by the worker, memory only): when the worker was stopped and is still
 * waking, the popup paints the snapshot at once and the fresh state replaces it as soon as it arrives.
 */
import type { PopupState } from '../core/messages';
import { createConnector } from '../ui/connector';

export const realConnector = createConnector();
const fresh = realConnector.getState();
fresh.catch(() => undefined); // the App reports a failure; never an unhandled rejection here
const snapshot: Promise<PopupState | undefined> = realConnector.lastSnapshot!();

let first: Promise<PopupState> | null = Promise.race([fresh, snapshot.then((s) => (s && isState(s) ? s : fresh))]);
let later: Promise<PopupState> | null = null;

function isState(s: unknown): s is PopupState {
  const d = (s as PopupState | undefined)?.diagnosis;
  return !!d && typeof d.verdict === 'string' && typeof d.cause === 'string' && Array.isArray(d.services);
}

export function takeFirstState(): Promise<PopupState> {
  if (!first) return realConnector.getState();
  const p = first;
  first = null;
  // Whichever arrived first is painted; if that was the snapshot, the fresh answer follows.
  later = p.then((got) => fresh.then((f) => (f === got ? Promise.reject(new Error('already painted')) : f)));
  later.catch(() => undefined);
  return p;
}

export function laterState(): Promise<PopupState> | null {
  const l = later;
  later = null;
  return l;
}
