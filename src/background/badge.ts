/**
 * Applies the pure badge model (src/core/badge.ts) to the toolbar button: after each recomputed diagnosis,
 * at worker start and on runtime.onStartup (badges do not survive a browser restart). Touches the browser only
 * when the model changed.
 */
import { browser } from '../platform/browser';
import { badgeModel, type BadgeModel } from '../core/badge';
import type { Lang } from '../core/i18n/messages';
import type { Diagnosis } from '../core/types';

export class Badge {
  private last: BadgeModel | null = null;

  async apply(d: Diagnosis | null, lang: Lang, force = false): Promise<BadgeModel> {
    const m = badgeModel(d, lang);
    const l = this.last;
    if (!force && l && l.text === m.text && l.title === m.title && l.color === m.color) return m;
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
