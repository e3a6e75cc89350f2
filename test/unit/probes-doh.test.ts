import { describe, expect, it } from 'vitest';
import { dohUrl, parseDoh, rcodeName } from '../../src/core/probes/doh';

describe('parseDoh', () => {
  it('NOERROR with answers: the name exists', () => {
    expect(
      parseDoh({
        Status: 0,
        TC: false,
        Question: [{ name: 'img.alicdn.com.', type: 1 }],
        Answer: [
          { name: 'img.alicdn.com.', type: 5, TTL: 60, data: 'img.alicdn.com.danuoyi.alicdn.com.' },
          { name: 'img.alicdn.com.danuoyi.alicdn.com.', type: 1, TTL: 60, data: '203.119.1.1' },
        ],
      }),
    ).toEqual({ exists: true, rcode: 0, answers: 2 });
  });
  it('NXDOMAIN: the name does not exist', () => {
    expect(
      parseDoh({ Status: 3, Question: [{ name: 'nope.alicdn.com.', type: 1 }], Authority: [{ type: 6 }] }),
    ).toEqual({ exists: false, rcode: 3, answers: 0 });
    expect(parseDoh('{"Status":3}')).toEqual({ exists: false, rcode: 3, answers: 0 });
    expect(parseDoh({ Status: '3' })).toEqual({ exists: false, rcode: 3, answers: 0 });
  });
  it('anything else is unknown', () => {
    expect(parseDoh({ Status: 0 })).toEqual({ exists: null, rcode: 0, answers: 0 }); // NODATA
    expect(parseDoh({ Status: 0, Answer: [] })).toEqual({ exists: null, rcode: 0, answers: 0 });
    expect(parseDoh({ Status: 2 })).toEqual({ exists: null, rcode: 2, answers: 0 }); // SERVFAIL
    expect(parseDoh({ Status: 5, Answer: [{ data: 'x' }] })).toEqual({ exists: null, rcode: 5, answers: 1 });
    for (const junk of [
      null,
      undefined,
      42,
      'nope',
      '<html>',
      [],
      [{ Status: 0 }],
      { Answer: [{ data: '1.1.1.1' }] },
      { Status: 'zero' },
      { Status: 1.5 },
    ]) {
      expect(parseDoh(junk).exists).toBeNull();
    }
    expect(parseDoh({ Answer: [{ data: '1.1.1.1' }] }).rcode).toBeNull();
  });
  it('names rcodes', () => {
    expect([0, 2, 3, 5, 9, null].map((r) => rcodeName(r))).toEqual([
      'NOERROR',
      'SERVFAIL',
      'NXDOMAIN',
      'REFUSED',
      'rcode 9',
      'no rcode',
    ]);
  });
});

describe('dohUrl', () => {
  it('builds the JSON query for AliDNS and DNSPod', () => {
    expect(dohUrl('https://dns.alidns.com/resolve', 'img.alicdn.com')).toBe(
      'https://dns.alidns.com/resolve?name=img.alicdn.com&type=A',
    );
    expect(dohUrl('https://doh.pub/resolve', 'g.alicdn.com')).toBe('https://doh.pub/resolve?name=g.alicdn.com&type=A');
    expect(dohUrl('https://dns.google/resolve?cd=0', 'a.b')).toBe('https://dns.google/resolve?cd=0&name=a.b&type=A');
  });
  it('refuses non-https resolvers and odd names', () => {
    expect(dohUrl('http://doh.pub/resolve', 'a.com')).toBeNull();
    expect(dohUrl('https://u@doh.pub/resolve', 'a.com')).toBeNull();
    expect(dohUrl('', 'a.com')).toBeNull();
    expect(dohUrl('https://doh.pub/resolve', 'a.com&type=TXT')).toBeNull();
  });
});
