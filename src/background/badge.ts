/**
 * Applies the pure badge model (src/core/badge.ts) to the toolbar button. Called after each flush, from the
 * minute alarm (so failures age out of the 10-minute window), at worker start and on runtime.onStartup from
 * stored history (badges do not survive a browser restart).
 */
import { browser } from '../platform/browser';
import { BADGE_WINDOW_MS, badgeModel, RecentFailures, type BadgeModel } from '../core/badge';
import { pickLang } from '../core/i18n/messages';
import type { RequestOutcome } from '../core/types';

export class Badge {
  readonly recent = new RecentFailures();
  private last: BadgeModel | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  note(outcomes: readonly RequestOutcome[]): void {
    for (const o of outcomes) this.recent.note(o);
  }

  /** Rebuild from stored history (worker start, browser start). */
  seed(outcomes: readonly RequestOutcome[]): void {
    this.recent.clear();
    this.note(outcomes);
    this.last = null;
  }

  static windowStart(now: number): number {
    return now - BADGE_WINDOW_MS;
  }

  /** Compute and apply; touches the browser only when something changed. */
  async apply(force = false): Promise<BadgeModel> {
    const lang = pickLang(browser.i18n.getUILanguage());
    const m = badgeModel(this.recent.failing(this.now()), lang);
    const l = this.last;
    if (!force && l && l.text === m.text && l.title === m.title && l.color === m.color) return m;
    this.last = m;
    await Promise.all([
      browser.action.setBadgeText({ text: m.text }),
      browser.action.setBadgeBackgroundColor({ color: m.color }),
      browser.action.setTitle({ title: m.title }),
    ]);
    return m;
  }
}
