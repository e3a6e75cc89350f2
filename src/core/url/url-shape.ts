/**
 * Cheap URL splitting for the per-request hot path, and the *path shape* kept in history: no query string, no
 * fragment, identifiers replaced by placeholders so that no personal id or token survives.
 */

export interface UrlParts {
  scheme: string;
  host: string;
  port: string;
  /** Raw path (no query, no fragment). */
  path: string;
  /** Raw query without '?', or ''. Never stored: only read for the key tag. */
  query: string;
}

/** Split an absolute URL without allocating a URL object. Returns null for anything that is not scheme://host. */
export function splitUrl(url: string): UrlParts | null {
  const se = url.indexOf('://');
  if (se <= 0) return null;
  const scheme = url.slice(0, se).toLowerCase();
  let i = se + 3;
  const n = url.length;
  let hostEnd = i;
  while (hostEnd < n) {
    const c = url.charCodeAt(hostEnd);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    hostEnd++;
  }
  let authority = url.slice(i, hostEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host = authority;
  let port = '';
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = authority.slice(0, close + 1);
    if (authority[close + 1] === ':') port = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
    }
  }
  i = hostEnd;
  let q = url.indexOf('?', i);
  const h = url.indexOf('#', i);
  if (h >= 0 && (q < 0 || h < q)) q = -1;
  const pathEnd = q >= 0 ? q : h >= 0 ? h : n;
  const path = i < pathEnd ? url.slice(i, pathEnd) : '/';
  const query = q >= 0 ? url.slice(q + 1, h > q ? h : n) : '';
  return { scheme, host: host.toLowerCase(), port, path, query };
}

const MAX_SHAPE = 160;
const RE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RE_HEX = /^[0-9a-f]{16,}$/i;
const RE_NUM = /^\d{4,}$/;
const RE_EMAIL = /@/;

/** Replace identifier-looking segments; keep short words, file extensions and literal `undefined`/`null`. */
export function pathShape(path: string): string {
  if (path === '/' || path === '') return '/';
  const segs = path.split('/');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.length < 4) continue;
    segs[i] = shapeSegment(s);
  }
  let out = segs.join('/');
  if (out.length > MAX_SHAPE) out = out.slice(0, MAX_SHAPE) + '…';
  return out;
}

function shapeSegment(seg: string): string {
  if (seg === 'undefined' || seg === 'null') return seg;
  if (RE_EMAIL.test(seg) || seg.includes('%40')) return '{email}';
  const dot = seg.lastIndexOf('.');
  const ext = dot > 0 && seg.length - dot <= 6 && /^\.[a-z0-9]+$/i.test(seg.slice(dot)) ? seg.slice(dot) : '';
  const stem = ext ? seg.slice(0, dot) : seg;
  if (RE_UUID.test(stem)) return '{uuid}' + ext;
  if (RE_HEX.test(stem)) return '{hex}' + ext;
  if (RE_NUM.test(stem)) return '{n}' + ext;
  if (stem.length >= 20 && /\d/.test(stem) && /[a-z]/i.test(stem)) return '{id}' + ext;
  if (stem.length >= 12 && /\d/.test(stem) && /[A-Z]/.test(stem) && /[a-z]/.test(stem)) return '{id}' + ext;
  return seg;
}

/** `host + path shape`, the form in which a URL may be stored or exported. */
export function urlShape(url: string): string {
  const p = splitUrl(url);
  if (!p) return url.startsWith('data:') ? 'data:' : url.slice(0, 32);
  return p.host + pathShape(p.path);
}
