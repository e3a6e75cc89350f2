/**
 * What the popup says about crowd mode: one sentence per service, e.g.
 *   "127 people reported Object Storage (OSS) failures in the last 15 minutes — usually about 2"
 *   "过去 15 分钟有 127 人报告对象存储 OSS 故障——平时约 2 人"
 * from the collector's 15-minute window (GET /v1/status `voters15`, distinct reporters, and `baseline15`, the usual
 * number at this time of day). Pure.
 */
import type { ServiceId, ServiceSummary } from '../types';
import { serviceName } from '../catalogue/services';
import { t, type Lang } from '../i18n/messages';
import type { CrowdService, CrowdState, ServiceCrowdStatus } from './protocol';

/** The popup's crowd field (PopupState['crowd']): whether crowd mode is on, and the collector's status per service. */
export interface CrowdView {
  enabled: boolean;
  services: ServiceCrowdStatus[];
}

export interface CrowdLine {
  service: CrowdService;
  state: CrowdState;
  /** The state in words ("Likely outage" / "疑似故障"): never colour or icon alone. */
  stateLabel: string;
  text: string;
}

/** Most lines the popup shows. */
export const MAX_CROWD_LINES = 4;

const STATE_ORDER: Record<CrowdState, number> = { outage: 0, elevated: 1, normal: 2 };

/**
 * The services worth a crowd line, most relevant first: those failing or degraded here (the "is it only me?"
 * question), then any service where the crowd sees more than usual.
 */
export function crowdFocus(local: readonly ServiceSummary[], crowd: CrowdView | undefined): ServiceId[] {
  const out: ServiceId[] = local.filter((s) => s.state === 'failing').map((s) => s.id);
  for (const s of local) if (s.state === 'degraded' && !out.includes(s.id)) out.push(s.id);
  for (const s of crowd?.services ?? []) if (s.state !== 'normal' && !out.includes(s.service)) out.push(s.service);
  return out;
}

/** The service's name as it sits in a sentence of this language. */
function nameInSentence(id: ServiceId, lang: Lang): string {
  const name = serviceName(id, lang);
  if (lang !== 'zh_CN') return name;
  // Chinese sentences put a space between Han characters and a Latin word; the template has none.
  return `${/^[A-Za-z0-9]/.test(name) ? ' ' : ''}${name}${/[A-Za-z0-9)]$/.test(name) ? ' ' : ''}`;
}

/**
 * One sentence per asked service the collector knows about, worst state first, at most MAX_CROWD_LINES.
 * Nothing when crowd mode is off, there is no data, or no service was asked.
 */
export function crowdSummary(crowd: CrowdView | undefined, services: readonly ServiceId[], lang: Lang): CrowdLine[] {
  if (!crowd || !crowd.enabled || crowd.services.length === 0) return [];
  const rows = services
    .map((id) => crowd.services.find((s) => s.service === id))
    .filter((s): s is ServiceCrowdStatus => s !== undefined)
    .filter((s, i, all) => all.indexOf(s) === i)
    .filter(
      (s) => Number.isFinite(s.voters15) && s.voters15 >= 0 && Number.isFinite(s.baseline15) && s.baseline15 >= 0,
    );
  rows.sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.voters15 - a.voters15);
  return rows.slice(0, MAX_CROWD_LINES).map((s) => {
    const name = nameInSentence(s.service, lang);
    const n = Math.round(s.voters15);
    const usualN = Math.round(s.baseline15);
    const usual = usualN > 0 ? t(lang, 'crowd_usual_about', [usualN]) : t(lang, 'crowd_usual_none');
    const text =
      n === 0
        ? t(lang, 'crowd_line_none', [name])
        : n === 1
          ? t(lang, 'crowd_line_one', [name, usual])
          : t(lang, 'crowd_line_many', [n, name, usual]);
    return {
      service: s.service,
      state: s.state,
      stateLabel: t(lang, `crowd_state_${s.state}`),
      text: text.replace(/ {2,}/g, ' ').trim(),
    };
  });
}
