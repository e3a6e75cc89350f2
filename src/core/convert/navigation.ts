/**
 * The edge for webNavigation: raw onCommitted / onErrorOccurred / onCompleted details (both browsers,
 * structurally typed) become one small NavigationEvent, the input of loop detection (core/loops). Kept
 * "raw-ish": transition type and qualifiers survive because a JS redirect loop is visible only through them
 * (Chromium: `client_redirect`; Firefox: qualifiers always []). No query strings, no fragments.
 */
import type { FailureKind, Phase, ServiceId } from '../types';
import { classifyBrowserError } from '../taxonomy/browser-errors';
import { pathShape, splitUrl } from '../url/url-shape';
import type { WatchFn } from './webrequest';

export interface RawNavigationDetails {
  tabId: number;
  url: string;
  frameId: number;
  timeStamp: number;
  /** onCommitted only. */
  transitionType?: string;
  transitionQualifiers?: string[];
  /** onErrorOccurred only (Chromium net::ERR_*, Firefox "Error code N" or NS_*). */
  error?: string;
}

export interface NavigationEvent {
  kind: 'committed' | 'error' | 'completed';
  t: number;
  tabId: number;
  /** 0 = top-level frame. */
  frameId: number;
  host: string;
  service: ServiceId | null;
  path: string;
  transition?: string;
  qualifiers?: string[];
  error?: string;
  errorKind?: FailureKind;
  errorPhase?: Phase;
}

/**
 * Convert one webNavigation event. Returns null for non-http(s) URLs and for hosts that are not watched
 * (loop detection only needs watched hosts plus the pages they bounce through, which are watched too).
 */
export function toNavigationEvent(
  kind: NavigationEvent['kind'],
  d: RawNavigationDetails,
  watch: WatchFn,
): NavigationEvent | null {
  const u = splitUrl(d.url);
  if (!u || !u.host) return null;
  const service = watch(u.host);
  if (service === null) return null;
  const ev: NavigationEvent = {
    kind,
    t: d.timeStamp,
    tabId: d.tabId,
    frameId: d.frameId,
    host: u.host,
    service,
    path: pathShape(u.path),
  };
  if (d.transitionType) ev.transition = d.transitionType;
  if (d.transitionQualifiers) ev.qualifiers = [...d.transitionQualifiers];
  if (d.error) {
    ev.error = d.error.slice(0, 120);
    const info = classifyBrowserError(d.error);
    ev.errorKind = info.kind;
    ev.errorPhase = info.phase;
  }
  return ev;
}
