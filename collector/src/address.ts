/**
 * Client addresses → voter and network keys, before hashing (app.ts hashes them with the daily salt; neither the
 * address nor these keys is ever stored).
 *
 *   IPv4 203.0.113.7         voter 203.0.113.7        network 203.0     (/16)
 *   IPv6 2001:db8:1:2:…      voter 2001:db8:1:2       network 2001:db8  (/64 and /32)
 *
 * One IPv6 host usually holds a whole /64 (often a /56 or /48): counting it per address would let one machine be
 * any number of voters. A /16 (IPv4) or /32 (IPv6) is roughly one provider's block in one area: the outage rule
 * asks for voters spread over several of them.
 */
import { isIP } from 'node:net';

export interface AddressKeys {
  voter: string;
  net: string;
}

/** Lower-case, `::ffff:a.b.c.d` → `a.b.c.d`, zone id dropped. */
export function normaliseAddress(a: string): string {
  let s = a.trim().toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('::ffff:') && s.includes('.')) s = s.slice(7);
  return s;
}

/** The eight 16-bit groups of an IPv6 address (already validated by isIP), as lower-case hex without zeros. */
function ipv6Groups(a: string): string[] {
  let s = a;
  // An embedded IPv4 tail (::1.2.3.4 forms) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16));
}

export function addressKeys(address: string): AddressKeys {
  const a = normaliseAddress(address);
  const kind = isIP(a);
  if (kind === 4) {
    const p = a.split('.');
    return { voter: a, net: `${p[0]}.${p[1]}` };
  }
  if (kind === 6) {
    const g = ipv6Groups(a);
    return { voter: g.slice(0, 4).join(':'), net: g.slice(0, 2).join(':') };
  }
  return { voter: a, net: a };
}
