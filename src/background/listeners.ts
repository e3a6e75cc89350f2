/**
 * Registers every browser event listener, synchronously, on the worker's first turn (MV3: a listener added
 * later misses the event that woke the worker). Raw events are converted at the edge (RequestTracker,
 * toNavigationEvent) and nothing browser-shaped goes further.
 */
import { browser, TARGET } from '../platform/browser';
import { DOMAINS, LOGIN_HOST_HINTS } from '../core/catalogue/services';
import { serviceOf } from '../core/catalogue/match';
import type { RawRequestDetails, RequestTracker } from '../core/convert/webrequest';
import { toNavigationEvent, type NavigationEvent, type RawNavigationDetails } from '../core/convert/navigation';

/** URL patterns of login hosts (cookie names are read there): literal login hosts + hint prefixes per domain. */
export function loginUrlPatterns(): string[] {
  const out = new Set<string>();
  for (const d of DOMAINS) {
    for (const r of d.rules) if (r.service === 'login' && !r.pattern.includes('*')) out.add(`*://${r.pattern}/*`);
    for (const h of LOGIN_HOST_HINTS) out.add(`*://${h}${d.domain}/*`);
  }
  return [...out];
}

export interface ListenerDeps {
  tracker: RequestTracker;
  onNavigation: (ev: NavigationEvent) => void;
  onAlarm: (name: string) => void;
  onStartup: () => void;
  /** runtime.onInstalled: 'install' (a fresh install), 'update', 'browser_update'… */
  onInstalled: (reason: string) => void;
  /** permissions.onAdded / onRemoved: the user granted or withdrew (host) permissions. */
  onPermissionsChanged: () => void;
  onTabRemoved: (tabId: number) => void;
  /** Firefox event page about to be unloaded (Chromium service workers never get it). */
  onSuspend: () => void;
}

type Listener = (d: RawRequestDetails) => void;

export function registerListeners(deps: ListenerDeps): void {
  // The catalogue's hosts plus any site the user granted (optional host permissions): the browser only reports
  // requests to permitted hosts, and the tracker's watch function drops what is not watched.
  const urls = ['http://*/*', 'https://*/*'];
  const filter = { urls };
  const wr = browser.webRequest;
  const t = deps.tracker;
  // Listener options are plain strings; Chromium needs 'extraHeaders' (Cookie/Set-Cookie, and headers before
  // ORB), Firefox rejects it.
  const extra = TARGET === 'chrome' ? ['extraHeaders'] : [];
  // Firefox rejects an explicit `undefined` extraInfoSpec ("Incorrect argument types"): pass it only when set.
  const add = (
    ev: { addListener: (cb: never, f: never, o?: never) => void },
    cb: Listener,
    f: object,
    opts?: string[],
  ) => (opts ? ev.addListener(cb as never, f as never, opts as never) : ev.addListener(cb as never, f as never));

  add(wr.onBeforeRequest, (d) => t.onBeforeRequest(d), filter);
  // Cookie *names* only on top-level frames and login hosts (tracker ignores the rest); two filters keep
  // extraHeaders off ordinary subresources. A login main frame can arrive twice: onSendHeaders is idempotent.
  add(wr.onSendHeaders, (d) => t.onSendHeaders(d), { urls, types: ['main_frame', 'sub_frame'] }, [
    'requestHeaders',
    ...extra,
  ]);
  add(wr.onSendHeaders, (d) => t.onSendHeaders(d), { urls: loginUrlPatterns() }, ['requestHeaders', ...extra]);
  // Chromium: 'extraHeaders' here is REQUIRED, not just for Set-Cookie. Without it, Chromium 156 runs ORB
  // before onHeadersReceived, so an OSS 403 XML error loaded as <img> shows up only as ERR_BLOCKED_BY_ORB with
  // no status and no x-oss-request-id (measured by test/browser/chromium.test.ts).
  add(wr.onHeadersReceived, (d) => t.onHeadersReceived(d), filter, ['responseHeaders', ...extra]);
  add(wr.onBeforeRedirect, (d) => t.onBeforeRedirect(d), filter, ['responseHeaders']);
  add(wr.onCompleted, (d) => t.onCompleted(d), filter, ['responseHeaders']);
  add(wr.onErrorOccurred, (d) => t.onErrorOccurred(d), filter);

  const nav = browser.webNavigation;
  const navFilter = { url: [{ schemes: ['http', 'https'] }] };
  const navAdd = (kind: NavigationEvent['kind']) => (d: RawNavigationDetails) => {
    if (d.frameId !== 0) return;
    const ev = toNavigationEvent(kind, d, serviceOf);
    if (ev) deps.onNavigation(ev);
  };
  nav.onCommitted.addListener(navAdd('committed') as never, navFilter);
  nav.onErrorOccurred.addListener(navAdd('error') as never, navFilter);
  nav.onCompleted.addListener(navAdd('completed') as never, navFilter);

  browser.alarms.onAlarm.addListener((a) => deps.onAlarm(a.name));
  browser.runtime.onStartup.addListener(() => deps.onStartup());
  browser.runtime.onInstalled.addListener((d) => deps.onInstalled(d.reason));
  browser.permissions.onAdded.addListener(() => deps.onPermissionsChanged());
  browser.permissions.onRemoved.addListener(() => deps.onPermissionsChanged());
  browser.tabs.onRemoved.addListener((tabId) => deps.onTabRemoved(tabId));
  browser.runtime.onSuspend?.addListener(() => deps.onSuspend());
}
