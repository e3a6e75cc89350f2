/**
 * What the command line prints, in English or Simplified Chinese (texts from public/_locales): the readable
 * report of one HAR, the one-line result of each of several HARs and their summary. Everything printed passes
 * through `printable`: a HAR is untrusted input, and a host name or header value carrying terminal escape
 * sequences must not reach the terminal.
 */
import { serviceName } from '../core/catalogue/services';
import { type Lang, causeKey, t, text } from '../core/i18n/messages';
import { quietRequests } from '../core/quiet';
import type { Diagnosis, Verdict } from '../core/types';

/**
 * C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides that can disguise text
 * (e.g. ESC [ … sequences, U+009B CSI, U+202E right-to-left override).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of terminal text from anything: controls removed (tabs become spaces, line breaks are removed). */
export function printable(s: string): string {
  return s.replace(CONTROLS, (c) => (c === '\t' ? ' ' : ''));
}

/** Multi-line terminal text (e.g. Markdown): every line made printable, the line breaks kept. */
export function printableLines(s: string): string {
  return s.split('\n').map(printable).join('\n');
}

/** JSON for the terminal: JSON.stringify escapes C0 controls; the rest of CONTROLS is escaped the same way. */
export function jsonLine(x: unknown): string {
  return JSON.stringify(x).replace(CONTROLS, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}

const fmtTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** `2023-11-12 09:00:01 → 09:40:00 UTC` (the date once when both ends share it). */
export function fmtWindow(first: number, last: number): string {
  const a = fmtTime(first).replace(' UTC', '');
  const b = fmtTime(last).replace(' UTC', '');
  return `${a} → ${a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b} UTC`;
}

export function renderReport(d: Diagnosis, lang: Lang, meta: { file: string; requests: number }): string {
  const zh = lang === 'zh_CN';
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
        `  ${serviceName(s.id, lang).padEnd(zh ? 14 : 34)} ${t(lang, 'cli_state_' + s.state).padEnd(zh ? 4 : 9)} ${t(lang, 'cli_service_counts', [s.requests, s.failures])}`,
      );
    }
  }
  if (d.advice.length) {
    out.push('');
    out.push(t(lang, 'cli_advice'));
    for (const a of d.advice) out.push(`  • ${text(lang, a.text)}`);
  }
  return out.map(printable).join('\n') + '\n';
}

/** Several HARs: one line each. */
export function renderFileLine(
  lang: Lang,
  r: { file: string; diagnosis: Diagnosis; requests: number; first: number; last: number },
): string {
  const window = r.requests ? fmtWindow(r.first, r.last) : '—';
  return (
    printable(t(lang, 'cli_file_line', [r.file, `${r.diagnosis.verdict}/${r.diagnosis.cause}`, r.requests, window])) +
    '\n'
  );
}

export interface Summary {
  files: number;
  errors: number;
  verdicts: Record<Verdict, number>;
}

export function renderSummary(lang: Lang, s: Summary): string {
  const v = s.verdicts;
  return (
    t(lang, 'cli_summary', [s.files, v.provider, v.user, v.healthy, v.unclear]) +
    (s.errors ? t(lang, 'cli_summary_errors', [s.errors]) : '') +
    '\n'
  );
}
