/**
 * HAR 1.2 → RequestOutcome[]. Pure (no Node, no browser APIs): takes the parsed JSON, returns outcomes or a
 * typed error. Reads the dialects of Chrome/Chromium DevTools (failed requests: status 0 + `_error`
 * net::ERR_…), Firefox (status 0, no error text: kept as a weak `unknown`), WebPageTest (WinINet status codes,
 * `_request_type`), chrome-har / Browsertime and others; every optional field may be missing.
 * Never keeps bodies, cookie values or query strings: only provider codes, cookie names and a key tag.
 */
import { isLoginHost } from '../catalogue/match';
import { classify } from '../taxonomy/browser-errors';
import type { FailureKind, Phase, RequestIds, RequestOutcome, ResourceKind, ServiceId } from '../types';
import { keyTagOf, pathShape, splitUrl } from '../url/url-shape';
import { bodyText, codeFromBody } from './body';

export type WatchFn = (host: string) => ServiceId | null;

export type HarResult =
  | { ok: true; outcomes: RequestOutcome[]; skipped: number; creator: string; first: number; last: number }
  | { ok: false; error: 'not-har' | 'no-entries-array' };

interface HarHeader {
  name?: unknown;
  value?: unknown;
}

const RESOURCE: Record<string, ResourceKind> = {
  document: 'main_frame',
  main_frame: 'main_frame',
  sub_frame: 'sub_frame',
  iframe: 'sub_frame',
  image: 'image',
  img: 'image',
  script: 'script',
  stylesheet: 'stylesheet',
  css: 'stylesheet',
  font: 'font',
  xhr: 'xhr',
  fetch: 'xhr',
  xmlhttprequest: 'xhr',
  media: 'media',
  websocket: 'websocket',
  ping: 'ping',
  beacon: 'ping',
  other: 'other',
};

/** WebPageTest records WinINet errors as the status. */
const WININET: Record<number, FailureKind> = {
  12002: 'tcp.timed_out',
  12007: 'dns.name_not_resolved',
  12029: 'tcp.failed',
  12030: 'tcp.reset',
  12031: 'tcp.reset',
  12152: 'http.protocol',
};
const PHASE_OF: Partial<Record<FailureKind, Phase>> = {
  'dns.name_not_resolved': 'dns',
  'http.protocol': 'application',
};

function typeOf(e: Record<string, unknown>, mime: string | undefined, first: boolean): ResourceKind {
  const rt = e._resourceType ?? e._request_type ?? e._type;
  if (typeof rt === 'string') {
    const k = RESOURCE[rt.toLowerCase()];
    if (k) return k;
  }
  if (mime) {
    if (mime.startsWith('image/')) return 'image';
    if (mime.startsWith('text/html')) return first ? 'main_frame' : 'other';
    if (mime.includes('javascript')) return 'script';
    if (mime.startsWith('text/css')) return 'stylesheet';
    if (mime.startsWith('font/') || mime.includes('font-')) return 'font';
    if (mime.includes('json') || mime.includes('xml')) return 'xhr';
  }
  return 'other';
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function cookieNames(list: unknown, header: string | undefined, isSet: boolean): string[] | undefined {
  const out: string[] = [];
  if (Array.isArray(list)) {
    for (const c of list) {
      const n = c && typeof c === 'object' ? (c as { name?: unknown }).name : undefined;
      if (typeof n === 'string' && n && !out.includes(n)) out.push(n);
      if (out.length >= 32) break;
    }
  }
  if (out.length === 0 && header) {
    const parts = isSet ? header.split('\n') : header.split(';');
    for (const p of parts) {
      const eq = p.indexOf('=');
      const n = (eq >= 0 ? p.slice(0, eq) : '').trim();
      if (n && !out.includes(n)) out.push(n);
      if (out.length >= 32) break;
    }
  }
  return out.length ? out : undefined;
}

let lastDateText = '';
let lastDate = NaN;

/** Parse a HAR's `log.entries` into outcomes, sorted by start time. */
export function readHar(json: unknown, watch: WatchFn): HarResult {
  if (!json || typeof json !== 'object') return { ok: false, error: 'not-har' };
  const log = (json as { log?: unknown }).log;
  if (!log || typeof log !== 'object') return { ok: false, error: 'not-har' };
  const entries = (log as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) return { ok: false, error: 'no-entries-array' };
  const creatorObj = (log as { creator?: { name?: unknown } }).creator;
  const creator = typeof creatorObj?.name === 'string' ? creatorObj.name : '';
  const collector = new HarCollector(watch);
  for (let i = 0; i < entries.length; i++) collector.add(entries[i]);
  return collector.finish(creator);
}

/**
 * Entries → outcomes, one entry at a time, in file order: what the in-memory reader (readHar) and the streaming
 * reader (stream.ts) share, so both convert every entry through the one convertEntry.
 */
export class HarCollector {
  readonly outcomes: RequestOutcome[] = [];
  skipped = 0;
  private sorted = true;
  private prevT = -Infinity;
  /** One copy of each host, path shape and method: a HAR of a million entries repeats them endlessly. */
  private readonly strings = new Map<string, string>();

  constructor(private readonly watch: WatchFn) {}

  add(raw: unknown): void {
    const o = convertEntry(raw, this.watch, this.outcomes.length === 0);
    if (!o) {
      this.skipped++;
      return;
    }
    o.host = this.intern(o.host);
    o.path = this.intern(o.path);
    o.method = this.intern(o.method);
    if (o.t < this.prevT) this.sorted = false;
    this.prevT = o.t;
    this.outcomes.push(o);
  }

  /**
   * The kept copy is a fresh string: a host is often a slice of its URL, and would keep the whole URL (query
   * string and all) alive for as long as the outcome lives.
   */
  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size >= 100_000) return s;
    const copy = (' ' + s).slice(1);
    this.strings.set(copy, copy);
    return copy;
  }

  /** The outcomes sorted by start time (the collector is spent afterwards). */
  finish(creator: string): HarResult & { ok: true } {
    const outcomes = this.outcomes;
    if (!this.sorted) outcomes.sort((a, b) => a.t - b.t);
    const first = outcomes.length ? outcomes[0]!.t : 0;
    const last = outcomes.length ? outcomes[outcomes.length - 1]!.t : 0;
    return { ok: true, outcomes, skipped: this.skipped, creator, first, last };
  }
}

/** One HAR entry → outcome, or null when it is not a usable http(s) request. */
export function convertEntry(raw: unknown, watch: WatchFn, first = false): RequestOutcome | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = raw as Record<string, unknown>;
  const req = e.request as Record<string, unknown> | undefined;
  const res = (e.response ?? {}) as Record<string, unknown>;
  const url = req && str(req.url);
  if (!url) return null;
  const u = splitUrl(url);
  if (!u || (u.scheme !== 'https' && u.scheme !== 'http' && u.scheme !== 'wss' && u.scheme !== 'ws')) return null;
  const t = typeof e.startedDateTime === 'string' ? Date.parse(e.startedDateTime) : NaN;
  if (Number.isNaN(t)) return null;
  let status = typeof res.status === 'number' ? res.status : 0;
  const error = str(res._error) ?? str(e._error) ?? undefined;
  const content = res.content as { mimeType?: unknown; text?: unknown; encoding?: unknown } | undefined;
  const mime = content ? str(content.mimeType) : undefined;
  const service = watch(u.host);
  let kind: FailureKind;
  let phase: Phase;
  if (status >= 1000 || status < 0) {
    kind = WININET[status] ?? 'unknown';
    phase = PHASE_OF[kind] ?? 'connection';
    status = 0;
  } else {
    const k = classify(status, error || undefined);
    kind = k.kind;
    phase = k.phase;
  }
  const o: RequestOutcome = {
    t,
    host: u.host,
    service,
    path: pathShape(u.path),
    type: typeOf(e, mime, first),
    method: (req && str(req.method)) || 'GET',
    status,
    kind,
    phase,
    source: 'har',
  };
  const time = e.time;
  if (typeof time === 'number' && time >= 0) o.ms = Math.round(time);
  if (error) o.error = error.slice(0, 120);
  if (u.query && (u.query.includes('KeyId') || u.query.includes('keyid') || u.query.includes('redential'))) {
    const tag = keyTagOf(u.query);
    if (tag) o.keyTag = tag;
  }
  if (
    e._fromCache ||
    (e.cache && typeof e.cache === 'object' && (e.cache as { afterRequest?: unknown }).afterRequest && status === 0)
  )
    o.fromCache = true;
  const track = o.type === 'main_frame' || o.type === 'sub_frame' || (service !== null && isLoginHost(u.host));
  let setCookieHeader: string | undefined;
  const headers = res.headers;
  if (Array.isArray(headers)) {
    let ids: RequestIds | undefined;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as HarHeader;
      const name = h && h.name;
      const v = h && h.value;
      if (typeof name !== 'string' || typeof v !== 'string') continue;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'date') {
            // Date has one-second resolution: consecutive entries mostly repeat it.
            if (v !== lastDateText) {
              lastDateText = v;
              lastDate = Date.parse(v);
            }
            if (!Number.isNaN(lastDate)) o.serverDate = lastDate;
          }
          break;
        case 7:
          if (name.toLowerCase() === 'eagleid') (ids ??= {}).eagleId = v.slice(0, 64);
          break;
        case 8:
          if (name.toLowerCase() === 'x-oss-ec') (ids ??= {}).ossEc = v.slice(0, 32);
          break;
        case 10:
          if (track && name.toLowerCase() === 'set-cookie')
            setCookieHeader = setCookieHeader ? setCookieHeader + '\n' + v : v;
          break;
        case 16: {
          const n = name.toLowerCase();
          if (n === 'x-oss-request-id') (ids ??= {}).ossRequestId = v.slice(0, 64);
          else if (n === 'x-acs-request-id') (ids ??= {}).acsRequestId = v.slice(0, 64);
          else if (n === 'eagleeye-traceid') (ids ??= {}).eagleEyeTraceId = v.slice(0, 64);
          break;
        }
      }
    }
    if (ids) o.ids = ids;
  }
  if (track) {
    const set = cookieNames(res.cookies, setCookieHeader, true);
    if (set) o.setCookies = set;
    let cookieHeader: string | undefined;
    const rh = req!.headers;
    if (Array.isArray(rh)) {
      for (const h of rh as HarHeader[])
        if (
          h &&
          typeof h.name === 'string' &&
          h.name.length === 6 &&
          h.name.toLowerCase() === 'cookie' &&
          typeof h.value === 'string'
        )
          cookieHeader = h.value;
    }
    const sent = cookieNames(req!.cookies, cookieHeader, false);
    if (sent) o.sentCookies = sent;
  }
  if (status >= 300 && status < 400) {
    const loc = str(res.redirectURL);
    if (loc) {
      const abs = loc.startsWith('/')
        ? loc.startsWith('//')
          ? u.scheme + ':' + loc
          : u.scheme + '://' + u.host + loc
        : loc;
      const target = splitUrl(abs);
      if (target) o.redirectTo = target.host + pathShape(target.path);
    }
  }
  // Provider error codes: error statuses, and mtop (which answers 200 even on failure).
  if (
    content &&
    typeof content.text === 'string' &&
    content.text.length > 0 &&
    (status >= 400 ||
      service === 'mtop' ||
      (mime !== undefined && mime.includes('json') && service !== null && service !== 'site'))
  ) {
    const text = bodyText(content);
    if (text) {
      const code = codeFromBody(text);
      if (code) o.code = code;
    }
  }
  return o;
}
