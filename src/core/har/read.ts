/**
 * HAR 1.2 → RequestOutcome[] (and the loops in them). Pure (no Node, no browser APIs): takes the parsed JSON,
 * returns outcomes or a typed error. Reads the dialects of Chrome/Chromium DevTools (failed requests: status 0 +
 * `_error` net::ERR_…), Firefox (status 0, no error text: kept as a weak `unknown`), WebPageTest (WinINet status
 * codes, `_request_type`), chrome-har / Browsertime and others; every optional field may be missing.
 * Never keeps bodies, cookie values or query strings: only provider codes, cookie names and a key tag.
 *
 * One entry at a time: convertHarEntry(entry, context) is the whole per-entry conversion, so a streaming reader
 * can call it entry by entry — harContext(watch, log.pages) once, convertHarEntry() for each entry (null = skipped),
 * then findLoops() (src/core/loops) over the outcomes in start order. readHar() does exactly that on a parsed file.
 *
 * The same semantics as the live edge (src/core/convert/webrequest.ts): a catalogue host on a non-default port is
 * not the provider's, a failing sub-resource of a page outside the watched set could be forged (both skipped); a
 * response's Date is kept only when it was answered now (not from a cache); a 401 asking for credentials is marked
 * as a challenge.
 */
import { isLoginHost } from '../catalogue/match';
import { onDefaultPort } from '../convert/webrequest';
import { findLoops, type LoopObservation } from '../loops/redirect-loops';
import { classify, isFailureKind } from '../taxonomy/browser-errors';
import { isCacheHeader, isChallengeHeader } from '../taxonomy/responses';
import type { FailureKind, Phase, RequestIds, RequestOutcome, ResourceKind, ServiceId } from '../types';
import { pathShape, splitUrl } from '../url/url-shape';
import { accessKeyIdOf, makeKeyTagger, utf8 } from '../url/key-tag';
import { bodyText, codeFromBody } from './body';

export type WatchFn = (host: string) => ServiceId | null;

export type HarResult =
  | {
      ok: true;
      outcomes: RequestOutcome[];
      /** Redirect and login loops in the outcomes (the one detector, src/core/loops). */
      observations: LoopObservation[];
      skipped: number;
      creator: string;
      first: number;
      last: number;
    }
  | { ok: false; error: 'not-har' | 'no-entries-array' };

/**
 * What converting one entry needs besides the entry: the watch function and the pages met so far. Mutated by
 * convertHarEntry (it learns each page's host from the page's first entry, its document).
 */
export interface HarContext {
  watch: WatchFn;
  /**
   * pageref → host of the page's document (null: not an http(s) page); `settled` once the document itself
   * answered (until then a redirect at the start of the page may still lead elsewhere).
   */
  pages: Map<string, { host: string | null; settled: boolean }>;
  /** Host + path shape the newest top-level redirect led to: that entry is the page's document too. */
  redirectedTo: string | null;
  /** Entries converted so far. */
  entries: number;
}

/**
 * A context for convertHarEntry. `pages` (log.pages, optional) names each page; where a page's title is its URL
 * (Browsertime, chrome-har) that gives its host before its first entry.
 */
export function harContext(watch: WatchFn, pages?: unknown): HarContext {
  const ctx: HarContext = { watch, pages: new Map(), redirectedTo: null, entries: 0 };
  if (Array.isArray(pages))
    for (const p of pages) {
      const id = p && typeof p === 'object' ? (p as { id?: unknown }).id : undefined;
      const title = p && typeof p === 'object' ? (p as { title?: unknown }).title : undefined;
      const u = typeof title === 'string' && /^https?:\/\/\S+$/.test(title) ? splitUrl(title) : null;
      if (typeof id === 'string' && u) ctx.pages.set(id, { host: u.host, settled: false });
    }
  return ctx;
}

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

function typeOf(e: Record<string, unknown>, mime: string | undefined, first: boolean, accept: string): ResourceKind {
  const rt = e._resourceType ?? e._request_type ?? e._type;
  if (typeof rt === 'string') {
    const k = RESOURCE[rt.toLowerCase()];
    if (k) return k;
  }
  // No type recorded (Firefox): a request that asked for JSON is an API call, whatever came back.
  if (accept.includes('json')) return 'xhr';
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

/**
 * Key tags of a HAR import: a keyed hash like the extension's, so two keys never share a tag. The key is fixed
 * because these tags are never stored (the HAR itself holds the ids in its URLs).
 */
const harKeyTag = makeKeyTagger(utf8('faultline: HAR import key tags, memory only'));

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
  const collector = new HarCollector(watch, (log as { pages?: unknown }).pages);
  for (let i = 0; i < entries.length; i++) collector.add(entries[i]);
  return collector.finish(creator);
}

/**
 * Entries → outcomes, one entry at a time, in file order: the in-memory reader (readHar) and the streaming
 * reader (stream.ts) share it, so both convert every entry through the one convertHarEntry, then find the loops.
 */
export class HarCollector {
  readonly outcomes: RequestOutcome[] = [];
  skipped = 0;
  private readonly ctx: HarContext;
  private sorted = true;
  private prevT = -Infinity;
  /** One copy of each host, path shape and method: a HAR of a million entries repeats them endlessly. */
  private readonly strings = new Map<string, string>();

  /** `pages`: log.pages, when known (see harContext). */
  constructor(watch: WatchFn, pages?: unknown) {
    this.ctx = harContext(watch, pages);
  }

  add(raw: unknown): void {
    const o = convertHarEntry(raw, this.ctx);
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

  /** The outcomes sorted by start time, and their loops (the collector is spent afterwards). */
  finish(creator: string): HarResult & { ok: true } {
    const outcomes = this.outcomes;
    if (!this.sorted) outcomes.sort((a, b) => a.t - b.t);
    const first = outcomes.length ? outcomes[0]!.t : 0;
    const last = outcomes.length ? outcomes[outcomes.length - 1]!.t : 0;
    return { ok: true, outcomes, observations: findLoops(outcomes), skipped: this.skipped, creator, first, last };
  }
}

/** A request header's value (`name` lower-case; names compared by length first), when the HAR has it. */
function requestHeader(req: Record<string, unknown> | undefined, name: string): string | undefined {
  const rh = req?.headers;
  if (!Array.isArray(rh)) return undefined;
  for (const h of rh as HarHeader[])
    if (
      h &&
      typeof h.name === 'string' &&
      h.name.length === name.length &&
      h.name.toLowerCase() === name &&
      typeof h.value === 'string'
    )
      return h.value;
  return undefined;
}

/**
 * One HAR entry (plus the context of the entries before it) → outcome, or null when it is not a usable http(s)
 * request or is a failure a page could have forged.
 */
export function convertHarEntry(raw: unknown, ctx: HarContext): RequestOutcome | null {
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
  const watch = ctx.watch;
  const first = ctx.entries === 0;
  ctx.entries++;
  let status = typeof res.status === 'number' ? res.status : 0;
  // The page this entry belongs to: its first entry is its document, or leads to it through redirects.
  const ref = typeof e.pageref === 'string' ? e.pageref : undefined;
  const here = u.scheme === 'http' || u.scheme === 'https' ? u.host : null;
  let path: string | undefined;
  let page = ref !== undefined ? ctx.pages.get(ref) : undefined;
  const document =
    first ||
    (ref !== undefined && page === undefined) ||
    (ctx.redirectedTo !== null && ctx.redirectedTo === u.host + (path = pathShape(u.path)));
  if (ref !== undefined && document && !page?.settled) {
    page = { host: here, settled: !(status >= 300 && status < 400) };
    ctx.pages.set(ref, page);
  }
  const pageHost = page?.host;
  const error = str(res._error) ?? str(e._error) ?? undefined;
  const content = res.content as { mimeType?: unknown; text?: unknown; encoding?: unknown; size?: unknown } | undefined;
  const mime = content ? str(content.mimeType) : undefined;
  const service = watch(u.host);
  // A catalogue host answers on its default port: anything else is not the provider's (a page can point there).
  if (service !== null && service !== 'site' && !onDefaultPort(u)) return null;
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
  const type = typeOf(e, mime, document, (requestHeader(req, 'accept') ?? '').toLowerCase());
  // A failing sub-resource of a page outside the watched set: any page can make provider requests fail.
  if (
    type !== 'main_frame' &&
    pageHost !== undefined &&
    pageHost !== u.host &&
    (pageHost === null || watch(pageHost) === null) &&
    (isFailureKind(kind) || status >= 400)
  )
    return null;
  const o: RequestOutcome = {
    t,
    host: u.host,
    service,
    path: path ?? pathShape(u.path),
    type,
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
    const id = accessKeyIdOf(u.query);
    if (id) o.keyTag = harKeyTag(id);
  }
  if (
    e._fromCache ||
    e._cached === 1 ||
    e._cached === true ||
    (e.cache && typeof e.cache === 'object' && (e.cache as { afterRequest?: unknown }).afterRequest && status === 0)
  )
    o.fromCache = true;
  // Served from a cache the exporter did not mark: ~0 ms, nothing transferred.
  let cached =
    o.fromCache === true || status === 304 || (o.ms !== undefined && o.ms < 2 && !(Number(content?.size) > 0));
  let challenge = false;
  const track = o.type === 'main_frame' || o.type === 'sub_frame' || (service !== null && isLoginHost(u.host));
  let setCookieHeader: string | undefined;
  let serverDate: number | undefined;
  const headers = res.headers;
  if (Array.isArray(headers)) {
    let ids: RequestIds | undefined;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as HarHeader;
      const name = h && h.name;
      const v = h && h.value;
      if (typeof name !== 'string' || typeof v !== 'string') continue;
      if (!cached && isCacheHeader(name, v)) cached = true;
      if (isChallengeHeader(name)) challenge = true;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'date') {
            // Date has one-second resolution: consecutive entries mostly repeat it.
            if (v !== lastDateText) {
              lastDateText = v;
              lastDate = Date.parse(v);
            }
            if (!Number.isNaN(lastDate)) serverDate = lastDate;
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
  // A Date says what time it is at the server only when this request was answered now.
  if (serverDate !== undefined && !cached) o.serverDate = serverDate;
  if (challenge && status === 401) o.challenge = true;
  if (track) {
    const set = cookieNames(res.cookies, setCookieHeader, true);
    if (set) o.setCookies = set;
    const sent = cookieNames(req!.cookies, requestHeader(req, 'cookie'), false);
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
      if (target && type === 'main_frame') ctx.redirectedTo = o.redirectTo!;
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
