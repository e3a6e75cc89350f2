/**
 * What a response's headers say about it, read the same way by the live edge (convert/webrequest.ts) and the HAR
 * reader (har/read.ts): was it served from a cache (its Date is then the origin's first answer, not the time of this
 * request), and did it ask for credentials (the first half of an HTTP authentication handshake)?
 */

/** Does this response header say the response came from a cache? `Age` > 0, or a cache HIT (X-Cache, Via…). */
export function isCacheHeader(name: string, value: string): boolean {
  // Most headers are rejected by their length alone, without lower-casing them.
  const n = name.length;
  if (n !== 3 && n !== 7 && n !== 9 && n !== 11 && n !== 13 && n !== 14 && n !== 15) return false;
  switch (name.toLowerCase()) {
    case 'age': {
      const n = Number(value.trim());
      return Number.isFinite(n) && n > 0;
    }
    case 'x-cache':
    case 'x-cache-lookup':
    case 'x-cache-status':
    case 'x-proxy-cache':
    case 'cf-cache-status':
    case 'cdn-cache':
    case 'x-cdn-cache':
      return /\bhit\b/i.test(value);
    case 'via':
      // Alibaba Cloud CDN / Tengine: "cache13.l2cn1830[0,0,200-0,H], cache17.cn4393[0,1,200-0,H]" (H = hit, M = miss)
      return /,\s*H\]|\bhit\b/i.test(value);
    default:
      return false;
  }
}

/** Is this the header of an HTTP authentication challenge (WWW-Authenticate)? */
export function isChallengeHeader(name: string): boolean {
  return name.length === 16 && name.toLowerCase() === 'www-authenticate';
}
