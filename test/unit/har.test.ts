/** The HAR reader: dialects, optional fields, provider codes from bodies, redirects, cookies, typed errors. */
import { describe, expect, it } from 'vitest';
import { serviceOf } from '../../src/core/catalogue/match';
import { codeFromBody, bodyText } from '../../src/core/har/body';
import { convertHarEntry, harContext, readHar, type WatchFn } from '../../src/core/har/read';
import { decodeHar } from '../corpus/in-memory';

/** One entry on its own (a fresh context: the first entry of its recording). */
const convertEntry = (raw: unknown, watch: WatchFn) => convertHarEntry(raw, harContext(watch));

const watchAll = (h: string) => serviceOf(h) ?? 'site';
const entry = (url: string, response: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  startedDateTime: '2023-11-12T09:39:00.000Z',
  time: 12.6,
  request: { method: 'GET', url, headers: [] },
  response: { status: 200, headers: [], content: {}, ...response },
  ...extra,
});

describe('readHar', () => {
  it('rejects what is not a HAR with a typed error', () => {
    expect(readHar(null, serviceOf)).toEqual({ ok: false, error: 'not-har' });
    expect(readHar([1, 2], serviceOf)).toEqual({ ok: false, error: 'not-har' });
    expect(readHar({ log: {} }, serviceOf)).toEqual({ ok: false, error: 'no-entries-array' });
    expect(readHar({ log: { entries: 'x' } }, serviceOf)).toEqual({ ok: false, error: 'no-entries-array' });
  });
  it('skips malformed entries and sorts by start time', () => {
    const r = readHar(
      {
        log: {
          entries: [
            entry('https://b.example/'),
            null,
            { request: {} },
            entry('data:image/png;base64,xx'),
            { ...entry('https://a.example/'), startedDateTime: '2023-11-12T09:38:00.000Z' },
          ],
        },
      },
      watchAll,
    );
    if (!r.ok) throw new Error('not ok');
    expect(r.skipped).toBe(3);
    expect(r.outcomes.map((o) => o.host)).toEqual(['a.example', 'b.example']);
    expect(r.first).toBeLessThan(r.last);
  });
  it('control traffic without --watch-all, site with it', () => {
    expect(convertEntry(entry('https://www.baidu.com/'), serviceOf)!.service).toBeNull();
    expect(convertEntry(entry('https://www.baidu.com/'), watchAll)!.service).toBe('site');
    expect(convertEntry(entry('https://img.alicdn.com/x.jpg'), serviceOf)!.service).toBe('cdn');
  });
});

describe('convertEntry dialects', () => {
  it('Chrome: status 0 + _error', () => {
    const o = convertEntry(
      entry(
        'https://img.alicdn.com/a.jpg',
        { status: 0, _error: 'net::ERR_CONNECTION_RESET' },
        { _resourceType: 'image' },
      ),
      serviceOf,
    )!;
    expect([o.kind, o.phase, o.status, o.type, o.error]).toEqual([
      'tcp.reset',
      'connection',
      0,
      'image',
      'net::ERR_CONNECTION_RESET',
    ]);
    expect(o.ms).toBe(13);
    expect(o.source).toBe('har');
  });
  it('Chrome: 403 then ERR_BLOCKED_BY_ORB is the 403', () => {
    expect(
      convertEntry(
        entry('https://b.oss-cn-hangzhou.aliyuncs.com/a.jpg', { status: 403, _error: 'net::ERR_BLOCKED_BY_ORB' }),
        serviceOf,
      )!.kind,
    ).toBe('http.4xx');
  });
  it('Firefox: status 0 without error text is a weak unknown', () => {
    const o = convertEntry(entry('https://img.alicdn.com/a.jpg', { status: 0 }), serviceOf)!;
    expect(o.kind).toBe('unknown');
  });
  it('WebPageTest: WinINet status codes', () => {
    const o = convertEntry(
      entry('https://img.alicdn.com/a.jpg', { status: 12007 }, { _request_type: 'Image' }),
      serviceOf,
    )!;
    expect([o.kind, o.status]).toEqual(['dns.name_not_resolved', 0]);
  });
  it('tolerates missing response, headers, content and time', () => {
    const o = convertEntry(
      { startedDateTime: '2023-11-12T09:39:00Z', request: { url: 'https://www.taobao.com/' } },
      serviceOf,
    )!;
    expect([o.status, o.kind, o.method, o.ms]).toEqual([0, 'unknown', 'GET', undefined]);
  });
  it('reads Date, request ids and keeps no query string', () => {
    const o = convertEntry(
      entry('https://b.oss-cn-hangzhou.aliyuncs.com/p/1.jpg?OSSAccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr&Signature=x', {
        headers: [
          { name: 'Date', value: 'Sun, 12 Nov 2023 09:39:01 GMT' },
          { name: 'x-oss-request-id', value: '655099A2B1C6E33439F5A1C2' },
          { name: 'X-Oss-Ec', value: '0002-00000902' },
          { name: 'EagleEye-TraceId', value: '0b01447016398520978532578ea50f' },
          { name: 'x-acs-request-id', value: 'R1' },
          { name: 'EagleId', value: 'E1' },
        ],
      }),
      serviceOf,
    )!;
    expect(o.serverDate).toBe(Date.parse('2023-11-12T09:39:01Z'));
    expect(o.ids).toEqual({
      ossRequestId: '655099A2B1C6E33439F5A1C2',
      ossEc: '0002-00000902',
      eagleEyeTraceId: '0b01447016398520978532578ea50f',
      acsRequestId: 'R1',
      eagleId: 'E1',
    });
    expect(o.keyTag).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(o)).not.toContain('LTAI');
    expect(o.path).toBe('/p/1.jpg');
  });
  it('redirects: absolute and relative targets as host + path shape', () => {
    expect(
      convertEntry(
        entry('https://www.tmall.com/', { status: 302, redirectURL: 'https://login.taobao.com/jump?target=x' }),
        serviceOf,
      )!.redirectTo,
    ).toBe('login.taobao.com/jump');
    expect(
      convertEntry(entry('https://a.example/x', { status: 301, redirectURL: '/reach?tc=1' }), watchAll)!.redirectTo,
    ).toBe('a.example/reach');
  });
  it('cookie names only, on login hosts and main frames', () => {
    const e = entry('https://login.taobao.com/member/login.jhtml', {
      status: 302,
      redirectURL: 'https://www.taobao.com/',
      headers: [
        { name: 'Set-Cookie', value: 'cookie2=SECRET; Path=/' },
        { name: 'set-cookie', value: '_tb_token_=SECRET2' },
      ],
    });
    (e.request as Record<string, unknown>).headers = [{ name: 'Cookie', value: 'cna=abc; t=SECRET3' }];
    const o = convertEntry(e, serviceOf)!;
    expect(o.setCookies).toEqual(['cookie2', '_tb_token_']);
    expect(o.sentCookies).toEqual(['cna', 't']);
    expect(JSON.stringify(o)).not.toContain('SECRET');
    const img = convertEntry(
      entry('https://img.alicdn.com/a.jpg', { headers: [{ name: 'Set-Cookie', value: 'x=1' }] }),
      serviceOf,
    )!;
    expect(img.setCookies).toBeUndefined();
  });
});

describe('provider codes from bodies', () => {
  it('OSS XML, OpenAPI JSON, mtop JSON and JSONP, registry', () => {
    expect(
      codeFromBody(
        '<?xml version="1.0"?><Error><Code>InvalidAccessKeyId</Code><OSSAccessKeyId>LTAI5tAbCd</OSSAccessKeyId></Error>',
      ),
    ).toBe('InvalidAccessKeyId');
    expect(
      codeFromBody(
        '{"RequestId":"x","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}',
      ),
    ).toBe('InvalidAccessKeyId.NotFound');
    expect(codeFromBody('{"api":"a","ret":["FAIL_SYS_TOKEN_EXOIRED::令牌过期"]}')).toBe('FAIL_SYS_TOKEN_EXOIRED');
    expect(codeFromBody('mtopjsonp3({"ret":["RGV587_ERROR::SM::哎哟喂,被挤爆啦"]})')).toBe('RGV587_ERROR');
    expect(codeFromBody('{"ret":["SUCCESS::调用成功"]}')).toBeUndefined();
    expect(codeFromBody('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')).toBe(
      'UNAUTHORIZED',
    );
    expect(codeFromBody('<html>hello</html>')).toBeUndefined();
    expect(codeFromBody('{"Code": "has spaces and LTAI5tAbCdEf"}')).toBeUndefined();
    expect(codeFromBody('{broken json "Code"')).toBeUndefined();
  });
  it('base64 bodies', () => {
    const text = bodyText({
      text: Buffer.from('{"Code":"InvalidTimeStamp.Expired"}').toString('base64'),
      encoding: 'base64',
    })!;
    expect(codeFromBody(text)).toBe('InvalidTimeStamp.Expired');
    expect(bodyText({ text: '@@@not base64', encoding: 'base64' })).toBeUndefined();
  });
  it('entry: mtop 200 bodies and error statuses are read, ordinary 200 pages are not', () => {
    expect(
      convertEntry(
        entry('https://h5api.m.taobao.com/h5/x/1.0/', {
          content: { mimeType: 'application/json', text: '{"ret":["FAIL_SYS_USER_VALIDATE::x"]}' },
        }),
        serviceOf,
      )!.code,
    ).toBe('FAIL_SYS_USER_VALIDATE');
    expect(
      convertEntry(
        entry('https://b.oss-cn-hangzhou.aliyuncs.com/a', {
          status: 403,
          content: { mimeType: 'application/xml', text: '<Error><Code>RequestTimeTooSkewed</Code></Error>' },
        }),
        serviceOf,
      )!.code,
    ).toBe('RequestTimeTooSkewed');
    expect(
      convertEntry(
        entry('https://www.baidu.com/', { content: { mimeType: 'text/html', text: '<Code>X</Code>' } }),
        serviceOf,
      )!.code,
    ).toBeUndefined();
  });
});

describe('one entry at a time, the same semantics as the live edge', () => {
  const at = (sec: number, e: ReturnType<typeof entry>, page = 'page_1') => ({
    ...e,
    startedDateTime: new Date(Date.parse('2023-11-12T09:39:00Z') + sec * 1000).toISOString(),
    pageref: page,
  });
  const log = (entries: unknown[], pages?: unknown[]) => ({ log: { pages, entries } });

  it('convertHarEntry entry by entry gives what readHar gives (a streaming reader can call it)', () => {
    const entries = [
      at(0, entry('https://www.taobao.com/', { content: { mimeType: 'text/html' } })),
      at(1, entry('https://img.alicdn.com/a.jpg', { status: 503 })),
      at(2, entry('https://h5api.m.taobao.com/h5/x/1.0/', { content: { text: '{"ret":["RGV587_ERROR::x"]}' } })),
    ];
    const ctx = harContext(serviceOf, []);
    const streamed = entries.map((e) => convertHarEntry(e, ctx));
    const r = readHar(log(entries, []), serviceOf);
    if (!r.ok) throw new Error(r.error);
    expect(streamed).toEqual(r.outcomes);
    expect(r.observations).toEqual([]);
  });

  it('a provider host on a port no service uses is skipped; a watched site keeps its port', () => {
    const r = readHar(
      log([
        at(0, entry('https://www.taobao.com/', { content: { mimeType: 'text/html' } })),
        ...Array.from({ length: 30 }, (_, i) =>
          at(
            1,
            entry(`https://oss-cn-hangzhou.aliyuncs.com:9/x/${i}.png`, { status: 0, _error: 'net::ERR_UNSAFE_PORT' }),
          ),
        ),
        at(2, entry('https://img.alicdn.com:443/ok.png')),
      ]),
      serviceOf,
    );
    if (!r.ok) throw new Error(r.error);
    expect(r.skipped).toBe(30);
    expect(r.outcomes.map((o) => o.host)).toEqual(['www.taobao.com', 'img.alicdn.com']);
    expect(convertEntry(entry('http://dev.shop.example:3000/api/x', { status: 503 }), watchAll)!.status).toBe(503);
  });

  it("a failing sub-resource of a page outside the watched set is skipped; the page's other requests are kept", () => {
    const page = [
      // a click-through redirect first: the page is where it ends
      at(
        0,
        entry(
          'https://www.taobao.com/go',
          { status: 302, redirectURL: 'https://shop.example.com/' },
          { _resourceType: 'document' },
        ),
      ),
      at(0.1, entry('https://shop.example.com/', {}, { _resourceType: 'document' })),
      at(1, entry('https://img.alicdn.com/a.jpg', { status: 503 }, { _resourceType: 'image' })),
      at(1, entry('https://img.alicdn.com/b.jpg', { _error: 'net::ERR_CONNECTION_RESET' }, { _resourceType: 'image' })),
      at(1, entry('https://img.alicdn.com/c.jpg', {}, { _resourceType: 'image' })),
    ];
    const r = readHar(log(page), serviceOf);
    if (!r.ok) throw new Error(r.error);
    expect(r.outcomes.map((o) => `${o.host}${o.path} ${o.status}`)).toEqual([
      'www.taobao.com/go 302',
      'shop.example.com/ 200',
      'img.alicdn.com/c.jpg 200',
    ]);
    // the same page on a watched site (or with --watch-all): every failure counts
    const watched = readHar(log(page), watchAll);
    if (!watched.ok) throw new Error(watched.error);
    expect(watched.outcomes).toHaveLength(5);
  });

  it("keeps a response's Date only when it was answered now", () => {
    const date = { name: 'Date', value: 'Sun, 22 Oct 2023 09:39:00 GMT' };
    const fresh = (r: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
      convertEntry(
        entry('https://ecs.console.aliyun.com/api/x.json', { headers: [date], content: { size: 20 }, ...r }, extra),
        serviceOf,
      )!;
    expect(fresh().serverDate).toBe(Date.parse(date.value));
    expect(fresh({ status: 304 }).serverDate).toBeUndefined();
    expect(fresh({}, { _fromCache: 'memory' }).serverDate).toBeUndefined();
    expect(fresh({ headers: [date, { name: 'age', value: '86400' }] }).serverDate).toBeUndefined();
    expect(fresh({ headers: [date, { name: 'X-Cache', value: 'HIT from cdn' }] }).serverDate).toBeUndefined();
    // served in ~0 ms with nothing transferred: a cache the exporter did not mark
    expect(fresh({ content: {} }, { time: 0 }).serverDate).toBeUndefined();
    expect(fresh({ content: { size: 20 } }, { time: 0 }).serverDate).toBe(Date.parse(date.value));
  });

  it('marks a 401 that asks for credentials, and reads a request for JSON as an API call', () => {
    const challenge = { name: 'WWW-Authenticate', value: 'Basic realm="intranet"' };
    expect(convertEntry(entry('https://a.example/p', { status: 401, headers: [challenge] }), watchAll)!.challenge).toBe(
      true,
    );
    expect(convertEntry(entry('https://a.example/p', { status: 401 }), watchAll)!.challenge).toBeUndefined();
    const json = entry('https://a.example/api/x', { status: 404, content: { mimeType: 'text/html' } });
    (json.request as { headers: unknown[] }).headers = [{ name: 'Accept', value: 'application/json, text/plain' }];
    expect(convertEntry({ ...json, pageref: 'p' }, watchAll)!.type).toBe('xhr');
  });
});

describe('decodeHar (CLI byte decoding)', () => {
  const har = {
    log: {
      entries: [
        {
          startedDateTime: '2023-11-12T09:39:00Z',
          request: { url: 'https://h5api.m.taobao.com/h5/x/1.0/' },
          response: { status: 200, headers: [], content: { text: '{"ret":["RGV587_ERROR::SM::哎哟喂,被挤爆啦"]}' } },
        },
      ],
    },
  };
  const json = JSON.stringify(har);
  for (const [name, bytes] of [
    ['utf-8', Buffer.from(json, 'utf8')],
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')])],
    ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])],
  ] as const) {
    it(name, () => {
      const r = readHar(JSON.parse(decodeHar(bytes).replace(/^\uFEFF/, '')), serviceOf);
      if (!r.ok) throw new Error(r.error);
      expect(r.outcomes[0]!.code).toBe('RGV587_ERROR');
    });
  }
});
