/**
 * Content script on watched sites: finds <img> elements that failed (error event, or complete with
 * naturalWidth 0), whose URL is literally undefined/null/empty, or whose lazy-load attribute never resolved.
 * Event listeners, one MutationObserver and one IntersectionObserver — never polling. Sends the background only
 * URL shape, count and reason, batched, through the typed message channel; stops quietly when the extension
 * context is invalidated (after an update or reload of the extension).
 */
import { browser } from '../platform/browser';
import { imageProblem, LAZY_ATTRS, type ImageProblem } from '../core/images/image-problems';
import { splitUrl, pathShape } from '../core/url/url-shape';
import type { CsToBg } from '../core/messages';

/** How long a lazy image may stay visible with its placeholder before it counts as unresolved. */
const LAZY_SETTLE_MS = 4000;
const FLUSH_MS = 1000;
const MAX_KEYS = 200;

type Pending = Map<string, { host: string; path: string; reason: ImageProblem; count: number }>;

let pending: Pending = new Map();
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let stopped = false;
const reported = new WeakSet<HTMLImageElement>();
const errored = new WeakSet<HTMLImageElement>();
const visibleSince = new WeakMap<HTMLImageElement, ReturnType<typeof setTimeout>>();

function lazyValue(img: HTMLImageElement): string | null {
  for (const a of LAZY_ATTRS) {
    const v = img.getAttribute(a);
    if (v !== null) return v;
  }
  return null;
}

function check(img: HTMLImageElement, settled: boolean): void {
  if (stopped || reported.has(img)) return;
  const reason = imageProblem(
    {
      srcAttr: img.getAttribute('src'),
      url: img.currentSrc || img.src,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      lazy: lazyValue(img),
      errored: errored.has(img),
    },
    settled,
  );
  if (!reason) return;
  reported.add(img);
  const raw = reason === 'lazy-unresolved' ? lazyValue(img) ?? '' : img.currentSrc || img.src || img.getAttribute('src') || '';
  let abs = raw;
  try {
    abs = new URL(raw, location.href).href;
  } catch {
    /* keep raw */
  }
  const u = splitUrl(abs);
  const host = u?.host ?? location.hostname;
  const path = u ? pathShape(u.path) : '/' + raw.slice(0, 40);
  const key = `${reason} ${host}${path}`;
  const cur = pending.get(key);
  if (cur) cur.count++;
  else if (pending.size < MAX_KEYS) pending.set(key, { host, path, reason, count: 1 });
  schedule();
}

function schedule(): void {
  if (flushTimer === undefined) flushTimer = setTimeout(flush, FLUSH_MS);
}

function flush(): void {
  flushTimer = undefined;
  if (stopped || pending.size === 0) return;
  const batch = pending;
  pending = new Map();
  const now = Date.now();
  const msg: CsToBg = {
    type: 'cs/broken-images',
    pageUrlShape: location.hostname + pathShape(location.pathname),
    images: [...batch.values()].map((b) => ({
      kind: 'broken-image' as const,
      t: now,
      host: b.host,
      service: null,
      path: b.path,
      reason: b.reason,
      count: b.count,
      pageHost: location.hostname,
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

const visibility: IntersectionObserver | undefined =
  typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
        for (const e of entries) {
          const img = e.target as HTMLImageElement;
          const timer = visibleSince.get(img);
          if (e.isIntersecting && timer === undefined) {
            visibleSince.set(
              img,
              setTimeout(() => check(img, true), LAZY_SETTLE_MS),
            );
          } else if (!e.isIntersecting && timer !== undefined) {
            clearTimeout(timer);
            visibleSince.delete(img);
          }
        }
      })
    : undefined;

function watch(img: HTMLImageElement): void {
  if (lazyValue(img) !== null) visibility?.observe(img);
  // Already finished before we arrived: judge now. Still loading: the error/load listeners will.
  if (img.complete) check(img, false);
}

const mutations = new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === 'attributes') {
      const img = r.target as HTMLImageElement;
      reported.delete(img);
      errored.delete(img);
      if (img.complete) check(img, false);
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
mutations.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['src', ...LAZY_ATTRS] });
for (const img of document.images) watch(img);
