/**
 * Content script on watched sites: finds <img> elements that failed (error event, or complete with
 * naturalWidth 0), whose URL is literally undefined/null/empty, or whose lazy-load attribute never resolved.
 * Event listeners, one MutationObserver and one IntersectionObserver — never polling. Sends the background,
 * batched, through the typed message channel: per group of pictures (reason, host, path shape) the count, and
 * the pictures' URLs without query string, which the background joins to its own webRequest outcomes in memory
 * and never stores. Stops quietly when the extension context is invalidated (after an update or reload).
 */
import { browser } from '../platform/browser';
import { imageProblem, isEmptyUrl, LAZY_ATTRS, mayBeEmptyUrl, type ImageProblem } from '../core/images/image-problems';
import { splitUrl, pathShape } from '../core/url/url-shape';
import { CS_URLS_PER_GROUP, type CsToBg } from '../core/messages';
import { withoutQuery } from '../core/live/attribution';

/** How long a lazy image may stay visible with its placeholder before it counts as unresolved. */
const LAZY_SETTLE_MS = 4000;
const FLUSH_MS = 1000;
const MAX_KEYS = 200;

type Pending = Map<
  string,
  { host: string; path: string; reason: ImageProblem; count: number; urls: Map<string, number> }
>;

let pending: Pending = new Map();
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let stopped = false;
const reported = new WeakSet<HTMLImageElement>();
const errored = new WeakSet<HTMLImageElement>();

/** Any lazy-load attribute: one native selector match instead of five lookups for the many plain pictures. */
const LAZY_SELECTOR = LAZY_ATTRS.map((a) => `[${a}]`).join(',');

/** The value of the first lazy-load attribute (LAZY_ATTRS order), or null. Runs once per picture. */
function lazyValue(img: HTMLImageElement): string | null {
  return img.matches(LAZY_SELECTOR) ? lazyAttr(img) : null;
}

/** The value of the first lazy-load attribute of a picture known to have one. */
function lazyAttr(img: HTMLImageElement): string | null {
  for (const a of LAZY_ATTRS) {
    const v = img.getAttribute(a);
    if (v !== null) return v;
  }
  return null;
}

/** The picture's resolved URL (read once per judgement: each read of currentSrc builds a new string). */
const urlOf = (img: HTMLImageElement): string => img.currentSrc || img.src;

const maybeEmpty = mayBeEmptyUrl;

function check(
  img: HTMLImageElement,
  settled: boolean,
  lazy: string | null = lazyValue(img),
  current: string = urlOf(img),
): void {
  if (stopped || reported.has(img)) return;
  const srcAttr = img.getAttribute('src');
  const naturalWidth = img.naturalWidth;
  const hadError = errored.has(img);
  // Fast path, the common case: a picture that has pixels, no error and no URL built from a missing value has
  // no problem — unless it is a lazy one whose time in view is up (settled).
  if (
    naturalWidth > 0 &&
    (lazy === null || (!settled && !maybeEmpty(lazy))) &&
    !hadError &&
    !maybeEmpty(srcAttr) &&
    !maybeEmpty(current)
  )
    return;
  const reason = imageProblem(
    { srcAttr, url: current, complete: img.complete, naturalWidth, lazy, errored: hadError },
    settled,
  );
  if (!reason) return;
  reported.add(img);
  const { host, path, url } = shapeOf(reportedUrl(reason, lazy, srcAttr, current));
  const key = `${reason} ${host}${path}`;
  let cur = pending.get(key);
  if (!cur) {
    if (pending.size >= MAX_KEYS) return;
    cur = { host, path, reason, count: 0, urls: new Map() };
    pending.set(key, cur);
  }
  cur.count++;
  // Only pictures that were requested have a webRequest outcome to join (not "undefined", not a lazy URL).
  if (url && (reason === 'error' || reason === 'zero-size')) {
    const n = cur.urls.get(url);
    if (n !== undefined) cur.urls.set(url, n + 1);
    else cur.urls.set(url, 1);
    // A full group goes now (every picture keeps its URL for the join; messages stay bounded).
    if (cur.urls.size >= CS_URLS_PER_GROUP) {
      flush();
      return;
    }
  }
  schedule();
}

const shapes = new Map<string, { host: string; path: string; url?: string }>();
const ABS_PLAIN = /^https?:\/\/[a-z0-9.-]+(?::\d+)?(?:[/?#][\x21-\x7e]*)?$/i;

/**
 * Host and path shape of a (possibly relative) URL, and the absolute http(s) URL without query; memoised: pages
 * repeat the same broken URL.
 */
function shapeOf(raw: string): { host: string; path: string; url?: string } {
  const hit = shapes.get(raw);
  if (hit) return hit;
  let abs = raw;
  // Plain absolute http(s) URLs (most) need no resolving; relative or unusual ones (dot segments, spaces,
  // non-ASCII, backslashes) are resolved and normalised by the URL parser.
  if (!(ABS_PLAIN.test(raw) && !raw.includes('/.'))) {
    try {
      abs = new URL(raw, location.href).href;
    } catch {
      /* keep raw */
    }
  }
  const u = splitUrl(abs);
  const host = u?.host ?? location.hostname;
  // Not an http(s) URL (data:, blob:…): its scheme only, never its content.
  const path = u
    ? pathShape(u.path)
    : '/' + (/^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0] ?? raw.split(/[?#]/)[0]!.slice(0, 40));
  const r: { host: string; path: string; url?: string } = { host, path };
  if (u && /^https?:\/\//i.test(abs)) r.url = withoutQuery(abs);
  if (shapes.size >= 2000) shapes.clear();
  shapes.set(raw, r);
  return r;
}

/**
 * The URL a report is about: the lazy URL that never arrived; for an empty URL the attribute that holds the
 * missing value (data-ks-lazyload="undefined" is about "undefined", not about the placeholder in src);
 * otherwise the picture's own URL.
 */
function reportedUrl(reason: ImageProblem, lazy: string | null, src: string | null, current: string): string {
  if (reason === 'lazy-unresolved') return lazy ?? '';
  if (reason === 'empty-url') {
    if (src !== null && isEmptyUrl(src)) return src.trim();
    if (lazy !== null && isEmptyUrl(lazy)) return lazy.trim();
  }
  return current || src || '';
}

/**
 * Judge a picture that may already have finished (before this script ran, or after a src change). A finished
 * picture without pixels failed — its error event fired before we listened — unless it is an SVG, the one
 * format that can load fine with no intrinsic size. So the reason ('error') does not depend on when the
 * script ran. (Cheap on purpose: no decode() per picture; see bench/content-script-cost.ts.)
 */
function judgeFinished(
  img: HTMLImageElement,
  lazy: string | null = lazyValue(img),
  current: string = urlOf(img),
): void {
  if (stopped || reported.has(img)) return;
  if (img.naturalWidth === 0 && !errored.has(img) && current && !SVG.test(current)) errored.add(img);
  check(img, false, lazy, current);
}

const SVG = /^data:image\/svg|\.svgz?(?:[?#]|$)/i;

function schedule(): void {
  if (flushTimer === undefined) flushTimer = setTimeout(flush, FLUSH_MS);
}

function flush(): void {
  if (flushTimer !== undefined) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (stopped || pending.size === 0) return;
  const batch = pending;
  pending = new Map();
  // The page's location once per batch: every read of \`location\` from the content script's world is costly.
  const pageHost = location.hostname;
  const msg: CsToBg = {
    type: 'cs/broken-images',
    pageUrlShape: pageHost + pathShape(location.pathname),
    images: [...batch.values()].map((b) => ({
      host: b.host,
      path: b.path,
      reason: b.reason,
      count: b.count,
      pageHost,
      ...(b.urls.size ? { urls: [...b.urls].map(([url, count]) => ({ url, count })) } : {}),
    })),
  };
  try {
    browser.runtime.sendMessage(msg).catch(stopIfInvalidated);
  } catch (e) {
    stopIfInvalidated(e);
  }
}

function stopIfInvalidated(e: unknown): void {
  const m = e instanceof Error ? e.message : String(e);
  if (/context invalidated|Receiving end does not exist|Extension context/i.test(m)) stop();
}

function stop(): void {
  stopped = true;
  mutations.disconnect();
  visibility?.disconnect();
  document.removeEventListener('error', onError, true);
  document.removeEventListener('load', onLoad, true);
  if (flushTimer !== undefined) clearTimeout(flushTimer);
  if (settleTimer !== undefined) clearTimeout(settleTimer);
  settleAt.clear();
}

function onError(ev: Event): void {
  const img = ev.target;
  if (img instanceof HTMLImageElement) {
    errored.add(img);
    check(img, true);
  }
}

function onLoad(ev: Event): void {
  const img = ev.target;
  if (img instanceof HTMLImageElement && img.naturalWidth === 0) check(img, true);
}

/**
 * Lazy pictures in view, with the time their settle delay is up. One timer for all of them (not one per
 * picture: a catalogue page has hundreds in view); the Map's order is deadline order.
 */
const settleAt = new Map<HTMLImageElement, number>();
let settleTimer: ReturnType<typeof setTimeout> | undefined;

function armSettle(): void {
  if (settleTimer !== undefined || stopped) return;
  const first = settleAt.values().next();
  if (first.done) return;
  settleTimer = setTimeout(settleDue, Math.max(0, first.value - performance.now()));
}

function settleDue(): void {
  settleTimer = undefined;
  const now = performance.now();
  for (const [img, t] of settleAt) {
    if (t > now) break;
    settleAt.delete(img);
    // Judged once: reported, or resolved meanwhile (a src change is the MutationObserver's business).
    visibility?.unobserve(img);
    check(img, true);
  }
  armSettle();
}

const visibility: IntersectionObserver | undefined =
  typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
        const now = performance.now();
        for (const e of entries) {
          const img = e.target as HTMLImageElement;
          if (e.isIntersecting) {
            if (!settleAt.has(img)) settleAt.set(img, now + LAZY_SETTLE_MS);
          } else settleAt.delete(img);
        }
        armSettle();
      })
    : undefined;

function watch(img: HTMLImageElement, lazy: string | null = lazyValue(img)): void {
  if (lazy !== null) visibility?.observe(img);
  // Still loading: the error/load listeners will judge it. Already finished before we arrived: judge now —
  // with a fast exit for the common case, a plain picture with pixels and an ordinary URL (every picture of
  // the page passes here once).
  if (!img.complete) return;
  if (lazy === null && img.naturalWidth > 0 && !maybeEmpty(img.getAttribute('src'))) {
    const current = img.currentSrc;
    if (!maybeEmpty(current)) return;
    judgeFinished(img, lazy, current || img.src);
    return;
  }
  judgeFinished(img, lazy);
}

/**
 * The pictures already in the page: the lazy ones found by one native selector query (not a selector match per
 * picture), the others judged with no lazy attribute to look up.
 */
function watchPage(): void {
  const lazy = new Set<Element>(document.querySelectorAll(`img:is(${LAZY_SELECTOR})`));
  const images = document.images;
  for (let i = 0; i < images.length; i++) {
    const img = images[i]!;
    watch(img, lazy.has(img) ? lazyAttr(img) : null);
  }
}

const mutations = new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === 'attributes') {
      const img = r.target as HTMLImageElement;
      reported.delete(img);
      errored.delete(img);
      if (img.complete) judgeFinished(img);
      continue;
    }
    for (const n of r.addedNodes) {
      if (n instanceof HTMLImageElement) watch(n);
      else if (n instanceof Element && n.firstElementChild) for (const img of n.getElementsByTagName('img')) watch(img);
    }
  }
});

document.addEventListener('error', onError, true);
document.addEventListener('load', onLoad, true);
mutations.observe(document.documentElement, {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ['src', ...LAZY_ATTRS],
});
watchPage();
