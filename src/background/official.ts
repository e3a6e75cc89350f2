/**
 * The official status page beside Faultline's verdict: the state of the feed the active checks last read, its
 * open events, and how long after Faultline's own detection the first official event started (the 2023-11-12
 * lesson: the first notice came about 30 minutes after onset).
 */
import { officialLag, officialState, type StatusEvent } from '../core/probes';
import type { PopupState } from '../core/messages';
import type { Diagnosis } from '../core/types';

/** A feed read longer ago than this is not shown. */
export const OFFICIAL_STALE_MS = 30 * 60_000;

export function officialView(
  feed: { at: number; events: StatusEvent[] } | null,
  d: Diagnosis,
  now: number,
): PopupState['official'] {
  if (!feed || now - feed.at > OFFICIAL_STALE_MS) return undefined;
  const open = feed.events.filter((e) => (e.end === null || e.end > now) && (e.start === null || e.start <= now));
  const detectedAt = d.verdict === 'provider' && d.since !== null ? d.since : null;
  return {
    state: officialState(feed.events, now),
    checkedAt: feed.at,
    events: open.slice(0, 5).map((e) => ({ title: e.title.slice(0, 200), start: e.start })),
    lagMs: detectedAt === null ? null : officialLag(detectedAt, feed.events),
  };
}
