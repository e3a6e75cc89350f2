/**
 * The official status page (健康看板, status.aliyun.com).
 *
 * UNDOCUMENTED: Alibaba Cloud publishes no API for it. The endpoint below is the JSON the page itself loads,
 * seen in third-party code (shared/reference/alibaba-services.json, "status_pages"); shapes seen:
 *   {success:true, code:200, data:[{productId, title, currentStateSeverity:'ALARM'|'NOTIFICATION', startTime(s), endTime}]}
 *   {success:true, code:200, data:[{id, title, eventType:'ALARM'|'NOTIFICATION'|'NORMAL', startTime, endTime}]}
 * It may change or vanish at any time, so the parser survives any input (it never throws), the feature can be
 * turned off (ProbeSettings.statusPage), and nothing else depends on it: it only shows the official state beside
 * Faultline's and the lag between the two.
 */
import type { StatusEvent, StatusFeed } from './types';

export const STATUS_FEED_ORIGIN = 'https://status.aliyun.com';
export const STATUS_FEED_PATH = '/api/status/listProductEventForRegionInLast24Hours';
export const DEFAULT_STATUS_REGION = 'cn-hangzhou';
/** Official events that start up to this long before Faultline's detection still count as "the same" incident. */
export const OFFICIAL_LAG_WINDOW_MS = 30 * 60_000;
const MAX_EVENTS = 200;
const MAX_TEXT = 200;

/** URL of the (undocumented) per-region event feed of the last 24 hours. Invalid region ids fall back. */
export function statusFeedUrl(regionId: string = DEFAULT_STATUS_REGION, origin: string = STATUS_FEED_ORIGIN): string {
  const region = /^[a-z0-9-]{2,40}$/.test(regionId) ? regionId : DEFAULT_STATUS_REGION;
  return `${origin}${STATUS_FEED_PATH}?regionId=${encodeURIComponent(region)}`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

const ID_KEYS = ['id', 'eventId', 'event_id', 'productEventId', 'eventID', 'uuid'];
const TITLE_KEYS = ['title', 'eventTitle', 'eventName', 'name', 'subject', 'productName', 'productId', 'product'];
const SEVERITY_KEYS = [
  'currentStateSeverity',
  'severity',
  'eventType',
  'level',
  'eventLevel',
  'status',
  'state',
  'type',
];
const START_KEYS = [
  'startTime',
  'start',
  'beginTime',
  'gmtStart',
  'eventStartTime',
  'start_time',
  'startAt',
  'gmtCreate',
  'createTime',
];
const END_KEYS = ['endTime', 'end', 'gmtEnd', 'eventEndTime', 'recoverTime', 'end_time', 'endAt', 'resolvedTime'];
const LIST_KEYS = [
  'data',
  'events',
  'list',
  'items',
  'result',
  'rows',
  'records',
  'eventList',
  'productEventList',
  'Data',
  'Events',
];
const EVENT_HINT_KEYS = [...TITLE_KEYS, ...SEVERITY_KEYS, ...START_KEYS, ...ID_KEYS];

/**
 * Parse the feed, whatever arrives: a JSON string or value; data at the root, under data/events/list/…, nested
 * (data.data, data.list); epochs in s or ms, as numbers or strings, or date strings (no zone = Beijing time);
 * missing fields; `success:false`. ok = the feed could be read (a recognizable list, possibly empty).
 */
export function parseStatusFeed(json: unknown): StatusFeed {
  try {
    return parseUnsafe(json);
  } catch {
    return { ok: false, events: [] };
  }
}

function parseUnsafe(input: unknown): StatusFeed {
  let json = input;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch {
      return { ok: false, events: [] };
    }
  }
  if (isObj(json)) {
    const s = json.success ?? json.Success;
    if (s === false || s === 'false') return { ok: false, events: [] };
    const code = json.code ?? json.httpCode;
    if ((typeof code === 'number' || typeof code === 'string') && /^[45]\d\d$/.test(String(code)))
      return { ok: false, events: [] };
  }
  const list = findList(json, 0);
  if (list === null) {
    // success:true with data null/empty object = no events.
    if (
      isObj(json) &&
      (json.success === true || json.success === 'true') &&
      (json.data === null || json.data === undefined || (isObj(json.data) && Object.keys(json.data).length === 0))
    ) {
      return { ok: true, events: [] };
    }
    return { ok: false, events: [] };
  }
  const events: StatusEvent[] = [];
  for (let i = 0; i < list.length && events.length < MAX_EVENTS; i++) {
    const e = list[i];
    if (!isObj(e)) continue;
    events.push(toEvent(e, i));
  }
  return { ok: true, events };
}

function looksLikeEvents(a: unknown[]): boolean {
  if (a.length === 0) return true;
  return a.some((e) => isObj(e) && EVENT_HINT_KEYS.some((k) => k in e));
}

function findList(v: unknown, depth: number): unknown[] | null {
  if (depth > 3) return null;
  if (Array.isArray(v)) return looksLikeEvents(v) ? v : null;
  if (!isObj(v)) return null;
  for (const k of LIST_KEYS) {
    if (k in v) {
      const found = findList(v[k], depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function pick(e: Obj, keys: string[]): unknown {
  for (const k of keys) {
    const v = e[k];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v.trim().slice(0, MAX_TEXT);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

function toEvent(e: Obj, index: number): StatusEvent {
  const start = toEpochMs(pick(e, START_KEYS));
  const title = text(pick(e, TITLE_KEYS));
  const id = text(pick(e, ID_KEYS)) || `${title || 'event'}@${start ?? index}`;
  return { id, title, severity: severityOf(pick(e, SEVERITY_KEYS)), start, end: toEpochMs(pick(e, END_KEYS)) };
}

export function severityOf(v: unknown): StatusEvent['severity'] {
  if (typeof v !== 'string' && typeof v !== 'number') return 'unknown';
  const s = String(v).trim().toUpperCase();
  if (/ALARM|ERROR|CRITICAL|FAULT|OUTAGE|DOWN|MAJOR|ABNORMAL|异常|故障|中断/.test(s)) return 'alarm';
  if (/NOTIF|NOTICE|WARN|INFO|DEGRAD|MAINT|MINOR|PARTIAL|通知|公告|维护/.test(s)) return 'notice';
  if (/NORMAL|^OK$|RESOLVED|RECOVER|HEALTHY|CLOSED|正常|恢复/.test(s)) return 'normal';
  return 'unknown';
}

const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
const MAX_EPOCH_MS = Date.UTC(2100, 0, 1);

/** An epoch in s or ms (number or numeric string), or a date string; null for anything else. */
export function toEpochMs(v: unknown): number | null {
  let n: number | null = null;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (/^-?\d+(\.\d+)?$/.test(s)) n = Number(s);
    else if (s) {
      // "2023-11-12 17:44:00" (no zone) is Beijing time on a Chinese status page.
      const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
      const parsed = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+08:00`) : Date.parse(s);
      n = Number.isFinite(parsed) ? parsed : null;
      if (n !== null) return n >= MIN_EPOCH_MS && n < MAX_EPOCH_MS ? n : null;
    }
  }
  if (n === null || !Number.isFinite(n) || n <= 0) return null;
  const ms = n < 1e11 ? n * 1000 : n; // < 1e11: seconds (ms epochs passed 1e11 in 1973)
  return ms >= MIN_EPOCH_MS && ms < MAX_EPOCH_MS ? Math.round(ms) : null;
}

/**
 * Lag between Faultline's first detection and the official notice: start of the earliest official event
 * (any severity; events without a start are skipped) that starts at or after `detectedAt − windowMs`.
 * Positive = the official event started after Faultline saw the failures. null = no such event.
 * Note the official start is often backdated (2023-11-12: start 17:44, notice sent ~18:14); the time the
 * event first appeared in the feed is a better "notice" time and is the caller's to track (see docs).
 */
export function officialLag(
  detectedAt: number,
  events: readonly StatusEvent[],
  windowMs: number = OFFICIAL_LAG_WINDOW_MS,
): number | null {
  let best: number | null = null;
  for (const e of events) {
    if (e.start === null || e.start < detectedAt - windowMs) continue;
    if (best === null || e.start < best) best = e.start;
  }
  return best === null ? null : best - detectedAt;
}

/** Is this event open at `now` (started, or no start given, and not ended)? */
function openAt(e: StatusEvent, now: number): boolean {
  return (e.end === null || e.end > now) && (e.start === null || e.start <= now);
}

/** Alarms of the feed still open at `now`: the official word that something is failing now (0 = none). */
export function openAlarms(events: readonly StatusEvent[], now: number): number {
  let n = 0;
  for (const e of events) if (e.severity === 'alarm' && openAt(e, now)) n++;
  return n;
}

/** The official state in one word, for display beside Faultline's: the worst open event. */
export function officialState(events: readonly StatusEvent[], now: number): StatusEvent['severity'] {
  let worst: StatusEvent['severity'] = 'normal';
  const rank = { normal: 0, unknown: 1, notice: 2, alarm: 3 } as const;
  for (const e of events) if (openAt(e, now) && rank[e.severity] > rank[worst]) worst = e.severity;
  return worst;
}
