/**
 * Export for a support ticket (pure: no browser API, no DOM). What leaves the browser is only what the user
 * copies. Redacted by construction (./redact.ts): no cookies (neither names nor values), no query strings, no
 * bodies, no credential in any form (signatures, STS tokens, JWTs, Authorization values, secrets), AccessKey
 * ids masked wherever they could appear (paths, codes, ids, the user's own note), personal path segments
 * shaped. The state of the local history (memory only, events dropped) is part of the report.
 */
import type { PopupState } from '../messages';
import type { Evidence, RequestIds, RequestOutcome, ServiceId, Text } from '../types';
import { causeKey, t, type Lang } from '../i18n/messages';
import { serviceName } from '../catalogue/services';
import { redactCredentials, redactHost, redactPath, redactText } from './redact';

export { redactCredentials, redactPath, redactText, shapePersonalPath, CREDENTIAL_FORMS } from './redact';

export interface ReportOptions {
  lang: Lang;
  /** The user's own words; redacted (keys masked, URL queries dropped) but otherwise kept. */
  userNote: string;
  /** Browser name and version, e.g. "Chrome 156.0". */
  browser: string;
  now: number;
  /** Optional text resolver (the popup passes its own); default: t(lang, key, args). */
  text?: (x: Text) => string;
}

/** One request id set, with where and when it was seen. */
export interface ReportIdRow {
  host: string;
  path?: string;
  status?: number;
  t?: number;
  source: 'request' | 'evidence';
  ossRequestId?: string;
  ossEc?: string;
  acsRequestId?: string;
  eagleEyeTraceId?: string;
  eagleId?: string;
}

export interface ReportJson {
  format: 'faultline-report';
  formatVersion: 1;
  generatedAt: { utc: string; utc8: string };
  extensionVersion: string;
  browser: string;
  lang: Lang;
  verdict: { id: string; text: string; since: { utc: string; utc8: string } | null };
  cause: { id: string; title: string; explanation: string };
  services: { id: ServiceId; name: string; state: string; requests: number; failures: number; hosts: string[] }[];
  evidence: {
    id: string;
    text: string;
    count: number;
    hosts: string[];
    first: { utc: string; utc8: string };
    last: { utc: string; utc8: string };
  }[];
  timeline: { bucketMinutes: number; buckets: { utc: string; utc8: string; failures: number; requests: number }[] };
  requestIds: ReportIdRow[];
  failures: {
    t: { utc: string; utc8: string };
    method: string;
    url: string;
    status: number;
    kind: string;
    phase: string;
    error?: string;
    code?: string;
    ms?: number;
  }[];
  userNote: string;
  /** The local history behind this report: memory only (IndexedDB unavailable), events dropped while failing. */
  history: { storage: 'indexeddb' | 'memory'; droppedEvents: number; text: string };
  redaction: string;
}

export interface BuiltReport {
  markdown: string;
  /** Pretty-printed JSON of `data`. */
  json: string;
  data: ReportJson;
}

const ID_FIELDS: readonly (keyof RequestIds)[] = [
  'ossRequestId',
  'ossEc',
  'acsRequestId',
  'eagleEyeTraceId',
  'eagleId',
];
/** The header names a support engineer knows the ids by. */
export const ID_HEADER: Record<keyof RequestIds, string> = {
  ossRequestId: 'x-oss-request-id',
  ossEc: 'x-oss-ec',
  acsRequestId: 'x-acs-request-id',
  eagleEyeTraceId: 'EagleEye-TraceId',
  eagleId: 'EagleId',
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS` of `ms` shifted by `offsetH` hours (pure, no time-zone database). */
export function fmtAt(ms: number, offsetH: number): string {
  const d = new Date(ms + offsetH * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function both(ms: number): { utc: string; utc8: string } {
  return { utc: fmtAt(ms, 0) + ' UTC', utc8: fmtAt(ms, 8) + ' UTC+8' };
}

function cleanIds(ids: RequestIds | undefined): Partial<RequestIds> | null {
  if (!ids) return null;
  const out: Partial<RequestIds> = {};
  let any = false;
  for (const f of ID_FIELDS) {
    const v = ids[f];
    if (typeof v === 'string' && v) {
      out[f] = redactCredentials(v).slice(0, 128);
      any = true;
    }
  }
  return any ? out : null;
}

/** Every request-id set from the recent failures and the evidence, deduplicated. */
export function collectIds(state: PopupState): ReportIdRow[] {
  const rows: ReportIdRow[] = [];
  const seen = new Set<string>();
  const add = (row: ReportIdRow) => {
    const sig = ID_FIELDS.map((f) => row[f] ?? '').join('|');
    if (seen.has(sig)) return;
    seen.add(sig);
    rows.push(row);
  };
  for (const o of state.recentFailures) {
    const ids = cleanIds(o.ids);
    if (ids)
      add({ host: redactHost(o.host), path: redactPath(o.path), status: o.status, t: o.t, source: 'request', ...ids });
  }
  for (const e of state.diagnosis.evidence) {
    for (const x of e.ids ?? []) {
      const ids = cleanIds(x);
      if (ids) add({ host: e.hosts.map(redactHost).join(', '), t: e.last, source: 'evidence', ...ids });
    }
  }
  return rows;
}

/** Public URL form of an outcome: scheme://host + path shape, never a query. */
export function outcomeUrl(o: RequestOutcome): string {
  const scheme = o.type === 'websocket' ? 'wss' : 'https';
  return `${scheme}://${redactHost(o.host)}${redactPath(o.path.startsWith('/') ? o.path : '/' + o.path)}`;
}

export function buildReport(state: PopupState, opts: ReportOptions): BuiltReport {
  const { lang } = opts;
  const L = (key: string, args: (string | number)[] = []) => t(lang, key, args);
  const tx = (x: Text) => redactText(opts.text ? opts.text(x) : t(lang, x.key, x.args));
  const d = state.diagnosis;

  const timelineBuckets = state.timeline.failures
    .map((failures, i) => ({ i, failures, requests: state.timeline.requests[i] ?? 0 }))
    .filter((b) => b.failures > 0)
    .map((b) => ({
      ...both(state.timeline.start + b.i * state.timeline.bucketMs),
      failures: b.failures,
      requests: b.requests,
    }));

  const data: ReportJson = {
    format: 'faultline-report',
    formatVersion: 1,
    generatedAt: both(opts.now),
    extensionVersion: state.extensionVersion,
    browser: redactText(opts.browser),
    lang,
    verdict: {
      id: d.verdict,
      text: tx({ key: `verdict_${d.verdict}` }),
      since: d.since === null ? null : both(d.since),
    },
    cause: {
      id: d.cause,
      title: tx({ key: causeKey(d.cause, 'title') }),
      explanation: tx({ key: causeKey(d.cause, 'explain') }),
    },
    services: d.services
      .filter((s) => s.state !== 'idle')
      .map((s) => ({
        id: s.id,
        name: serviceName(s.id, lang),
        state: s.state,
        requests: s.requests,
        failures: s.failures,
        hosts: s.hosts.map(redactHost),
      })),
    evidence: d.evidence.map((e: Evidence) => ({
      id: e.id,
      text: tx(e.text),
      count: e.count,
      hosts: e.hosts.map(redactHost),
      first: both(e.first),
      last: both(e.last),
    })),
    timeline: { bucketMinutes: Math.round(state.timeline.bucketMs / 60_000), buckets: timelineBuckets },
    requestIds: collectIds(state),
    failures: state.recentFailures.map((o) => ({
      t: both(o.t),
      method: o.method,
      url: outcomeUrl(o),
      status: o.status,
      kind: o.kind,
      phase: o.phase,
      ...(o.error ? { error: redactText(o.error) } : {}),
      ...(o.code ? { code: redactText(o.code) } : {}),
      ...(o.ms !== undefined ? { ms: o.ms } : {}),
    })),
    userNote: redactText(opts.userNote.trim()),
    history: historyOf(state, L),
    redaction: L('export_redaction_note'),
  };

  return { markdown: toMarkdown(data, L), json: JSON.stringify(data, null, 2) + '\n', data };
}

function historyOf(state: PopupState, L: (key: string, args?: (string | number)[]) => string): ReportJson['history'] {
  const storage = state.history?.storage ?? 'indexeddb';
  const droppedEvents = state.history?.dropped ?? 0;
  const parts = [L(storage === 'memory' ? 'export_history_memory' : 'export_history_indexeddb')];
  if (droppedEvents > 0) parts.push(L('export_history_dropped', [droppedEvents]));
  return { storage, droppedEvents, text: parts.join('; ') };
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function toMarkdown(r: ReportJson, L: (key: string, args?: (string | number)[]) => string): string {
  const out: string[] = [];
  out.push(`# ${L('export_title')}`);
  out.push('');
  out.push(`- **${L('export_verdict')}**: ${r.verdict.text} (\`${r.verdict.id}\`)`);
  out.push(`- **${L('export_cause')}**: ${r.cause.title} (\`${r.cause.id}\`)`);
  if (r.verdict.since) out.push(`- **${L('export_since')}**: ${r.verdict.since.utc8} / ${r.verdict.since.utc}`);
  out.push(`- **${L('export_generated')}**: ${r.generatedAt.utc8} / ${r.generatedAt.utc}`);
  out.push(`- **${L('export_versions')}**: Faultline ${r.extensionVersion} · ${r.browser}`);
  out.push(`- **${L('export_history')}**: ${r.history.text}`);
  out.push('');
  out.push(r.cause.explanation);
  if (r.userNote) {
    out.push('');
    out.push(`## ${L('export_user_note')}`);
    out.push('');
    for (const line of r.userNote.split(/\r?\n/)) out.push(`> ${line}`);
  }
  if (r.requestIds.length) {
    out.push('');
    out.push(`## ${L('export_request_ids')}`);
    out.push('');
    out.push(
      `| ${L('export_col_time')} | host | status | x-oss-request-id | x-oss-ec | x-acs-request-id | EagleEye-TraceId | EagleId |`,
    );
    out.push('|---|---|---|---|---|---|---|---|');
    for (const x of r.requestIds) {
      const when = x.t !== undefined ? both(x.t).utc8 : '';
      out.push(
        `| ${when} | ${mdEscape(x.host + (x.path ?? ''))} | ${x.status ?? ''} | ${x.ossRequestId ?? ''} | ${x.ossEc ?? ''} | ${x.acsRequestId ?? ''} | ${x.eagleEyeTraceId ?? ''} | ${x.eagleId ?? ''} |`,
      );
    }
  }
  if (r.evidence.length) {
    out.push('');
    out.push(`## ${L('export_evidence')}`);
    out.push('');
    for (const e of r.evidence) {
      out.push(
        `- ${mdEscape(e.text)} — ×${e.count}; ${e.hosts.join(', ')}; ${e.first.utc8} → ${e.last.utc8} (${e.first.utc} → ${e.last.utc})`,
      );
    }
  }
  if (r.services.length) {
    out.push('');
    out.push(`## ${L('export_services')}`);
    out.push('');
    for (const s of r.services) out.push(`- ${s.name} (\`${s.id}\`): ${s.state}, ${s.failures}/${s.requests}`);
  }
  out.push('');
  out.push(`## ${L('export_timeline')}`);
  out.push('');
  if (r.timeline.buckets.length === 0) out.push(L('export_timeline_empty'));
  else {
    out.push(`| UTC+8 | UTC | ${L('export_col_failures')} | ${L('export_col_requests')} |`);
    out.push('|---|---|---|---|');
    for (const b of r.timeline.buckets)
      out.push(`| ${b.utc8.replace(' UTC+8', '')} | ${b.utc.replace(' UTC', '')} | ${b.failures} | ${b.requests} |`);
  }
  if (r.failures.length) {
    out.push('');
    out.push(`## ${L('export_failures')}`);
    out.push('');
    for (const f of r.failures.slice(0, 50)) {
      const extra = [f.error, f.code].filter(Boolean).join(' ');
      out.push(`- ${f.t.utc8} ${f.method} ${f.url} → ${f.status || '—'} ${f.kind}${extra ? ' ' + extra : ''}`);
    }
  }
  out.push('');
  out.push(`_${r.redaction}_`);
  out.push('');
  return out.join('\n');
}

/** HAR 1.2-shaped export of recent failures: no query strings, no cookies, no bodies, ids as headers. */
export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    pages: never[];
    entries: HarEntry[];
    /** The local history behind the export (HAR allows custom fields starting with "_"). */
    _faultline?: { historyStorage: 'indexeddb' | 'memory'; droppedEvents: number };
  };
}
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: never[];
    headers: never[];
    queryString: never[];
    headersSize: -1;
    bodySize: -1;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: never[];
    headers: { name: string; value: string }[];
    content: { size: 0; mimeType: string };
    redirectURL: string;
    headersSize: -1;
    bodySize: -1;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _resourceType: string;
  _faultline: { kind: string; phase: string; service: string | null; code?: string };
}

export function sanitizedHar(
  outcomes: readonly RequestOutcome[],
  extensionVersion = '',
  history?: PopupState['history'],
): Har {
  const entries: HarEntry[] = outcomes.map((o) => {
    const headers: { name: string; value: string }[] = [];
    const ids = cleanIds(o.ids);
    if (ids) for (const f of ID_FIELDS) if (ids[f]) headers.push({ name: ID_HEADER[f], value: ids[f]! });
    const ms = Math.max(0, Math.round(o.ms ?? 0));
    return {
      startedDateTime: new Date(o.t).toISOString(),
      time: ms,
      request: {
        method: o.method,
        url: outcomeUrl(o),
        httpVersion: '',
        cookies: [],
        headers: [],
        queryString: [],
        headersSize: -1,
        bodySize: -1,
      },
      response: {
        status: o.status,
        statusText: '',
        httpVersion: '',
        cookies: [],
        headers,
        content: { size: 0, mimeType: '' },
        redirectURL: o.redirectTo ? redirectUrl(o.redirectTo) : '',
        headersSize: -1,
        bodySize: -1,
        ...(o.error ? { _error: redactText(o.error) } : {}),
      },
      cache: {},
      timings: { send: 0, wait: ms, receive: 0 },
      _resourceType: o.type,
      _faultline: {
        kind: o.kind,
        phase: o.phase,
        service: o.service,
        ...(o.code ? { code: redactText(o.code) } : {}),
      },
    };
  });
  const log: Har['log'] = {
    version: '1.2',
    creator: { name: 'Faultline', version: extensionVersion },
    pages: [],
    entries,
  };
  if (history) log._faultline = { historyStorage: history.storage, droppedEvents: history.dropped };
  return { log };
}

/** `host/path shape` of a redirect target as an exported URL. */
function redirectUrl(target: string): string {
  const slash = target.indexOf('/');
  const host = slash < 0 ? target : target.slice(0, slash);
  return `https://${redactHost(host)}${redactPath(slash < 0 ? '/' : target.slice(slash))}`;
}
