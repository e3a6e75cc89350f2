/**
 * Pure view logic of the popup (no DOM, no browser): what to show, in which order, with which words.
 * Tested in test/unit/popup-view.test.ts; rendered by the components in this folder.
 */
import type { PopupState } from '../core/messages';
import type { ActionId, Cause, Diagnosis, ServiceId, ServiceState, Verdict } from '../core/types';
import { SERVICES, STATUS_PAGES, serviceName } from '../core/catalogue/services';
import { quietRequests } from '../core/quiet';
import { causeKey, type Lang } from '../core/i18n/messages';
import type { Resolve } from '../ui/texts';

export type Tone = Verdict;

const pad = (n: number) => String(n).padStart(2, '0');

/** Short local time: `HH:MM` today, `MM-DD HH:MM` on another day. */
export function shortTime(ms: number, now: number): string {
  const d = new Date(ms);
  const n = new Date(now);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? hm : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

export interface HeadlineView {
  verdict: Verdict;
  cause: Cause;
  headline: string;
  title: string;
  explain: string;
  since: string | null;
  checked: string;
}

export function headlineView(d: Diagnosis, tx: Resolve, now: number): HeadlineView {
  // Quiet (too little traffic, nothing failed): watching, nothing wrong seen — not "everything works".
  const quiet = quietRequests(d);
  return {
    verdict: d.verdict,
    cause: d.cause,
    headline: tx({ key: quiet !== null ? 'popup_quiet_headline' : `verdict_${d.verdict}` }),
    title: tx({ key: quiet !== null ? 'popup_quiet_title' : causeKey(d.cause, 'title') }),
    explain:
      quiet !== null ? tx({ key: 'popup_quiet_explain', args: [quiet] }) : tx({ key: causeKey(d.cause, 'explain') }),
    since:
      d.since !== null && d.verdict !== 'healthy' ? tx({ key: 'popup_since', args: [shortTime(d.since, now)] }) : null,
    checked: tx({ key: 'popup_checked', args: [shortTime(d.at, now)] }),
  };
}

const HIDDEN_SERVICES: ReadonlySet<ServiceId> = new Set(['telemetry', 'status']);
const STATE_ORDER: Record<ServiceState, number> = { failing: 0, degraded: 1, ok: 2, idle: 3 };

export interface ServiceCell {
  id: ServiceId;
  name: string;
  state: ServiceState;
  stateLabel: string;
  detail: string;
}

/** Services as grid cells: worst first, then catalogue order; noise (telemetry, status pages) hidden. */
export function servicesView(d: Diagnosis, lang: Lang, tx: Resolve): ServiceCell[] {
  const order = (id: ServiceId) => SERVICES.findIndex((s) => s.id === id);
  return d.services
    .filter((s) => !HIDDEN_SERVICES.has(s.id))
    .slice()
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || order(a.id) - order(b.id))
    .map((s) => ({
      id: s.id,
      name: serviceName(s.id, lang),
      state: s.state,
      stateLabel: tx({ key: `popup_state_${s.state}` }),
      detail: s.state === 'idle' ? '' : tx({ key: 'popup_service_counts', args: [s.failures, s.requests] }),
    }));
}

export interface EvidenceRow {
  id: string;
  text: string;
  count: string;
  hosts: string;
  range: string;
}

export function evidenceView(d: Diagnosis, tx: Resolve, now: number): EvidenceRow[] {
  return d.evidence.map((e) => {
    const first = shortTime(e.first, now);
    const last = shortTime(e.last, now);
    const hosts = e.hosts.slice(0, 3).join(', ') + (e.hosts.length > 3 ? ` +${e.hosts.length - 3}` : '');
    return {
      id: e.id,
      text: tx(e.text),
      count: tx({ key: 'popup_evidence_count', args: [e.count] }),
      hosts,
      range: first === last ? first : tx({ key: 'popup_evidence_range', args: [first, last] }),
    };
  });
}

export interface AdviceStep {
  id: string;
  text: string;
  action?: ActionId;
}

export function adviceView(d: Diagnosis, tx: Resolve): AdviceStep[] {
  return d.advice.map((a) => ({ id: a.id, text: tx(a.text), ...(a.action ? { action: a.action } : {}) }));
}

export const ACTION_LABEL: Record<ActionId, string> = {
  'clear-cookies': 'popup_action_clear_cookies',
  retry: 'popup_action_retry',
  'open-status': 'popup_action_status',
  'open-options': 'popup_action_options',
  'copy-report': 'popup_action_copy',
};

export interface Bar {
  x: number;
  w: number;
  /** Height of the request (background) bar and the failure bar, in px. */
  hReq: number;
  hFail: number;
  failures: number;
  requests: number;
  t: number;
}

export interface TimelineView {
  bars: Bar[];
  totalFailures: number;
  totalRequests: number;
  peak: number;
  width: number;
  height: number;
}

/** Bars for the last-hour chart. Failure bars are scaled to the busiest minute; a failing minute is ≥ 2 px. */
export function timelineView(tl: PopupState['timeline'], width = 340, height = 44): TimelineView {
  const n = Math.max(1, tl.failures.length);
  const slot = width / n;
  const w = Math.max(1, slot - 1);
  const maxReq = Math.max(1, ...tl.requests, ...tl.failures);
  const bars: Bar[] = tl.failures.map((f, i) => {
    const r = Math.max(tl.requests[i] ?? 0, f);
    return {
      x: +(i * slot).toFixed(2),
      w: +w.toFixed(2),
      hReq: r > 0 ? Math.max(1, Math.round((r / maxReq) * height)) : 0,
      hFail: f > 0 ? Math.max(2, Math.round((f / maxReq) * height)) : 0,
      failures: f,
      requests: r,
      t: tl.start + i * tl.bucketMs,
    };
  });
  return {
    bars,
    totalFailures: tl.failures.reduce((a, b) => a + b, 0),
    totalRequests: tl.requests.reduce((a, b) => a + b, 0),
    peak: Math.max(0, ...tl.failures),
    width,
    height,
  };
}

export function statusPageFor(lang: Lang): string {
  return lang === 'zh_CN' ? STATUS_PAGES.cn : STATUS_PAGES.intl;
}

/**
 * Which site "clear this site's cookies" acts on: the active tab when it is an http(s) page, else the first
 * login host, else the first host of the worst service in the diagnosis. Null when nothing fits.
 */
export function clearCookiesOrigin(activeOrigin: string | null, d: Diagnosis): string | null {
  if (activeOrigin && /^https?:\/\/[^/]+$/.test(activeOrigin)) return activeOrigin;
  const login = d.services.find((s) => s.id === 'login' && s.hosts.length > 0 && s.failures > 0);
  const worst = d.services
    .filter((s) => (s.state === 'failing' || s.state === 'degraded') && s.hosts.length > 0)
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state])[0];
  const host = login?.hosts[0] ?? worst?.hosts[0];
  return host ? `https://${host}` : null;
}

/** "Chrome 156.0" / "Firefox 153.0" from a user agent string. */
export function browserName(ua: string): string {
  const ff = /Firefox\/([\d.]+)/.exec(ua);
  if (ff) return `Firefox ${ff[1]}`;
  const edge = /Edg\/([\d.]+)/.exec(ua);
  if (edge) return `Edge ${edge[1]}`;
  const ch = /Chrom(?:e|ium)\/([\d.]+)/.exec(ua);
  if (ch) return `Chrome ${ch[1]}`;
  return ua.slice(0, 60);
}

export type ExportFormat = 'markdown' | 'json' | 'har';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['markdown', 'json', 'har'];
export const EXPORT_MIME: Record<ExportFormat, string> = {
  markdown: 'text/markdown',
  json: 'application/json',
  har: 'application/json',
};
export const EXPORT_EXT: Record<ExportFormat, string> = { markdown: 'md', json: 'json', har: 'har' };
export const EXPORT_LABEL: Record<ExportFormat, string> = { markdown: 'Markdown', json: 'JSON', har: 'HAR' };

/** `faultline-provider-20231112-1805.md` (local time). */
export function exportFileName(verdict: Verdict, now: number, fmt: ExportFormat): string {
  const d = new Date(now);
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return `faultline-${verdict}-${stamp}.${EXPORT_EXT[fmt]}`;
}
