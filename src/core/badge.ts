/**
 * The toolbar badge as a pure model: which services failed recently → { text, color, title }. Today it counts
 * watched services with failures in the last 10 minutes; the lead may switch it to verdicts later by changing
 * only this file. No browser API here: src/background/badge.ts applies the model.
 */
import type { RequestOutcome, ServiceId } from './types';
import { isFailureKind } from './taxonomy/browser-errors';
import { SERVICES } from './catalogue/services';
import { t, type Lang } from './i18n/messages';

export const BADGE_WINDOW_MS = 10 * 60_000;
export const BADGE_COLOR_FAILING = '#d93025';
export const BADGE_COLOR_OK = '#5f6368';

/** Services that never count for the badge (noise: trackers, the status pages themselves). */
const IGNORED: ReadonlySet<ServiceId> = new Set<ServiceId>(['telemetry', 'status']);

/** Does this outcome count as a failure of a watched service for the badge? Aborts, probes and noise do not. */
export function countsForBadge(o: Pick<RequestOutcome, 'kind' | 'service' | 'source'>): boolean {
  return o.service !== null && !IGNORED.has(o.service) && o.source !== 'probe' && isFailureKind(o.kind);
}

/**
 * Last failure time per service, kept incrementally by the background (O(1) per outcome) and rebuilt from
 * stored history at worker start.
 */
export class RecentFailures {
  private last = new Map<ServiceId, number>();

  note(o: Pick<RequestOutcome, 't' | 'kind' | 'service' | 'source'>): boolean {
    if (!countsForBadge(o)) return false;
    const s = o.service!;
    const prev = this.last.get(s);
    if (prev === undefined || o.t > prev) this.last.set(s, o.t);
    return prev === undefined;
  }

  /** Services with a failure in (now - windowMs, now], sorted for a stable title. */
  failing(now: number, windowMs = BADGE_WINDOW_MS): ServiceId[] {
    const out: ServiceId[] = [];
    for (const [s, t0] of this.last) {
      if (t0 > now - windowMs) out.push(s);
      else this.last.delete(s);
    }
    return out.sort();
  }

  clear(): void {
    this.last.clear();
  }
}

export interface BadgeModel {
  text: string;
  color: string;
  title: string;
}

export function serviceName(id: ServiceId, lang: Lang): string {
  const s = SERVICES.find((x) => x.id === id);
  return s ? (lang === 'zh_CN' ? s.zh : s.en) : id;
}

/** The badge for a set of failing services, in the given UI language. Empty text when nothing fails. */
export function badgeModel(failing: readonly ServiceId[], lang: Lang): BadgeModel {
  const n = failing.length;
  if (n === 0) return { text: '', color: BADGE_COLOR_OK, title: t(lang, 'badge_title_ok') };
  const sep = lang === 'zh_CN' ? '、' : ', ';
  const names = failing.map((s) => serviceName(s, lang)).join(sep);
  return {
    text: n > 99 ? '99+' : String(n),
    color: BADGE_COLOR_FAILING,
    title: t(lang, n === 1 ? 'badge_title_failing_one' : 'badge_title_failing', [n, names]),
  };
}
