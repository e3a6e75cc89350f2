/**
 * Joins what a page saw (a broken <img>) with what webRequest saw for that very request: a bounded map of recent
 * image outcomes keyed by tab and URL without query or fragment, in memory only (never stored, never sent).
 * Keyed by path shape instead, every item photo of a shop page would share one key, and a failed picture could be
 * labelled with the outcome of a working neighbour. O(1) per outcome.
 */
import { CS_URLS_PER_GROUP, type BrokenImageReport } from '../messages';
import type { FailureKind, RequestOutcome } from '../types';
import { pathShape, splitUrl } from '../url/url-shape';

const MAX = 2000;
const MAX_URL = 2048;

/** What webRequest saw for one picture: its HTTP status (when there was one) and the outcome's kind. */
export interface PictureOutcome {
  status?: number;
  failure?: FailureKind;
}

/** A URL without its query string and fragment (what both sides of the join agree on). */
export function withoutQuery(url: string): string {
  const i = url.search(/[?#]/);
  return i < 0 ? url : url.slice(0, i);
}

export class ImageAttribution {
  private readonly seen = new Map<string, { status: number; kind: FailureKind }>();

  /** Per-event path: remember the outcome of an image request (`url`: its real URL, kept in memory only). */
  note(o: RequestOutcome, url: string | undefined): void {
    if (o.type !== 'image' || !url) return;
    const key = `${o.tabId ?? -1} ${withoutQuery(url)}`;
    this.seen.delete(key);
    this.seen.set(key, { status: o.status, kind: o.kind });
    if (this.seen.size > MAX) this.seen.delete(this.seen.keys().next().value!);
  }

  /** What webRequest saw for this picture in this tab, or {} when it saw nothing (yet). */
  lookup(tabId: number, url: string): PictureOutcome {
    const s = this.seen.get(`${tabId} ${withoutQuery(url)}`);
    if (!s) return {};
    const out: PictureOutcome = { failure: s.kind };
    if (s.status > 0) out.status = s.status;
    return out;
  }
}

/**
 * One reported group of broken pictures (same reason, host and path shape) split by what webRequest saw for each
 * of them: one part per distinct outcome, with its count, plus one unattributed part for pictures whose URL was
 * not sent or not seen. URLs that do not belong to the group (another host or shape: never trust the content
 * script) are ignored. Counts add up to the group's count.
 */
export function splitByOutcome(
  group: Pick<BrokenImageReport, 'host' | 'path' | 'urls'>,
  count: number,
  lookup: (url: string) => PictureOutcome,
): (PictureOutcome & { count: number })[] {
  const parts = new Map<string, PictureOutcome & { count: number }>();
  let left = count;
  const urls = Array.isArray(group.urls) ? group.urls.slice(0, CS_URLS_PER_GROUP) : [];
  for (const entry of urls) {
    if (left <= 0) break;
    const raw = typeof entry?.url === 'string' ? entry.url.slice(0, MAX_URL) : '';
    const u = splitUrl(raw);
    if (!u || u.host !== group.host || pathShape(u.path) !== group.path) continue;
    const n = Math.min(left, Math.max(1, Math.floor(Number(entry.count) || 1)));
    const seen = lookup(withoutQuery(raw));
    if (seen.failure === undefined) continue;
    const key = `${seen.failure} ${seen.status ?? 0}`;
    const part = parts.get(key);
    if (part) part.count += n;
    else parts.set(key, { ...seen, count: n });
    left -= n;
  }
  const out = [...parts.values()];
  if (left > 0) out.push({ count: left });
  return out;
}
