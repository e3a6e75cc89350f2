/**
 * The edge: raw webRequest events (Chromium and Firefox shapes, structurally typed here so this file stays
 * free of browser APIs) are converted once into RequestOutcome. One RequestTracker per worker; the background
 * wires the listeners (src/background/listeners.ts) and passes each event straight in.
 *
 * Per request it keeps a small pending record from onBeforeRequest until onCompleted/onErrorOccurred, so that
 * "headers said 403, then ERR_BLOCKED_BY_ORB / NS_BINDING_ABORTED" becomes an HTTP 403, not an abort.
 *
 * Failures a page can forge never leave the edge: any page on a watched site can point pictures at a provider
 * host on a port no service uses (`https://oss-cn-hangzhou.aliyuncs.com:9/…`), and any page at all can make
 * provider requests fail. So a catalogue host on a non-default port is not watched, and a failing sub-resource
 * whose initiating page is outside the watched set is dropped (neither evidence nor a crowd report). The
 * initiating page is read here and never stored.
 */
import type { RequestIds, RequestOutcome, ResourceKind, ServiceId } from '../types';
import { classify, isFailureKind } from '../taxonomy/browser-errors';
import { isCacheHeader, isChallengeHeader } from '../taxonomy/responses';
import { pathShape, splitUrl, type UrlParts } from '../url/url-shape';
import { accessKeyIdOf, type KeyTagFn } from '../url/key-tag';
import { isLoginHost } from '../catalogue/match';

export interface RawHeader {
  name: string;
  value?: string;
}

/** The fields of webRequest details that the edge reads (both browsers). */
export interface RawRequestDetails {
  requestId: string;
  url: string;
  method?: string;
  type?: string;
  tabId?: number;
  timeStamp: number;
  statusCode?: number;
  error?: string;
  fromCache?: boolean;
  initiator?: string; // Chromium
  originUrl?: string; // Firefox
  documentUrl?: string; // Firefox
  redirectUrl?: string;
  responseHeaders?: RawHeader[];
  requestHeaders?: RawHeader[];
}

/** Decides which hosts are watched and as what service; null = not watched (ignored). */
export type WatchFn = (host: string) => ServiceId | null;

export interface TrackerOptions {
  /**
   * Ports other than the scheme's default that still count as the provider's (test builds only: Firefox reaches
   * the local test servers on their own ports). Default: none.
   */
  trustedPort?: (port: string) => boolean;
  /**
   * Turns the AccessKeyId a request was signed with into its stored tag (core/url/key-tag.ts; the background
   * keys it with the per-install secret). 'later': the secret is still loading — outcomes are held, in order,
   * until setKeyTag() (at most MAX_PARKED). Absent: signed requests get no tag.
   */
  keyTag?: KeyTagFn | 'later';
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

/** A URL on its scheme's default port (no port written, or the default written out). */
export function onDefaultPort(u: UrlParts): boolean {
  return u.port === '' || DEFAULT_PORT[u.scheme] === u.port;
}

interface Pending {
  t: number;
  host: string;
  service: ServiceId;
  path: string;
  type: ResourceKind;
  method: string;
  tabId: number;
  /** Started by a page outside the watched set (a sub-resource): its failures are dropped. */
  foreign: boolean;
  /** The AccessKeyId the request was signed with: memory only, turned into its tag when the outcome leaves. */
  keyId?: string;
  /** The real URL, held only while the request is in flight and handed to `emit` for failures (never stored). */
  url: string;
  status: number;
  serverDate?: number;
  ids?: RequestIds;
  setCookies?: string[];
  sentCookies?: string[];
  /** The response came from a cache (Age, a cache HIT): its Date is not the time of this request. */
  cached?: boolean;
  /** The response asked for credentials (WWW-Authenticate). */
  challenge?: boolean;
  track: boolean;
}

const TYPE_MAP: Record<string, ResourceKind> = {
  main_frame: 'main_frame',
  sub_frame: 'sub_frame',
  image: 'image',
  imageset: 'image',
  script: 'script',
  stylesheet: 'stylesheet',
  font: 'font',
  xmlhttprequest: 'xhr',
  media: 'media',
  websocket: 'websocket',
  ping: 'ping',
  beacon: 'ping',
  csp_report: 'ping',
};

export function resourceKind(type: string | undefined): ResourceKind {
  return (type && TYPE_MAP[type]) || 'other';
}

const MAX_PENDING = 5000;
/** Outcomes held while the key-tag secret loads (a few ms at worker start); beyond this they go out untagged. */
export const MAX_PARKED = 2000;
const PENDING_TTL_MS = 5 * 60_000;

/** Requests the extension itself makes (active checks, the popup): never user traffic. */
function fromExtension(d: RawRequestDetails): boolean {
  const origin = d.initiator ?? d.originUrl ?? '';
  return origin.startsWith('chrome-extension://') || origin.startsWith('moz-extension://');
}

export class RequestTracker {
  private pending = new Map<string, Pending>();
  private keyTag: KeyTagFn | undefined;
  /** Outcomes (and the key ids they were signed with) waiting for the key-tag function; null when not waiting. */
  private parked: { o: RequestOutcome; url: string; keyId: string | undefined }[] | null;
  /**
   * @param emit receives every converted outcome and the request's real URL, for joins kept in memory (the
   *   cookie-less retry of the active checks, the broken-picture attribution). The URL is never stored.
   */
  constructor(
    private readonly watch: WatchFn,
    private readonly emit: (o: RequestOutcome, url: string) => void,
    private readonly opts: TrackerOptions = {},
  ) {
    this.keyTag = opts.keyTag === 'later' ? undefined : opts.keyTag;
    this.parked = opts.keyTag === 'later' ? [] : null;
  }

  /** Set (or replace) the key-tag function; outcomes held meanwhile go out now, tagged, in order. */
  setKeyTag(fn: KeyTagFn): void {
    this.keyTag = fn;
    const held = this.parked;
    this.parked = null;
    for (const h of held ?? []) this.deliver(h.o, h.url, h.keyId);
  }

  /** The service a URL is watched as, or null: a catalogue host answers only on its default port. */
  private watched(u: UrlParts): ServiceId | null {
    const s = this.watch(u.host);
    if (s === null || s === 'site' || onDefaultPort(u) || this.opts.trustedPort?.(u.port)) return s;
    return null;
  }

  /** Emit (with the request's real URL), unless it is a failure a page outside the watched set could have forged. */
  private send(p: Pending, o: RequestOutcome): void {
    if (p.foreign && isFailureKind(o.kind)) return;
    if (this.parked) {
      if (this.parked.length < MAX_PARKED) {
        this.parked.push({ o, url: p.url, keyId: p.keyId });
        return;
      }
      // The secret never came: let the held ones go, untagged, rather than hold the stream.
      const held = this.parked;
      this.parked = null;
      for (const h of held) this.deliver(h.o, h.url, undefined);
      this.deliver(o, p.url, undefined);
      return;
    }
    this.deliver(o, p.url, p.keyId);
  }

  /** The AccessKeyId becomes its tag on the way out; the id itself never reaches the outcome. */
  private deliver(o: RequestOutcome, url: string, keyId: string | undefined): void {
    if (keyId !== undefined && this.keyTag) o.keyTag = this.keyTag(keyId);
    this.emit(o, url);
  }

  /** Number of requests in flight (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }

  onBeforeRequest(d: RawRequestDetails): void {
    const p = this.begin(d);
    if (!p) return;
    if (this.pending.size >= MAX_PENDING) this.evict(d.timeStamp);
    this.pending.set(d.requestId, p);
  }

  /** Optional (needs requestHeaders + extraHeaders in Chromium): cookie *names* sent on tracked requests. */
  onSendHeaders(d: RawRequestDetails): void {
    const p = this.pending.get(d.requestId);
    if (!p || !p.track || !d.requestHeaders) return;
    // Seen and empty ([]) differs from not seen (absent): a loop in which no step carried any cookie cannot be
    // caused by this browser's cookies.
    p.sentCookies = [];
    for (const h of d.requestHeaders) {
      if (h.name.length === 6 && h.name.toLowerCase() === 'cookie' && h.value) {
        p.sentCookies = cookieNamesFromHeader(h.value);
      }
    }
  }

  onHeadersReceived(d: RawRequestDetails): void {
    const p = this.pending.get(d.requestId);
    if (!p) return;
    p.status = d.statusCode ?? 0;
    if (d.responseHeaders) readHeaders(p, d.responseHeaders);
  }

  onBeforeRedirect(d: RawRequestDetails): void {
    const p = this.pending.get(d.requestId);
    if (!p) return;
    const status = d.statusCode ?? p.status;
    if (d.responseHeaders) readHeaders(p, d.responseHeaders);
    const target = d.redirectUrl ? splitUrl(d.redirectUrl) : null;
    const o = this.outcome(p, d.timeStamp, status, undefined, d.fromCache);
    if (target) o.redirectTo = target.host + pathShape(target.path);
    this.send(p, o);
    // The same requestId continues at the new URL.
    this.pending.delete(d.requestId);
    if (target) {
      const service = this.watched(target);
      if (service !== null) {
        const next: Pending = {
          ...p,
          t: d.timeStamp,
          host: target.host,
          service,
          path: pathShape(target.path),
          url: d.redirectUrl!,
          status: 0,
          track: p.track || isLoginHost(target.host),
        };
        delete next.serverDate;
        delete next.ids;
        delete next.setCookies;
        delete next.sentCookies;
        delete next.cached;
        delete next.challenge;
        const keyId = accessKeyIdOf(target.query);
        if (keyId) next.keyId = keyId;
        else delete next.keyId;
        this.pending.set(d.requestId, next);
      }
    }
  }

  /**
   * The final event of a request whose start this worker never saw (it may have been stopped and woken in
   * between: Chromium can deliver the end of a request to a fresh worker without its beginning). Rebuild what
   * the final event carries rather than lose the request.
   */
  private orphan(d: RawRequestDetails): Pending | undefined {
    const p = this.begin(d);
    if (p) p.status = d.statusCode ?? 0;
    return p;
  }

  /** The pending record of a watched request (null for unwatched hosts and the extension's own requests). */
  private begin(d: RawRequestDetails): Pending | undefined {
    if (fromExtension(d)) return undefined;
    const u = splitUrl(d.url);
    if (!u) return undefined;
    const service = this.watched(u);
    if (service === null) return undefined;
    const type = resourceKind(d.type);
    // The page that made a sub-resource request (Firefox: its document; Chromium: the initiator's origin). An
    // opaque origin ("null": a sandboxed frame, a data: document) can be made by any page.
    const pageUrl = type === 'main_frame' ? undefined : (d.documentUrl ?? d.initiator ?? d.originUrl);
    const page = originHost(pageUrl);
    const p: Pending = {
      t: d.timeStamp,
      host: u.host,
      service,
      path: pathShape(u.path),
      type,
      method: d.method ?? 'GET',
      tabId: d.tabId ?? -1,
      foreign: pageUrl === 'null' || (page !== undefined && this.watch(page) === null),
      url: d.url,
      status: 0,
      track: type === 'main_frame' || type === 'sub_frame' || isLoginHost(u.host),
    };
    const keyId = accessKeyIdOf(u.query);
    if (keyId) p.keyId = keyId;
    return p;
  }

  onCompleted(d: RawRequestDetails): void {
    const p = this.pending.get(d.requestId) ?? this.orphan(d);
    if (!p) return;
    this.pending.delete(d.requestId);
    if (d.responseHeaders && !p.ids && !p.serverDate) readHeaders(p, d.responseHeaders);
    this.send(p, this.outcome(p, d.timeStamp, d.statusCode ?? p.status, undefined, d.fromCache));
  }

  onErrorOccurred(d: RawRequestDetails): void {
    const p = this.pending.get(d.requestId) ?? this.orphan(d);
    if (!p) return;
    this.pending.delete(d.requestId);
    this.send(p, this.outcome(p, d.timeStamp, p.status, d.error ?? 'unknown', d.fromCache));
  }

  private outcome(
    p: Pending,
    end: number,
    status: number,
    error: string | undefined,
    fromCache: boolean | undefined,
  ): RequestOutcome {
    const { kind, phase } = classify(status, error);
    const o: RequestOutcome = {
      t: p.t,
      ms: Math.max(0, Math.round(end - p.t)),
      host: p.host,
      service: p.service,
      path: p.path,
      type: p.type,
      method: p.method,
      status,
      kind,
      phase,
      tabId: p.tabId,
      source: 'browser',
    };
    if (error) o.error = error.slice(0, 120);
    // A Date says what time it is at the server only when this request was answered now (not from a cache).
    if (p.serverDate && !p.cached && !fromCache && status !== 304) o.serverDate = p.serverDate;
    if (p.ids) o.ids = p.ids;
    if (p.challenge && status === 401) o.challenge = true;
    if (p.setCookies) o.setCookies = p.setCookies;
    if (p.sentCookies) o.sentCookies = p.sentCookies;
    if (fromCache) o.fromCache = true;
    return o;
  }

  private evict(now: number): void {
    for (const [id, p] of this.pending) {
      if (now - p.t > PENDING_TTL_MS || this.pending.size >= MAX_PENDING) this.pending.delete(id);
      else break;
    }
  }
}

function readHeaders(p: Pending, headers: RawHeader[]): void {
  for (const h of headers) {
    const name = h.name.toLowerCase();
    const v = h.value;
    if (v === undefined) continue;
    if (isCacheHeader(name, v)) p.cached = true;
    if (isChallengeHeader(name)) p.challenge = true;
    switch (name) {
      case 'date': {
        const t = Date.parse(v);
        if (!Number.isNaN(t)) p.serverDate = t;
        break;
      }
      case 'x-oss-request-id':
        (p.ids ??= {}).ossRequestId = v.slice(0, 64);
        break;
      case 'x-oss-ec':
        (p.ids ??= {}).ossEc = v.slice(0, 32);
        break;
      case 'x-acs-request-id':
        (p.ids ??= {}).acsRequestId = v.slice(0, 64);
        break;
      case 'eagleeye-traceid':
        (p.ids ??= {}).eagleEyeTraceId = v.slice(0, 64);
        break;
      case 'eagleid':
        (p.ids ??= {}).eagleId = v.slice(0, 64);
        break;
      case 'set-cookie':
        if (p.track) {
          // Firefox joins several Set-Cookie headers with newlines.
          const names = v
            .split('\n')
            .map((line) => line.slice(0, line.indexOf('=')).trim())
            .filter(Boolean);
          p.setCookies = [...(p.setCookies ?? []), ...names].slice(0, 32);
        }
        break;
    }
  }
}

/** Cookie names from a Cookie request header; values are dropped here and never stored. */
export function cookieNamesFromHeader(v: string): string[] {
  const out: string[] = [];
  for (const part of v.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq >= 0 ? part.slice(0, eq) : part).trim();
    if (name) out.push(name);
    if (out.length >= 32) break;
  }
  return out;
}

function originHost(url: string | undefined): string | undefined {
  if (!url || url === 'null') return undefined;
  const u = splitUrl(url);
  return u?.host || undefined;
}
