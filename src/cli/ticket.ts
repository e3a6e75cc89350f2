/**
 * `--format md`: the popup's ticket-ready Markdown export (src/core/report), built from a HAR instead of the
 * worker's live state. The popup's state is the last hour; a HAR's is the whole capture: failures per minute
 * over the capture (at most its last RETAINED_MINUTES), the most recent failures, its own diagnosis.
 */
import type { PopupState } from '../core/messages';
import { BUCKET_MS, RECENT_FAILURES } from '../core/live/live-state';
import { buildReport } from '../core/report';
import type { Lang } from '../core/i18n/messages';
import { isFailureKind } from '../core/taxonomy/browser-errors';
import type { Diagnosis, RequestOutcome } from '../core/types';

/** A week of minutes: the timeline of a longer capture keeps its end. */
export const RETAINED_MINUTES = 7 * 24 * 60;

/** The popup's state for a HAR: outcomes sorted by time, as the readers return them. */
export function harState(d: Diagnosis, outcomes: readonly RequestOutcome[], version: string): PopupState {
  const last = outcomes.length ? outcomes[outcomes.length - 1]!.t : 0;
  const endMinute = Math.floor(last / BUCKET_MS);
  const startMinute = Math.max(
    outcomes.length ? Math.floor(outcomes[0]!.t / BUCKET_MS) : endMinute,
    endMinute - RETAINED_MINUTES + 1,
  );
  const failures = new Array<number>(endMinute - startMinute + 1).fill(0);
  const requests = new Array<number>(endMinute - startMinute + 1).fill(0);
  const recent: RequestOutcome[] = [];
  for (const o of outcomes) {
    const failed = isFailureKind(o.kind);
    if (failed) {
      recent.push(o);
      if (recent.length > RECENT_FAILURES * 2) recent.splice(0, recent.length - RECENT_FAILURES);
    }
    const i = Math.floor(o.t / BUCKET_MS) - startMinute;
    if (i < 0) continue;
    requests[i]!++;
    if (failed) failures[i]!++;
  }
  return {
    diagnosis: d,
    timeline: { start: startMinute * BUCKET_MS, bucketMs: BUCKET_MS, failures, requests },
    recentFailures: recent.slice(-RECENT_FAILURES).reverse(),
    stored: outcomes.length,
    extensionVersion: version,
  };
}

export function ticketMarkdown(
  d: Diagnosis,
  outcomes: readonly RequestOutcome[],
  opts: { lang: Lang; version: string; tool: string; now: number },
): string {
  return buildReport(harState(d, outcomes, opts.version), {
    lang: opts.lang,
    userNote: '',
    browser: opts.tool ? `HAR · ${opts.tool}` : 'HAR',
    now: opts.now,
  }).markdown;
}
