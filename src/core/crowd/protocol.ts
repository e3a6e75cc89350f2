/**
 * Crowd mode wire protocol (docs/crowd-protocol.md), shared by the extension and the collector.
 *
 * A report is NEL-shaped and origin-level only: service, phase, failure type, a known region id taken from the host
 * name, a status class, a minute bucket, the local verdict and the extension version, plus a random reporter token
 * that rotates every UTC day. No host, path, query, cookie, user agent or stable identifier is ever sent.
 *
 * Pure: no Node or browser APIs. Randomness is injected (`newReporterToken(random)`).
 */
import type { FailureKind, Phase, RequestOutcome, ServiceId, Verdict } from '../types';
import { regionOf } from '../catalogue/match';

export const PROTOCOL_VERSION = 1 as const;
/** Most reports in one batch. */
export const MAX_BATCH_REPORTS = 100;
/** Largest accepted request body, bytes (checked before parsing). */
export const MAX_BODY_BYTES = 32_768;
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** A reporter token counts once per service per window of this length (aligned to the epoch). */
export const DEDUPE_WINDOW_MS = 15 * MINUTE_MS;
/** Longest region hint and version string accepted. */
export const MAX_REGION_LENGTH = 32;
export const MAX_VERSION_LENGTH = 32;

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none';
/**
 * The verdicts a report may carry. `healthy` has no failure to report, and `user` (the problem is on this side:
 * offline, an ad blocker, one's own key) says nothing about the provider: neither leaves the browser.
 */
export type ReportVerdict = Exclude<Verdict, 'healthy' | 'user'>;

/** Services a report may name. `site` (user-chosen hosts outside the catalogue) is never reported. */
export const CROWD_SERVICES: readonly Exclude<ServiceId, 'site'>[] = [
  'console',
  'openapi',
  'oss',
  'cdn',
  'login',
  'shopping',
  'mtop',
  'drive',
  'docs',
  'dingtalk',
  'registry',
  'payments',
  'telemetry',
  'status',
];
export type CrowdService = (typeof CROWD_SERVICES)[number];

export const PHASES: readonly Exclude<Phase, 'ok'>[] = ['dns', 'connection', 'tls', 'application', 'client'];
export type ReportPhase = (typeof PHASES)[number];

/** Failure kinds a report may carry (`ok` and `aborted` are never failures). */
export const REPORT_KINDS: readonly FailureKind[] = [
  'dns.name_not_resolved',
  'dns.failed',
  'net.offline',
  'net.changed',
  'net.access_denied',
  'proxy.failed',
  'tcp.refused',
  'tcp.reset',
  'tcp.closed',
  'tcp.timed_out',
  'tcp.failed',
  'tls.cert.date_invalid',
  'tls.cert.authority_invalid',
  'tls.cert.name_invalid',
  'tls.failed',
  'http.4xx',
  'http.5xx',
  'http.redirect_loop',
  'http.protocol',
  'http.empty',
  'blocked.extension',
  'blocked.admin',
  'blocked.tracking',
  'blocked.browser',
  'unknown',
];
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'none'];
export const REPORT_VERDICTS: readonly ReportVerdict[] = ['provider', 'unclear'];

export interface CrowdReport {
  service: CrowdService;
  phase: ReportPhase;
  type: FailureKind;
  /** A known Alibaba Cloud region id named by the host (catalogue regionOf), e.g. `cn-hangzhou`, or null. */
  region: string | null;
  status: StatusClass;
  /** Start of the minute the failure happened in, ms since epoch (a multiple of 60 000). */
  minute: number;
  verdict: ReportVerdict;
  /** Extension version, e.g. `0.1.0`. */
  version: string;
  /** Reporter token: 32 lower-case hex digits (128 random bits), replaced every UTC day. */
  token: string;
}

export interface CrowdBatch {
  v: typeof PROTOCOL_VERSION;
  reports: CrowdReport[];
}

export type CrowdState = 'normal' | 'elevated' | 'outage';
export const CROWD_STATES: readonly CrowdState[] = ['normal', 'elevated', 'outage'];

/**
 * How a collector counts (docs/crowd-protocol.md, "Deployment modes"). `public`: anyone may report, a voter is a
 * network address (IPv6 grouped by /64). `team`: reporters present the team key, a voter is a reporter token.
 */
export type CollectorMode = 'public' | 'team';

/**
 * One service as the collector sees it: THE crowd status type, from the wire (GET /v1/status) to the popup.
 * A vote is one voter per service per minute (the collector's minute); only `provider` and `unclear` reports vote.
 */
export interface ServiceCrowdStatus {
  service: CrowdService;
  state: CrowdState;
  /** Votes in the last 5 / 15 / 60 minutes, the current minute included. */
  reports: { m5: number; m15: number; m60: number };
  /** Distinct voters in the last 15 / 60 minutes: the "people" of "N people reported…". */
  voters15: number;
  voters60: number;
  /** Distinct networks (IPv4 /16, IPv6 /32) among the voters of the last 15 minutes. */
  networks15: number;
  /** Usual distinct voters per 15 minutes at this time of day: the median over the previous baselineDays days. */
  baseline15: number;
  /** The same for networks. */
  baselineNetworks15: number;
  /** Votes per minute over the last hour, oldest first; the last entry is the current minute. */
  perMinute: number[];
  /** Last 15 minutes, votes per phase / per local verdict (only non-zero entries). */
  byPhase15: Partial<Record<ReportPhase, number>>;
  byVerdict15: Partial<Record<ReportVerdict, number>>;
}

/** The thresholds a collector applies (collector/src/rules.ts); published with every status. */
export interface StatusRules {
  elevatedMinVoters: number;
  elevatedMinNetworks: number;
  elevatedBaselineFactor: number;
  /** Also at least this many standard deviations (√baseline) above the baseline: noise is Poisson. */
  elevatedSigmas: number;
  outageMinVoters: number;
  outageMinNetworks: number;
  outageBaselineFactor: number;
  outageSigmas: number;
  baselineDays: number;
  /**
   * Installed users the operator expects (0: not set). While a service has history on at most half of the
   * baseline days, the minimums are raised to match (collector/src/rules.ts minimumsForUsers).
   */
  expectedUsers: number;
}

/** GET /v1/status */
export interface StatusResponse {
  v: typeof PROTOCOL_VERSION;
  /** Server time the status was computed at, ms since epoch. */
  at: number;
  mode: CollectorMode;
  rules: StatusRules;
  services: ServiceCrowdStatus[];
}

export type ValidateResult = { ok: true; batch: CrowdBatch } | { ok: false; error: string };

const REPORT_FIELDS: readonly (keyof CrowdReport)[] = [
  'service',
  'phase',
  'type',
  'region',
  'status',
  'minute',
  'verdict',
  'version',
  'token',
];
const BATCH_FIELDS = ['v', 'reports'] as const;

const TOKEN_RE = /^[0-9a-f]{32}$/;
const REGION_RE = /^[a-z]{2,3}(?:-[a-z0-9]+){1,4}$/;
const VERSION_RE = /^[0-9]{1,5}(?:\.[0-9]{1,5}){0,3}(?:-[0-9a-z.]{1,16})?$/;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `"${x.length > 40 ? `${x.slice(0, 40)}…` : x}"`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

function oneOf<T extends string>(allowed: readonly T[], x: unknown, field: string, what: string): string | null {
  if (typeof x !== 'string') return `${field}: expected a string, got ${describe(x)}`;
  if (!(allowed as readonly string[]).includes(x)) return `${field}: unknown ${what} ${describe(x)}`;
  return null;
}

function validateReport(r: unknown, at: string): string | null {
  if (!isPlainObject(r)) return `${at}: expected an object, got ${describe(r)}`;
  for (const k of Object.keys(r)) {
    if (!(REPORT_FIELDS as readonly string[]).includes(k)) {
      return `${at}.${k}: unknown field (reports are origin-level: no host, path, query, cookies or user agent)`;
    }
  }
  for (const k of REPORT_FIELDS) if (!(k in r)) return `${at}.${k}: missing`;
  return (
    oneOf(CROWD_SERVICES, r.service, `${at}.service`, 'service') ??
    oneOf(PHASES, r.phase, `${at}.phase`, 'phase') ??
    oneOf(REPORT_KINDS, r.type, `${at}.type`, 'failure type') ??
    checkRegion(r.region, `${at}.region`) ??
    oneOf(STATUS_CLASSES, r.status, `${at}.status`, 'status class') ??
    checkMinute(r.minute, `${at}.minute`) ??
    oneOf(REPORT_VERDICTS, r.verdict, `${at}.verdict`, 'verdict') ??
    checkPattern(r.version, `${at}.version`, VERSION_RE, MAX_VERSION_LENGTH, 'a version like 1.2.3') ??
    checkPattern(r.token, `${at}.token`, TOKEN_RE, 32, '32 lower-case hex digits')
  );
}

function checkRegion(x: unknown, field: string): string | null {
  if (x === null) return null;
  return checkPattern(x, field, REGION_RE, MAX_REGION_LENGTH, 'a region like cn-hangzhou, or null');
}

function checkPattern(x: unknown, field: string, re: RegExp, max: number, what: string): string | null {
  if (typeof x !== 'string') return `${field}: expected a string, got ${describe(x)}`;
  if (x.length > max || !re.test(x)) return `${field}: expected ${what}, got ${describe(x)}`;
  return null;
}

function checkMinute(x: unknown, field: string): string | null {
  if (typeof x !== 'number' || !Number.isSafeInteger(x))
    return `${field}: expected an integer (ms since epoch), got ${describe(x)}`;
  if (x <= 0 || x % MINUTE_MS !== 0)
    return `${field}: expected a minute bucket (a positive multiple of 60000), got ${x}`;
  return null;
}

/** Strict schema validation of a parsed POST /v1/reports body. Errors are one line naming the bad field. */
export function validateBatch(json: unknown): ValidateResult {
  if (!isPlainObject(json)) return { ok: false, error: `body: expected a JSON object, got ${describe(json)}` };
  for (const k of Object.keys(json)) {
    if (!(BATCH_FIELDS as readonly string[]).includes(k)) return { ok: false, error: `${k}: unknown field` };
  }
  if (json.v !== PROTOCOL_VERSION) {
    return { ok: false, error: `v: expected protocol version ${PROTOCOL_VERSION}, got ${describe(json.v)}` };
  }
  const reports = json.reports;
  if (!Array.isArray(reports)) return { ok: false, error: `reports: expected an array, got ${describe(reports)}` };
  if (reports.length === 0) return { ok: false, error: 'reports: empty batch' };
  if (reports.length > MAX_BATCH_REPORTS) {
    return { ok: false, error: `reports: too many reports (${reports.length}, at most ${MAX_BATCH_REPORTS})` };
  }
  for (let i = 0; i < reports.length; i++) {
    const err = validateReport(reports[i], `reports[${i}]`);
    if (err) return { ok: false, error: err };
    // One batch, one reporter: a token is stamped on a whole batch (a rotating-token batch is not a client's).
    if (i > 0 && (reports[i] as CrowdReport).token !== (reports[0] as CrowdReport).token) {
      return { ok: false, error: `reports[${i}].token: every report of a batch carries the same reporter token` };
    }
  }
  return { ok: true, batch: json as unknown as CrowdBatch };
}

export function isReportVerdict(v: Verdict): v is ReportVerdict {
  return (REPORT_VERDICTS as readonly string[]).includes(v);
}

/** HTTP status → status class. 0 (no response) and anything outside 200-599 → 'none'. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'none';
}

export function minuteOf(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

/**
 * Build a report from one outcome, or null when the outcome must not be reported: no catalogue service (or the
 * user's own `site`), a probe (the extension's own check, not user traffic), no failure (`ok`/`aborted`), or a
 * verdict that is not `provider`/`unclear`. Origin-level only: the host is reduced to a known region id (or null);
 * path, query, ids, cookies and timings are dropped. The minute bucket never lies in the future of `now`.
 */
export function makeReport(
  outcome: RequestOutcome,
  verdict: Verdict,
  version: string,
  token: string,
  now: number,
): CrowdReport | null {
  const service = outcome.service;
  if (service === null || service === 'site') return null;
  if (outcome.source === 'probe') return null;
  if (outcome.phase === 'ok' || outcome.kind === 'ok' || outcome.kind === 'aborted') return null;
  if (!isReportVerdict(verdict)) return null;
  return {
    service,
    phase: outcome.phase,
    type: outcome.kind,
    region: regionOf(outcome.host),
    status: statusClassOf(outcome.status),
    minute: minuteOf(Math.min(outcome.t, now)),
    verdict,
    version,
    token,
  };
}

/** UTC day number of `now`: the reporter token and the collector's address salt change when it changes. */
export function tokenDay(now: number): number {
  return Math.floor(now / DAY_MS);
}

/** A new reporter token: 128 random bits as 32 hex digits. `random(n)` returns n random bytes (crypto.getRandomValues). */
export function newReporterToken(random: (n: number) => Uint8Array): string {
  const bytes = random(16);
  if (bytes.length !== 16) throw new Error('newReporterToken: random(16) must return 16 bytes');
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export interface ReporterTokenState {
  token: string;
  day: number;
}

/** The token to use now: the stored one if it was made today (UTC), otherwise a fresh one. */
export function currentReporterToken(
  prev: ReporterTokenState | null | undefined,
  now: number,
  random: (n: number) => Uint8Array,
): ReporterTokenState {
  const day = tokenDay(now);
  if (prev && prev.day === day && TOKEN_RE.test(prev.token)) return prev;
  return { token: newReporterToken(random), day };
}
