/**
 * The popup footer's note on the local history: shown only when something is wrong — the history lives in
 * memory only (IndexedDB could not be opened), events were dropped while storage kept failing, or writing is
 * failing right now (e.g. the disk is full).
 */
import type { PopupState } from '../core/messages';
import type { Resolve } from '../ui/texts';

/** The lines to show (none when the history is fine). */
export function historyHealthLines(h: PopupState['history'], tx: Resolve): string[] {
  if (!h) return [];
  const out: string[] = [];
  if (h.storage === 'memory') out.push(tx({ key: 'popup_history_memory' }));
  else if (h.failing) out.push(tx({ key: 'popup_history_failing', args: [h.failing] }));
  if (h.dropped > 0) out.push(tx({ key: 'popup_history_dropped', args: [h.dropped] }));
  return out;
}

export function HistoryHealth(props: { history: PopupState['history']; tx: Resolve }) {
  const lines = historyHealthLines(props.history, props.tx);
  if (lines.length === 0) return null;
  return (
    <p class="small history-health" role="status" data-testid="history-health" data-storage={props.history?.storage}>
      {lines.join(' ')}
    </p>
  );
}
