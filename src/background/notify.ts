/**
 * Desktop notifications, one per incident (src/core/incident.ts decides when): a provider-side problem first
 * detected, and its end. Off when the user turned notifications off in the options.
 */
import { browser } from '../platform/browser';
import { causeKey, t, type Lang } from '../core/i18n/messages';
import type { IncidentEvent } from '../core/incident';

const ID = 'faultline-incident';

export async function notifyIncident(ev: NonNullable<IncidentEvent>, lang: Lang): Promise<void> {
  const opened = ev.kind === 'opened';
  await browser.notifications.create(ID, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('icons/icon-128.png'),
    title: t(lang, opened ? 'notify_provider_title' : 'notify_cleared_title'),
    message: opened
      ? t(lang, 'notify_provider_body', [t(lang, causeKey(ev.cause, 'title'))])
      : t(lang, 'notify_cleared_body', [ev.minutes]),
  });
}
