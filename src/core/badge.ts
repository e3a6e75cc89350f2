/**
 * The toolbar badge as a pure model: the current diagnosis → { text, color, title }. Healthy is quiet (no
 * text); every other verdict has a short text (never colour alone) and a tooltip sentence in the browser's
 * language. No browser API here: src/background/badge.ts applies the model.
 */
import type { Diagnosis, Verdict } from './types';
import { serviceName } from './catalogue/services';
import { causeKey, t, type Lang } from './i18n/messages';
import { quietRequests } from './quiet';

export const BADGE_COLORS: Record<Verdict, string> = {
  provider: '#c5221f',
  user: '#b45309',
  unclear: '#5f6368',
  healthy: '#188038',
};

const TEXT: Record<Lang, Record<Verdict, string>> = {
  en: { provider: 'THEM', user: 'ME', unclear: '?', healthy: '' },
  zh_CN: { provider: '阿里', user: '我', unclear: '?', healthy: '' },
};

export interface BadgeModel {
  text: string;
  color: string;
  title: string;
}

/** The badge for a diagnosis (null = nothing known yet), in the given UI language. */
export function badgeModel(
  d: (Pick<Diagnosis, 'verdict' | 'cause' | 'services'> & Partial<Pick<Diagnosis, 'evidence'>>) | null,
  lang: Lang,
): BadgeModel {
  if (!d || d.verdict === 'healthy') {
    const key = !d
      ? 'actionTitle'
      : d.evidence && quietRequests({ verdict: d.verdict, evidence: d.evidence }) !== null
        ? 'badge_tooltip_quiet'
        : 'badge_tooltip_healthy';
    return { text: '', color: BADGE_COLORS.healthy, title: t(lang, key) };
  }
  const verdict = t(lang, `verdict_${d.verdict}`);
  const cause = t(lang, causeKey(d.cause, 'title'));
  const failing = d.services
    .filter((s) => s.state === 'failing' || s.state === 'degraded')
    .map((s) => serviceName(s.id, lang));
  const sep = lang === 'zh_CN' ? '、' : ', ';
  const title =
    failing.length > 0
      ? t(lang, 'badge_tooltip_services', [verdict, cause, failing.join(sep)])
      : t(lang, 'badge_tooltip', [verdict, cause]);
  return { text: TEXT[lang][d.verdict], color: BADGE_COLORS[d.verdict], title };
}
