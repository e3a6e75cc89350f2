/** The human-readable report of a Diagnosis, in English or Simplified Chinese (texts from public/_locales). */
import { SERVICES } from '../core/catalogue/services';
import { type Lang, t, text } from '../core/i18n/messages';
import { quietRequests } from '../core/quiet';
import type { Diagnosis } from '../core/types';

const fmtTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

export function causeKey(cause: string, part: 'title' | 'explain'): string {
  return `cause_${cause.replace(/-/g, '_')}_${part}`;
}

export function renderReport(d: Diagnosis, lang: Lang, meta: { file: string; requests: number }): string {
  const zh = lang === 'zh_CN';
  const svcName = (id: string) => {
    const s = SERVICES.find((x) => x.id === id);
    return s ? (zh ? s.zh : s.en) : id;
  };
  const sp = zh ? '' : ' ';
  const out: string[] = [];
  out.push(t(lang, 'cli_header', [meta.file, meta.requests]));
  out.push('');
  const quiet = quietRequests(d);
  if (quiet !== null) {
    out.push(`${t(lang, 'cli_verdict')}${sp}${t(lang, 'popup_quiet_headline')} — ${t(lang, 'popup_quiet_title')}`);
    out.push('  ' + t(lang, 'popup_quiet_explain', [quiet]));
  } else {
    out.push(
      `${t(lang, 'cli_verdict')}${sp}${t(lang, 'verdict_' + d.verdict)} — ${t(lang, causeKey(d.cause, 'title'))}`,
    );
    out.push('  ' + t(lang, causeKey(d.cause, 'explain')));
  }
  if (d.since !== null) out.push(`${t(lang, 'cli_since')}${sp}${fmtTime(d.since)}`);
  if (d.evidence.length) {
    out.push('');
    out.push(t(lang, 'cli_evidence'));
    for (const e of d.evidence) {
      let line = `  • ${text(lang, e.text)}`;
      const ids = e.ids?.[0];
      if (ids) {
        const parts = Object.entries(ids).map(([k, v]) => `${k}=${v}`);
        line += `  [${parts.join(' ')}]`;
      }
      out.push(line);
    }
  }
  if (d.services.length) {
    out.push('');
    out.push(t(lang, 'cli_services'));
    for (const s of d.services) {
      out.push(
        `  ${svcName(s.id).padEnd(zh ? 14 : 34)} ${t(lang, 'cli_state_' + s.state).padEnd(zh ? 4 : 9)} ${t(lang, 'cli_service_counts', [s.requests, s.failures])}`,
      );
    }
  }
  if (d.advice.length) {
    out.push('');
    out.push(t(lang, 'cli_advice'));
    for (const a of d.advice) out.push(`  • ${text(lang, a.text)}`);
  }
  return out.join('\n') + '\n';
}
