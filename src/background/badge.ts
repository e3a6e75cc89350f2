/**
 * Applies the pure badge model (src/core/badge.ts) to the toolbar button: after each recomputed diagnosis,
 * at worker start and on runtime.onStartup (badges do not survive a browser restart). Touches the browser only
 * when the model changed. Without host access to the watched sites the badge says so ('!', "allow access")
 * instead of a verdict the extension could not have seen.
 */
import { browser } from '../platform/browser';
import { badgeModel, BADGE_COLORS, type BadgeModel } from '../core/badge';
import { t, type Lang } from '../core/i18n/messages';
import type { Diagnosis } from '../core/types';

/** The badge while the browser does not let Faultline see the watched sites. */
export function noAccessBadge(lang: Lang): BadgeModel {
  return { text: '!', color: BADGE_COLORS.unclear, title: t(lang, 'badge_no_access') };
}

export class Badge {
  private last: BadgeModel | null = null;

  async apply(d: Diagnosis | null, lang: Lang, opts: { access?: boolean; force?: boolean } = {}): Promise<BadgeModel> {
    const m = opts.access === false ? noAccessBadge(lang) : badgeModel(d, lang);
    const l = this.last;
    if (!opts.force && l && l.text === m.text && l.title === m.title && l.color === m.color) return m;
    this.last = m;
    await Promise.all([
      browser.action.setBadgeText({ text: m.text }),
      browser.action.setBadgeBackgroundColor({ color: m.color }),
      browser.action.setTitle({ title: m.title }),
      // Chromium only: white text on the coloured badge (Firefox picks a readable colour itself).
      browser.action.setBadgeTextColor?.({ color: '#ffffff' }),
    ]);
    return m;
  }
}
