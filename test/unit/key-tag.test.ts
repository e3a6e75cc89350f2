import { createHmac, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TAG_HEX_CHARS,
  accessKeyIdOf,
  fromHex,
  hmacSha256,
  makeKeyTagger,
  sha256,
  toHex,
  utf8,
} from '../../src/core/url/key-tag';

const hex = (b: Uint8Array) => toHex(b);
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));

describe('SHA-256 and HMAC-SHA-256 (pure, no crypto global)', () => {
  it('matches the FIPS 180-4 vectors', () => {
    expect(hex(sha256(bytes('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(bytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(bytes('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches the RFC 4231 HMAC vectors (short key, long key)', () => {
    const k1 = new Uint8Array(20).fill(0x0b);
    expect(hex(hmacSha256(k1)(bytes('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(hex(hmacSha256(bytes('Jefe'))(bytes('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    const k6 = new Uint8Array(131).fill(0xaa);
    expect(hex(hmacSha256(k6)(bytes('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('agrees with node:crypto on random keys and messages of every length around the block edges', () => {
    for (let n = 0; n < 200; n++) {
      const key = randomBytes(1 + (n % 90));
      const msg = randomBytes(n);
      expect(hex(sha256(msg))).toBe(createHash('sha256').update(msg).digest('hex'));
      expect(hex(hmacSha256(key)(msg))).toBe(createHmac('sha256', key).update(msg).digest('hex'));
    }
  });

  it('encodes UTF-8 like Buffer does, surrogate pairs included', () => {
    for (const s of ['', 'LTAI5t', 'é', '谁的锅', '😀x', 'a\u0800b'])
      expect(hex(utf8(s))).toBe(Buffer.from(s).toString('hex'));
    expect(fromHex('00ff10')).toEqual(Uint8Array.from([0, 255, 16]));
    expect(fromHex('0g')).toBeNull();
  });
});

describe('AccessKey tag', () => {
  const secret = randomBytes(32);
  const tag = makeKeyTagger(secret);

  it('is the truncated HMAC-SHA-256 of the id under the per-install secret', () => {
    const id = 'LTAI5tAbCdEfGhIjKlMnOpQr';
    expect(tag(id)).toBe(createHmac('sha256', secret).update(id).digest('hex').slice(0, TAG_HEX_CHARS));
    expect(tag(id)).toMatch(/^[0-9a-f]{16}$/);
    expect(tag(id), 'memoised: same answer').toBe(tag(id));
    expect(tag('LTAI5tZZZZZZZZZZZZZZZZZZ')).not.toBe(tag(id));
  });

  it('differs between installs: a list of candidate keys cannot be checked without the secret', () => {
    const other = makeKeyTagger(randomBytes(32));
    expect(other('LTAI5tAbCdEfGhIjKlMnOpQr')).not.toBe(tag('LTAI5tAbCdEfGhIjKlMnOpQr'));
    // The unkeyed FNV-1a tag it replaces was the same everywhere.
    expect(() => makeKeyTagger(new Uint8Array(8))).toThrow(/too short/);
  });

  it('stays right beyond its memo (more keys than it remembers)', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `LTAI5t${String(i).padStart(18, '0')}`);
    const first = ids.map(tag);
    expect(new Set(first).size).toBe(200);
    expect(ids.map(tag)).toEqual(first);
  });

  it('finds the signing key of OSS V1/V4, OpenAPI RPC and S3-style queries', () => {
    const id = 'LTAI5tAbCdEfGhIjKlMnOpQr';
    expect(accessKeyIdOf('OSSAccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr&Expires=1&Signature=x')).toBe(id);
    expect(accessKeyIdOf('Expires=2&OSSAccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr')).toBe(id);
    expect(
      accessKeyIdOf('x-oss-credential=LTAI5tAbCdEfGhIjKlMnOpQr%2F20231112%2Fcn-hangzhou%2Foss%2Faliyun_v4_request'),
    ).toBe(id);
    expect(accessKeyIdOf('Action=DescribeRegions&AccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr')).toBe(id);
    expect(accessKeyIdOf('X-Amz-Credential=LTAI5tAbCdEfGhIjKlMnOpQr/2023')).toBe(id);
    expect(accessKeyIdOf('a=1')).toBeUndefined();
    expect(accessKeyIdOf('')).toBeUndefined();
  });
});
