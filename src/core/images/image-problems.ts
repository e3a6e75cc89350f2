/**
 * What is wrong with an <img>, from the few properties the content script reads. Pure, so the rules are
 * tested in Node and the content script stays a thin adapter (src/content/broken-images.ts).
 */
export type ImageProblem = 'error' | 'zero-size' | 'empty-url' | 'lazy-unresolved';

export interface ImageFacts {
  /** The src attribute as written (getAttribute), or null when absent. */
  srcAttr: string | null;
  /** The resolved URL (img.currentSrc || img.src). */
  url: string;
  complete: boolean;
  naturalWidth: number;
  /** The value of a lazy-load attribute (data-src, data-ks-lazyload, data-original, data-lazy-src), if any. */
  lazy: string | null;
  /** The image fired an error event. */
  errored: boolean;
}

/** Lazy-load attributes used on Alibaba-group pages (KISSY's data-ks-lazyload) and in general. */
export const LAZY_ATTRS = ['data-src', 'data-ks-lazyload', 'data-original', 'data-lazy-src', 'data-lazyload'] as const;

const EMPTY_LITERALS = new Set(['undefined', 'null', '', 'about:blank']);

const EMPTYISH = /undefined|null|about:/;
const NOT_BLANK = /\S/;

/**
 * Cheap pre-test of isEmptyUrl (one regex scan, no allocation): false means isEmptyUrl is certainly false.
 * Every picture of a page passes here, most with long ordinary URLs.
 */
export function mayBeEmptyUrl(value: string | null): boolean {
  if (value === null) return false;
  return value.length <= 13 || EMPTYISH.test(value) || !NOT_BLANK.test(value);
}

/** A URL is "empty" when it is literally undefined/null/empty, or ends in /undefined or /null (a template bug). */
export function isEmptyUrl(value: string | null): boolean {
  if (!mayBeEmptyUrl(value)) return false;
  value = value!;
  const v = value.trim();
  if (EMPTY_LITERALS.has(v)) return true;
  const q = v.search(/[?#]/);
  const path = q >= 0 ? v.slice(0, q) : v;
  return /\/(undefined|null)$/.test(path) || /^(https?:)?\/\/(undefined|null)(\/|$)/.test(path);
}

/** A placeholder src used while a lazy image waits for its real URL. */
export function isPlaceholder(url: string): boolean {
  return (
    url === '' ||
    url.startsWith('data:') ||
    /\/(?:s\.gif|spaceball\.gif|blank\.gif|1x1\.(?:gif|png)|placeholder[^/]*)$/i.test(url)
  );
}

/**
 * The problem of an image, or null when it is fine or still loading.
 * `settled` = the page considers it should have loaded by now (visible for a while, for lazy images).
 */
export function imageProblem(f: ImageFacts, settled: boolean): ImageProblem | null {
  if (f.srcAttr !== null && isEmptyUrl(f.srcAttr)) return 'empty-url';
  if (f.lazy !== null && isEmptyUrl(f.lazy)) return 'empty-url';
  if (f.url && isEmptyUrl(f.url) && !isPlaceholder(f.url)) return 'empty-url';
  if (f.errored) return isPlaceholder(f.url) ? null : 'error';
  if (f.lazy !== null && settled && isPlaceholder(f.url)) return 'lazy-unresolved';
  if (f.complete && f.naturalWidth === 0 && f.url && !isPlaceholder(f.url) && !f.url.startsWith('data:'))
    return 'zero-size';
  return null;
}
