/**
 * The AccessKey tag: what history keeps instead of the AccessKeyId a request was signed with, so the engine can
 * tell "the same key" from "another key" without ever storing the id.
 *
 * tag = hex(HMAC-SHA-256(secret, AccessKeyId)) truncated to TAG_HEX_CHARS (64 bits). The secret is random per
 * install (the background generates it with crypto.getRandomValues and keeps it in storage.local), so a list
 * of candidate keys cannot be checked against a user's history, and finding another key with the same tag
 * costs 2^64 work instead of the 2^32 of the unkeyed 32-bit hash it replaces.
 *
 * Pure: SHA-256 and HMAC are implemented here (RFC 6234 / RFC 2104) because the core may not use the crypto
 * global, and the per-event path needs a synchronous answer (WebCrypto is async). Test vectors in
 * test/unit/key-tag.test.ts.
 */

/** Hex characters kept of the HMAC (64 bits). */
export const TAG_HEX_CHARS = 16;
/** Bytes of a per-install secret. */
export const SECRET_BYTES = 32;

/** Turns an AccessKeyId into its tag. */
export type KeyTagFn = (accessKeyId: string) => string;

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Uint32Array(64);

/** One SHA-256 compression of the 64-byte block at `off` into `h` (in place). */
function compress(h: Uint32Array, block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (k + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + k) | 0;
}

/** SHA-256 continuing from state `h` after `done` bytes already compressed; returns the 32-byte digest. */
function finish(h: Uint32Array, msg: Uint8Array, done: number): Uint8Array {
  const full = msg.length - (msg.length % 64);
  for (let off = 0; off < full; off += 64) compress(h, msg, off);
  const rest = msg.length - full;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(msg.subarray(full));
  tail[rest] = 0x80;
  const bits = (done + msg.length) * 8;
  const end = tail.length;
  // Messages here are far below 2^32 bits; the high word stays 0.
  tail[end - 4] = bits >>> 24;
  tail[end - 3] = bits >>> 16;
  tail[end - 2] = bits >>> 8;
  tail[end - 1] = bits;
  for (let off = 0; off < end; off += 64) compress(h, tail, off);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i]! >>> 24;
    out[i * 4 + 1] = h[i]! >>> 16;
    out[i * 4 + 2] = h[i]! >>> 8;
    out[i * 4 + 3] = h[i]!;
  }
  return out;
}

export function sha256(msg: Uint8Array): Uint8Array {
  return finish(new Uint32Array(H0), msg, 0);
}

/** UTF-8 bytes of a string (no TextEncoder: the core has no platform globals). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

export function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * HMAC-SHA-256 with the key's inner and outer states computed once: each call then costs the message's blocks
 * plus one block for the outer hash (2 compressions for an AccessKeyId).
 */
export function hmacSha256(key: Uint8Array): (msg: Uint8Array) => Uint8Array {
  const k = key.length > 64 ? sha256(key) : key;
  const ipad = new Uint8Array(64).fill(0x36);
  const opad = new Uint8Array(64).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  const inner = new Uint32Array(H0);
  compress(inner, ipad, 0);
  const outer = new Uint32Array(H0);
  compress(outer, opad, 0);
  return (msg) => finish(new Uint32Array(outer), finish(new Uint32Array(inner), msg, 64), 64);
}

/** Ids remembered per tagger: signed requests repeat the same few keys, so most tags are a Map lookup. */
const MEMO = 64;

/** A tag function keyed with `secret` (≥ 16 random bytes), memoised for the few keys a user signs with. */
export function makeKeyTagger(secret: Uint8Array): KeyTagFn {
  if (secret.length < 16) throw new Error('key-tag secret too short');
  const mac = hmacSha256(secret);
  const memo = new Map<string, string>();
  return (id) => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const tag = toHex(mac(utf8(id)).subarray(0, TAG_HEX_CHARS / 2));
    if (memo.size >= MEMO) memo.delete(memo.keys().next().value!);
    memo.set(id, tag);
    return tag;
  };
}

/**
 * The AccessKeyId a URL query was signed with: OSS V1 `OSSAccessKeyId`, OSS V4 `x-oss-credential` (its first
 * `/`-separated part), OpenAPI RPC `AccessKeyId`, S3-compatible `X-Amz-Credential`. Held in memory only, long
 * enough to tag it.
 */
export function accessKeyIdOf(query: string): string | undefined {
  if (!query) return undefined;
  const m = /(?:^|&)(?:OSSAccessKeyId|AccessKeyId|x-oss-credential|X-Amz-Credential)=([^&/%]+)/i.exec(query);
  return m ? m[1]! : undefined;
}
