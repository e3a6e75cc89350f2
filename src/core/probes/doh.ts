/**
 * DNS-over-HTTPS JSON answers (Google / AliDNS / DNSPod "resolve" shape):
 * {Status, TC, RD, RA, AD, CD, Question:[{name,type}], Answer:[{name,type,TTL,data}]}.
 * Status is the DNS rcode: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
 */

export interface DohAnswer {
  /** true: the name resolves (NOERROR with answers); false: NXDOMAIN; null: anything else. */
  exists: boolean | null;
  /** The rcode when present, else null. */
  rcode: number | null;
  /** Number of answer records. */
  answers: number;
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
};

export function rcodeName(rcode: number | null): string {
  if (rcode === null) return 'no rcode';
  return RCODE_NAMES[rcode] ?? `rcode ${rcode}`;
}

export function parseDoh(json: unknown): DohAnswer {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch {
      return { exists: null, rcode: null, answers: 0 };
    }
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { exists: null, rcode: null, answers: 0 };
  const o = json as Record<string, unknown>;
  const raw = o.Status ?? o.status;
  const rcode =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : null;
  const ans = o.Answer ?? o.answer;
  const answers = Array.isArray(ans) ? ans.filter((a) => a && typeof a === 'object').length : 0;
  if (rcode === 0 && answers > 0) return { exists: true, rcode, answers };
  if (rcode === 3) return { exists: false, rcode, answers };
  return { exists: null, rcode: rcode !== null && Number.isInteger(rcode) ? rcode : null, answers };
}

/** The DoH query URL for `name` (A record). `resolver` is the JSON endpoint, e.g. https://doh.pub/resolve. */
export function dohUrl(resolver: string, name: string): string | null {
  const r = resolver.trim();
  if (!/^https:\/\/[^/?#@\s]+(\/[^?#\s]*)?(\?[^#\s]*)?$/i.test(r)) return null;
  if (!/^[a-z0-9.-]{1,253}$/i.test(name)) return null;
  return `${r}${r.includes('?') ? '&' : '?'}name=${encodeURIComponent(name)}&type=A`;
}
