/**
 * Broken pictures joined to their own webRequest outcome (src/core/live/attribution.ts): keyed by tab and URL
 * without query, never by path shape, which many pictures share.
 */
import { describe, expect, it } from 'vitest';
import { ImageAttribution, splitByOutcome, withoutQuery } from '../../src/core/live/attribution';
import { CS_URLS_PER_GROUP } from '../../src/core/messages';
import type { RequestOutcome } from '../../src/core/types';

const image = (tabId: number, status: number, kind: RequestOutcome['kind']): RequestOutcome =>
  ({
    t: 1,
    host: 'img.alicdn.com',
    path: '/item/{n}.jpg',
    service: 'cdn',
    type: 'image',
    method: 'GET',
    tabId,
    status,
    kind,
    phase: kind === 'ok' ? 'none' : 'application',
    source: 'browser',
  }) as unknown as RequestOutcome;

const url = (n: number) => `https://img.alicdn.com/item/${1_000_000 + n}.jpg`;

describe('ImageAttribution', () => {
  it('answers for the very picture (tab + URL without query), not for its path shape', () => {
    const a = new ImageAttribution();
    a.note(image(7, 404, 'http.4xx'), `${url(1)}?spm=a`);
    a.note(image(7, 200, 'ok'), `${url(2)}?spm=b`);
    expect(a.lookup(7, url(1))).toEqual({ status: 404, failure: 'http.4xx' });
    expect(a.lookup(7, `${url(2)}?other=query`)).toEqual({ status: 200, failure: 'ok' });
    // Another tab, or a picture webRequest never saw: nothing.
    expect(a.lookup(8, url(1))).toEqual({});
    expect(a.lookup(7, url(3))).toEqual({});
  });

  it('keeps only images, without a status when there was none, and stays bounded', () => {
    const a = new ImageAttribution();
    a.note({ ...image(1, 200, 'ok'), type: 'xhr' } as RequestOutcome, url(1));
    expect(a.lookup(1, url(1))).toEqual({});
    a.note(image(1, 0, 'tcp.reset'), url(2));
    expect(a.lookup(1, url(2))).toEqual({ failure: 'tcp.reset' });
    for (let i = 0; i < 5000; i++) a.note(image(1, 200, 'ok'), url(10 + i));
    expect(a.lookup(1, url(2)), 'the oldest entries are dropped').toEqual({});
    expect(a.lookup(1, url(10 + 4999))).toEqual({ status: 200, failure: 'ok' });
  });

  it('withoutQuery cuts at the query or the fragment', () => {
    expect(withoutQuery('https://a.com/x.jpg?y=1#z')).toBe('https://a.com/x.jpg');
    expect(withoutQuery('https://a.com/x.jpg#z?y')).toBe('https://a.com/x.jpg');
    expect(withoutQuery('https://a.com/x.jpg')).toBe('https://a.com/x.jpg');
  });
});

describe('splitByOutcome', () => {
  it('30 failing and 30 corrupt pictures of one path shape are each labelled by their own outcome', () => {
    const a = new ImageAttribution();
    const urls: { url: string; count: number }[] = [];
    for (let i = 0; i < 60; i++) {
      // Interleaved: whatever was seen last for the shape is wrong for half of them.
      a.note(i % 2 ? image(3, 200, 'ok') : image(3, 404, 'http.4xx'), `${url(i)}?spm=x`);
      urls.push({ url: url(i), count: 1 });
    }
    const parts = splitByOutcome({ host: 'img.alicdn.com', path: '/item/{n}.jpg', urls }, 60, (u) => a.lookup(3, u));
    expect(parts).toEqual(
      expect.arrayContaining([
        { status: 404, failure: 'http.4xx', count: 30 },
        { status: 200, failure: 'ok', count: 30 },
      ]),
    );
    expect(parts).toHaveLength(2);
  });

  it('counts add up: pictures without a URL, or not seen, are one unattributed part', () => {
    const a = new ImageAttribution();
    a.note(image(3, 404, 'http.4xx'), url(1));
    const parts = splitByOutcome(
      {
        host: 'img.alicdn.com',
        path: '/item/{n}.jpg',
        urls: [
          { url: url(1), count: 2 },
          { url: url(2), count: 1 },
        ],
      },
      5,
      (u) => a.lookup(3, u),
    );
    expect(parts).toEqual([{ status: 404, failure: 'http.4xx', count: 2 }, { count: 3 }]);
    expect(splitByOutcome({ host: 'img.alicdn.com', path: '/x.jpg' }, 4, () => ({}))).toEqual([{ count: 4 }]);
  });

  it('never trusts the content script: URLs of another host or shape, bad counts and oversized lists', () => {
    const seen = () => ({ status: 404, failure: 'http.4xx' as const });
    const group = (urls: unknown) => ({ host: 'img.alicdn.com', path: '/item/{n}.jpg', urls }) as never;
    expect(
      splitByOutcome(
        group([
          { url: 'https://evil.example/item/1000001.jpg', count: 1 },
          { url: 'https://img.alicdn.com/other/1000001.jpg', count: 1 },
          { url: 'javascript:alert(1)', count: 1 },
          { url: 42, count: 1 },
          null,
        ]),
        5,
        seen,
      ),
    ).toEqual([{ count: 5 }]);
    expect(splitByOutcome(group('not a list'), 2, seen)).toEqual([{ count: 2 }]);
    // A claimed count larger than the group is clamped to what is left.
    expect(splitByOutcome(group([{ url: url(1), count: 1e9 }]), 3, seen)).toEqual([
      { status: 404, failure: 'http.4xx', count: 3 },
    ]);
    const many = Array.from({ length: CS_URLS_PER_GROUP * 3 }, (_, i) => ({ url: url(i), count: 1 }));
    let lookups = 0;
    splitByOutcome(group(many), many.length, () => (lookups++, {}));
    expect(lookups).toBe(CS_URLS_PER_GROUP);
  });
});
