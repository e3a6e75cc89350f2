/**
 * The streaming HAR reader against the in-memory one (JSON.parse + readHar): the same outcomes whatever the
 * chunking, the same errors, bodies set aside without changing a result, bounded entries, encodings, and the
 * fast path between entries never trusted blindly.
 */
import { describe, expect, it } from 'vitest';
import { serviceOf } from '../../src/core/catalogue/match';
import { HarStream, KEEP_TEXT_RAW, MAX_STRING_RAW, type HarStreamOptions } from '../../src/core/har/stream';
import { MAX_BODY, MAX_BODY_TEXT } from '../../src/core/har/body';
import { readHarInMemory } from '../corpus/in-memory';

const watchAll = (h: string) => serviceOf(h) ?? 'site';
/** Exhaustive loops (thousands of whole reads): room for a machine shared with other test runs. */
const SLOW = 30_000;
const NODE: HarStreamOptions = {
  latin1: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'),
  indexOf: (h, n, f) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).indexOf(n, f),
};

/** Feed `bytes` in chunks of `size` (or at the given cut points); the result without `tool`. */
function stream(bytes: Uint8Array, size: number | number[], opts: HarStreamOptions = NODE) {
  const s = new HarStream(watchAll, opts);
  const cuts = typeof size === 'number' ? [] : size;
  if (typeof size === 'number') for (let i = size; i < bytes.length; i += size) cuts.push(i);
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    if (!s.write(bytes.subarray(from, to))) break;
    from = to;
  }
  const r = s.end();
  if (!r.ok) return r;
  const { tool: _tool, ...rest } = r;
  return rest;
}
const memory = (bytes: Uint8Array) => readHarInMemory(bytes, watchAll);
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

const T0 = Date.parse('2023-11-12T09:39:00Z');
function entry(i: number, extra: Record<string, unknown> = {}, response: Record<string, unknown> = {}) {
  return {
    startedDateTime: new Date(T0 + i * 1000).toISOString(),
    time: 10 + i,
    request: { method: 'GET', url: `https://photos.oss-cn-hangzhou.aliyuncs.com/p/${i}.jpg?x=1`, headers: [] },
    response: {
      status: i % 3 === 0 ? 403 : 200,
      headers: [
        { name: 'Date', value: new Date(T0 + i * 1000).toUTCString() },
        { name: 'x-oss-request-id', value: `655099A2B1C6E33439F5A${String(i).padStart(3, '0')}` },
      ],
      content: {
        mimeType: 'application/xml',
        text: i % 3 === 0 ? '<Error><Code>InvalidAccessKeyId</Code><Message>{[}]"\\</Message></Error>' : '',
      },
      ...response,
    },
    ...extra,
  };
}

/** A small HAR with everything a tokenizer can trip on: escapes, brackets in strings, nesting, Chinese. */
function tricky(indent?: number): string {
  return JSON.stringify(
    {
      log: {
        version: '1.2',
        creator: { name: 'WebInspector', version: '537.36' },
        comment: 'quote " backslash \\ slash / \u00e9 \u4e2d\u6587 \ud83d\ude00 tab\t {[}]',
        pages: [
          { id: 'page_1', title: '}, {"startedDateTime"', pageTimings: { onLoad: -1.5e3, x: [true, false, null] } },
        ],
        entries: [
          entry(0),
          entry(1, { _initiator: { type: 'script', stack: { callFrames: [{ url: 'a"}]' }, { url: '\\' }] } } }),
          // the fast path's boundary pattern inside a body: must not fool it
          entry(2, {}, { content: { text: '},{"startedDateTime":"x"}', mimeType: 'text/plain' } }),
          { _fromCache: 'memory', ...entry(3) }, // another first key
          entry(4),
          null,
          'not an entry',
          [1, 2],
          entry(5, { _resourceType: 'xhr' }),
          entry(6, {}, { content: { text: '{"ret":["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦"]}' } }),
          entry(7),
        ],
      },
    },
    null,
    indent,
  );
}

describe('HarStream agrees with the in-memory reader', () => {
  for (const [name, indent] of [
    ['minified', undefined],
    ['pretty-printed', 2],
  ] as const) {
    const bytes = utf8(tricky(indent));
    const want = memory(bytes);
    // thousands of whole reads: compared as JSON text (vitest's deep equality would dominate the time)
    const wantJson = JSON.stringify(want);
    it(
      `${name}: one chunk, and every chunk size from 1 to 64 bytes`,
      () => {
        expect(want.ok).toBe(true);
        expect(stream(bytes, bytes.length)).toEqual(want);
        const differ: number[] = [];
        for (let size = 1; size <= 64; size++) if (JSON.stringify(stream(bytes, size)) !== wantJson) differ.push(size);
        expect(differ, 'chunk sizes that read differently').toEqual([]);
      },
      SLOW,
    );
    // every byte of the minified file; every third of the pretty-printed one (three times the bytes, mostly spaces)
    const step = indent ? 3 : 1;
    it(
      `${name}: cut in two at every ${step === 1 ? '' : 'third '}byte`,
      () => {
        const differ: number[] = [];
        for (let cut = 1; cut < bytes.length; cut += step)
          if (JSON.stringify(stream(bytes, [cut])) !== wantJson) differ.push(cut);
        expect(differ, 'cuts that read differently').toEqual([]);
      },
      SLOW,
    );
    it(`${name}: the pure decoders give the same`, () => {
      for (const size of [1, 5, 100, bytes.length]) expect(stream(bytes, size, {})).toEqual(want);
    });
  }

  it(
    'long strings full of escaped quotes and backslash runs, cut anywhere (the native quote search)',
    () => {
      const body = Array.from({ length: 300 }, (_, k) => '\\'.repeat(k % 5) + '"' + 'x'.repeat(k % 7)).join('');
      const e = (i: number, text: string) => entry(i, {}, { content: { mimeType: 'text/plain', text } });
      const bytes = utf8(
        JSON.stringify({ log: { entries: [e(0, body), e(1, '<Code>A</Code>' + body), e(2, body + '\\')] } }),
      );
      const want = memory(bytes);
      expect(want.ok && want.outcomes).toHaveLength(3);
      const wantJson = JSON.stringify(want);
      const differ: string[] = [];
      for (let size = 1; size <= 40; size++)
        if (JSON.stringify(stream(bytes, size)) !== wantJson) differ.push(`chunk ${size}`);
      for (let cut = 1; cut < bytes.length; cut += 7)
        if (JSON.stringify(stream(bytes, [cut])) !== wantJson) differ.push(`cut at ${cut}`);
      expect(differ).toEqual([]);
      for (const size of [1, 29, 300]) expect(stream(bytes, size, {})).toEqual(want);
    },
    SLOW,
  );

  it(
    'reads the entries in a file of thousands the same way (the fast path)',
    () => {
      const entries = Array.from({ length: 3000 }, (_, i) =>
        i % 97 === 0 ? { _fromCache: 'disk', ...entry(i) } : entry(i),
      );
      const bytes = utf8(JSON.stringify({ log: { entries } }));
      const want = memory(bytes);
      expect(want.ok && want.outcomes.length).toBe(3000);
      for (const size of [4096, 65536, bytes.length]) expect(stream(bytes, size)).toEqual(want);
    },
    SLOW,
  );

  it('keeps the last value of a key given twice, as JSON.parse does', () => {
    const e = (i: number) => JSON.stringify(entry(i));
    for (const text of [
      `{"log":{"entries":[${e(1)}]},"log":{"entries":[${e(2)},${e(3)}]}}`,
      `{"log":{"entries":[${e(1)}],"entries":[${e(2)}],"creator":{"name":"A"},"creator":5}}`,
      `{"log":{"creator":{"name":"A"},"entries":[${e(1)}],"creator":{"name":"B"}}}`,
    ]) {
      const bytes = utf8(text);
      expect(stream(bytes, 7)).toEqual(memory(bytes));
    }
  });

  it('uses log.pages as the in-memory reader does, before or after the entries', () => {
    // pictures failing on a page outside the watched set: forgeable, skipped — when the page is known by its URL
    const entries = [
      entry(0, { pageref: 'page_1' }),
      ...[1, 2, 3].map((i) =>
        entry(i, { pageref: 'page_2' }, { status: 503, content: { mimeType: 'image/png', text: '' } }),
      ),
    ];
    const pages = [
      { id: 'page_1', title: 'https://photos.oss-cn-hangzhou.aliyuncs.com/' },
      { id: 'page_2', title: 'https://shop.example/' },
    ];
    const read = (bytes: Uint8Array, opts: HarStreamOptions = NODE, size = 7) => {
      const r = new HarStream(serviceOf, opts);
      for (let i = 0; i < bytes.length; i += size) r.write(bytes.subarray(i, i + size));
      return r.end();
    };
    const before = utf8(JSON.stringify({ log: { pages, entries } }));
    const after = utf8(JSON.stringify({ log: { entries, pages } }));
    const want = readHarInMemory(before, serviceOf);
    expect(want.ok && want.skipped).toBe(3);
    expect(readHarInMemory(after, serviceOf)).toEqual(want);
    for (const size of [1, 7, before.length]) expect(read(before, NODE, size)).toMatchObject(want);
    // after the entries: the reader says so, and a second pass given the pages gets the same
    const first = read(after);
    expect(first.ok && first.pagesAfterEntries).toEqual(pages);
    expect(first.ok && first.skipped).toBe(0);
    expect(read(after, { ...NODE, pages })).toMatchObject(want);
    // pages that name no page by URL change nothing: no second pass needed
    const plain = utf8(JSON.stringify({ log: { entries, pages: [{ id: 'page_2', title: 'Shop' }] } }));
    expect(read(plain)).not.toHaveProperty('pagesAfterEntries');
  });

  it('says which tool wrote the HAR', () => {
    const r = new HarStream(watchAll);
    r.write(utf8(tricky()));
    expect(r.end()).toMatchObject({ ok: true, creator: 'WebInspector', tool: 'WebInspector 537.36' });
    const b = new HarStream(watchAll);
    b.write(utf8('{"log":{"browser":{"name":"Firefox","version":"128.0"},"creator":{"name":"Firefox"},"entries":[]}}'));
    expect(b.end()).toMatchObject({ ok: true, creator: 'Firefox', tool: 'Firefox 128.0' });
  });
});

describe('encodings', () => {
  const json = tricky(1);
  for (const [name, bytes] of [
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')])],
    ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])],
    ['utf-16be with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()])],
  ] as const) {
    it(name, () => {
      const want = memory(new Uint8Array(bytes));
      expect(want.ok && want.outcomes.find((o) => o.code === 'FAIL_SYS_USER_VALIDATE')).toBeTruthy();
      for (const size of [1, 2, 3, 13, bytes.length]) expect(stream(new Uint8Array(bytes), size)).toEqual(want);
    });
  }
});

describe('errors, as the in-memory reader reports them', () => {
  const cases: Record<string, string> = {
    'trailing garbage': '{"log":{"entries":[]}} x',
    'two documents': '{"log":{"entries":[]}}{}',
    'bad escape outside entries': '{"log":{"comment":"\\x","entries":[]}}',
    'short \\u escape': '{"log":{"comment":"\\u12","entries":[]}}',
    'raw control character in a string': '{"log":{"comment":"a\u0001b","entries":[]}}',
    'leading zero': '{"log":{"pages":[01],"entries":[]}}',
    'bad literal': '{"log":{"pages":[tru],"entries":[]}}',
    'trailing comma': '{"log":{"pages":[1,],"entries":[]}}',
    'missing colon': '{"log" {"entries":[]}}',
    'mismatched bracket in an entry': '{"log":{"entries":[{"a":[}]}}',
    'invalid number in an entry': '{"log":{"entries":[{"a":01}]}}',
    'unterminated string in an entry': '{"log":{"entries":[{"a":"b}]}}',
    'not JSON at all': 'PK\u0003\u0004 a zip file',
    empty: '',
    'only whitespace': ' \n ',
    'an array': '[{"log":{"entries":[]}}]',
    'a number': '42',
    'an object without log': '{"hello":[1,2,3]}',
    'log is a number': '{"log":5}',
    'log is null': '{"log":null}',
    'log is an array': '{"log":[]}',
    'no entries': '{"log":{"version":"1.2"}}',
    'entries is an object': '{"log":{"entries":{}}}',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      const bytes = utf8(text);
      const want = memory(bytes);
      expect(want.ok).toBe(false);
      for (const size of [1, 3, Math.max(1, bytes.length)]) expect(stream(bytes, size)).toEqual(want);
    });
  }

  it(
    'every truncation of a HAR is not JSON',
    () => {
      const bytes = utf8(tricky(1));
      const differ: number[] = [];
      for (let len = 0; len < bytes.length - 1; len++) {
        const r = stream(bytes.subarray(0, len), 64);
        if (r.ok || r.error !== 'not-json') differ.push(len);
      }
      expect(differ, 'prefix lengths not refused as not-json').toEqual([]);
    },
    SLOW,
  );

  it('stops reading as soon as the input cannot be a HAR', () => {
    for (const [text, error] of [
      ['\u0000\u0001binary', 'not-json'],
      ['[1,2,3', 'not-har'],
      ['{"log":"x"', 'not-har'],
      ['{"log":{"entries":{', 'no-entries-array'],
      ['{"log":{"entries":[{"a":[}', 'not-json'], // a mismatched bracket ends the capture at once
    ] as const) {
      const s = new HarStream(watchAll);
      expect(s.write(utf8(text)), text).toBe(false);
      expect(s.write(utf8('ignored'))).toBe(false);
      expect(s.end()).toEqual({ ok: false, error });
    }
  });
});

describe('bodies are set aside, memory stays bounded, results do not change', () => {
  /** A HAR whose second entry carries `filler` (a JSON fragment) in place of FILL; fed in 64 KB chunks. */
  function big(filler: string, at: 'text' | 'ws' | 'url' | 'postData'): { bytes: Uint8Array; opts: HarStreamOptions } {
    const e = entry(3, {}, { status: 500 });
    const shapes: Record<typeof at, unknown> = {
      text: { ...e, response: { ...e.response, content: { mimeType: 'application/xml', text: 'FILL' } } },
      ws: { ...e, _webSocketMessages: 'FILL', _resourceType: 'websocket' },
      url: { ...e, request: { ...e.request, url: 'FILL' } },
      postData: { ...e, request: { ...e.request, postData: { mimeType: 'text/plain', text: 'FILL' } } },
    };
    const text = JSON.stringify({ log: { entries: [entry(1), shapes[at], entry(5)] } }).replace('"FILL"', filler);
    return { bytes: utf8(text), opts: { ...NODE, maxEntry: 8 * 1024 * 1024 } };
  }
  const mb10 = 10 * 1024 * 1024;

  it('a 10 MB response body (set aside) in an entry capped at 8 MB', () => {
    const { bytes, opts } = big(JSON.stringify('<Code>InternalError</Code>' + 'x'.repeat(mb10)), 'text');
    const want = memory(bytes);
    expect(stream(bytes, 65536, opts)).toEqual(want);
    expect(stream(bytes, bytes.length, opts)).toEqual(want); // set aside within one chunk, too
  });

  it('a 10 MB request body and 10 MB of WebSocket frames, the same', () => {
    const frames = JSON.stringify(
      Array.from({ length: 2000 }, (_, i) => ({ type: 'receive', time: i, opcode: 1, data: 'y'.repeat(5000) })),
    );
    for (const [filler, at] of [
      [JSON.stringify('z'.repeat(mb10)), 'postData'],
      [frames, 'ws'],
    ] as const) {
      const { bytes, opts } = big(filler, at);
      const want = memory(bytes);
      expect(want.ok && want.outcomes).toHaveLength(3);
      expect(stream(bytes, 65536, opts)).toEqual(want);
    }
  });

  it('any other string over MAX_STRING_RAW is set aside too (a 10 MB data: URL)', () => {
    expect(MAX_STRING_RAW).toBeLessThan(mb10);
    const { bytes, opts } = big(JSON.stringify('data:image/png;base64,' + 'A'.repeat(mb10)), 'url');
    const want = memory(bytes);
    expect(want.ok && want.skipped).toBe(1);
    expect(stream(bytes, 65536, opts)).toEqual(want);
  });

  it('an entry still too large without bodies is refused, not buffered', () => {
    const many = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ name: `h${i}`, value: 'v'.repeat(40) })));
    const { bytes, opts } = big(many, 'text'); // an array of small strings: nothing to set aside
    expect(stream(bytes, 65536, opts)).toEqual({ ok: false, error: 'entry-too-large' });
  });

  it('keeps every body the conversion could read: escapes make JSON up to 6 bytes per character', () => {
    expect(KEEP_TEXT_RAW).toBeGreaterThanOrEqual(6 * MAX_BODY_TEXT);
    // 16,000 escaped characters: ~96 KB of JSON (over MAX_BODY_TEXT) but 16 K characters (under MAX_BODY)
    const body = '<Error><Code>AccessDenied</Code></Error>' + '\u00e9'.repeat(16_000);
    const json = JSON.stringify(body).replace(/\u00e9/g, '\\u00e9');
    expect(json.length).toBeGreaterThan(MAX_BODY_TEXT);
    expect(body.length).toBeLessThan(MAX_BODY);
    const { bytes, opts } = big(json, 'text');
    const want = memory(bytes);
    expect(want.ok && want.outcomes[1]!.code).toBe('AccessDenied');
    for (const size of [4096, 65536, bytes.length]) expect(stream(bytes, size, opts)).toEqual(want);
  });
});
