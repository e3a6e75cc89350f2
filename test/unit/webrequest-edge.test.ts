import { describe, expect, it } from 'vitest';
import {
  type RawHeader,
  type RawRequestDetails,
  RequestTracker,
  type TrackerOptions,
} from '../../src/core/convert/webrequest';
import { serviceOf } from '../../src/core/catalogue/match';
import type { RequestOutcome } from '../../src/core/types';

describe('edge: requests of the extension itself, and failing URLs for the active checks', () => {
  it("drops the extension's own requests (probes), whichever browser", () => {
    const out: RequestOutcome[] = [];
    const t = new RequestTracker(serviceOf, (o) => out.push(o));
    t.onBeforeRequest({
      requestId: '1',
      url: 'https://img.alicdn.com/a.jpg',
      type: 'xmlhttprequest',
      tabId: -1,
      timeStamp: 1,
      initiator: 'chrome-extension://abcdef',
    });
    t.onCompleted({
      requestId: '1',
      url: 'https://img.alicdn.com/a.jpg',
      timeStamp: 2,
      statusCode: 503,
      initiator: 'chrome-extension://abcdef',
    });
    t.onBeforeRequest({
      requestId: '2',
      url: 'https://img.alicdn.com/a.jpg',
      type: 'xmlhttprequest',
      tabId: -1,
      timeStamp: 1,
      originUrl: 'moz-extension://uuid/bg.html',
    });
    t.onErrorOccurred({
      requestId: '2',
      url: 'https://img.alicdn.com/a.jpg',
      timeStamp: 2,
      error: 'NS_ERROR_NET_RESET',
      originUrl: 'moz-extension://uuid/bg.html',
    });
    expect(out).toEqual([]);
    expect(t.inFlight).toBe(0);
  });

  it('hands the real URL of every outcome beside it (for in-memory joins); outcomes never carry it', () => {
    const withUrl: [RequestOutcome, string][] = [];
    const out: RequestOutcome[] = [];
    const t = new RequestTracker(serviceOf, (o, url) => {
      out.push(o);
      withUrl.push([o, url]);
    });
    const url = 'https://b.oss-cn-hangzhou.aliyuncs.com/x.png?OSSAccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr&Signature=s';
    t.onBeforeRequest({ requestId: '1', url, type: 'image', tabId: 3, timeStamp: 1 });
    t.onCompleted({ requestId: '1', url, timeStamp: 2, statusCode: 403 });
    t.onBeforeRequest({ requestId: '2', url: 'https://img.alicdn.com/ok.jpg', type: 'image', tabId: 3, timeStamp: 1 });
    t.onCompleted({ requestId: '2', url: 'https://img.alicdn.com/ok.jpg', timeStamp: 2, statusCode: 200 });
    t.onBeforeRequest({ requestId: '3', url: 'https://img.alicdn.com/r.jpg', type: 'image', tabId: 3, timeStamp: 1 });
    t.onErrorOccurred({
      requestId: '3',
      url: 'https://img.alicdn.com/r.jpg',
      timeStamp: 2,
      error: 'net::ERR_CONNECTION_RESET',
    });
    t.onBeforeRequest({ requestId: '4', url: 'https://img.alicdn.com/a.jpg', type: 'image', tabId: 3, timeStamp: 1 });
    t.onErrorOccurred({ requestId: '4', url: 'https://img.alicdn.com/a.jpg', timeStamp: 2, error: 'net::ERR_ABORTED' });
    expect(withUrl.map(([o, u]) => [o.kind, u])).toEqual([
      ['http.4xx', url],
      ['ok', 'https://img.alicdn.com/ok.jpg'],
      ['tcp.reset', 'https://img.alicdn.com/r.jpg'],
      ['aborted', 'https://img.alicdn.com/a.jpg'],
    ]);
    expect(out).toHaveLength(4);
    expect(JSON.stringify(out)).not.toMatch(/LTAI|Signature|\?/);
  });
});

describe('edge: a request whose start the worker never saw', () => {
  it('is rebuilt from its final event (a worker woken mid-request), not lost', () => {
    const out: RequestOutcome[] = [];
    const t = new RequestTracker(serviceOf, (o) => out.push(o));
    t.onCompleted({
      requestId: '77',
      url: 'https://h5api.m.taobao.com/h5/mtop.test/1.0/?data=secret',
      method: 'GET',
      type: 'xmlhttprequest',
      tabId: 4,
      timeStamp: 1000,
      statusCode: 200,
      initiator: 'https://www.taobao.com',
      responseHeaders: [{ name: 'EagleEye-TraceId', value: '0b01447016398520978532578ea50f' }],
    });
    t.onErrorOccurred({
      requestId: '78',
      url: 'https://g.alicdn.com/x.js',
      type: 'script',
      tabId: 4,
      timeStamp: 1001,
      error: 'net::ERR_CONNECTION_RESET',
    });
    t.onErrorOccurred({
      requestId: '79',
      url: 'https://www.example.com/x.js',
      type: 'script',
      tabId: 4,
      timeStamp: 1001,
      error: 'net::ERR_CONNECTION_RESET',
    });
    expect(out.map((o) => [o.host, o.path, o.type, o.kind, o.ids?.eagleEyeTraceId])).toEqual([
      ['h5api.m.taobao.com', '/h5/mtop.test/1.0/', 'xhr', 'ok', '0b01447016398520978532578ea50f'],
      ['g.alicdn.com', '/x.js', 'script', 'tcp.reset', undefined],
    ]);
    expect(JSON.stringify(out)).not.toContain('secret');
  });
});

describe('edge: failures a page can forge', () => {
  const run = (reqs: RawRequestDetails[], end: Partial<RawRequestDetails>, opts: TrackerOptions = {}) => {
    const out: RequestOutcome[] = [];
    const t = new RequestTracker(serviceOf, (o) => out.push(o), opts);
    reqs.forEach((d, i) => {
      const r = { ...d, requestId: String(i), timeStamp: 1 };
      t.onBeforeRequest(r);
      if (end.error) t.onErrorOccurred({ ...r, timeStamp: 2, error: end.error });
      else t.onCompleted({ ...r, timeStamp: 2, statusCode: end.statusCode ?? 200 });
    });
    return out;
  };
  const img = (url: string, page: Partial<RawRequestDetails> = {}): RawRequestDetails => ({
    requestId: '',
    url,
    type: 'image',
    tabId: 5,
    timeStamp: 1,
    ...page,
  });

  it('a provider host on a port no service uses is not watched: 30 forged pictures leave no outcome', () => {
    const forged = Array.from({ length: 30 }, (_, i) =>
      img(`https://oss-cn-hangzhou.aliyuncs.com:9/x/${i}.png`, { initiator: 'https://www.taobao.com' }),
    );
    expect(run(forged, { error: 'net::ERR_CONNECTION_REFUSED' })).toEqual([]);
    expect(run(forged, { statusCode: 200 })).toEqual([]);
    // the default port written out is the default port
    const ok = run([img('https://img.alicdn.com:443/a.png'), img('http://img.alicdn.com:80/b.png')], {
      error: 'net::ERR_CONNECTION_RESET',
    });
    expect(ok.map((o) => o.kind)).toEqual(['tcp.reset', 'tcp.reset']);
    // test builds trust the ports of their local servers (Firefox cannot map ports away)
    const trusted = run(
      [img('http://img.alicdn.com:40123/c.png')],
      { statusCode: 503 },
      {
        trustedPort: (p) => Number(p) >= 1024,
      },
    );
    expect(trusted.map((o) => o.status)).toEqual([503]);
  });

  it('a failing sub-resource whose page is outside the watched set is dropped; its successes and pages are kept', () => {
    const pages: Partial<RawRequestDetails>[] = [
      { initiator: 'https://evil.example' }, // Chromium
      { documentUrl: 'https://evil.example/page?x=1', originUrl: 'https://evil.example/page?x=1' }, // Firefox
      { initiator: 'null' }, // an opaque origin: a sandboxed frame, a data: document
    ];
    for (const page of pages) {
      expect(run([img('https://img.alicdn.com/a.png', page)], { statusCode: 503 }), JSON.stringify(page)).toEqual([]);
      expect(run([img('https://img.alicdn.com/a.png', page)], { error: 'net::ERR_CONNECTION_RESET' })).toEqual([]);
      expect(run([img('https://img.alicdn.com/a.png', page)], { statusCode: 200 }).map((o) => o.kind)).toEqual(['ok']);
    }
    // a watched page's failures count; so does a top-level page opened from anywhere
    expect(
      run([img('https://img.alicdn.com/a.png', { initiator: 'https://www.taobao.com' })], { statusCode: 503 }).length,
    ).toBe(1);
    const doc = { ...img('https://www.taobao.com/'), type: 'main_frame', initiator: 'https://evil.example' };
    expect(run([doc], { statusCode: 502 }).map((o) => o.status)).toEqual([502]);
  });
});

describe('edge: what response headers say', () => {
  const one = (headers: RawHeader[], status = 200, extra: Partial<RawRequestDetails> = {}) => {
    const out: RequestOutcome[] = [];
    const t = new RequestTracker(serviceOf, (o) => out.push(o));
    const d: RawRequestDetails = {
      requestId: '1',
      url: 'https://ecs.console.aliyun.com/api/x.json',
      type: 'xmlhttprequest',
      timeStamp: 1,
    };
    t.onBeforeRequest(d);
    t.onHeadersReceived({ ...d, statusCode: status, responseHeaders: headers });
    t.onCompleted({ ...d, timeStamp: 2, statusCode: status, ...extra });
    return out[0]!;
  };
  const date = { name: 'Date', value: 'Sun, 12 Nov 2023 09:39:00 GMT' };

  it('keeps the server Date of a fresh answer only (never a cached or revalidated one)', () => {
    expect(one([date]).serverDate).toBe(Date.parse(date.value));
    for (const h of [
      { name: 'Age', value: '1802' },
      { name: 'X-Cache', value: 'HIT TCP_MEM_HIT dirn:-2:-2' },
      { name: 'Via', value: 'cache13.l2cn1830[0,0,200-0,H], cache17.cn4393[0,1,200-0,H]' },
      { name: 'cf-cache-status', value: 'HIT' },
    ])
      expect(one([date, h]).serverDate, h.name).toBeUndefined();
    expect(one([date, { name: 'Age', value: '0' }]).serverDate).toBe(Date.parse(date.value));
    expect(one([date, { name: 'Via', value: 'cache13.l2cn1830[0,0,200-0,M]' }]).serverDate).toBeDefined();
    expect(one([date], 304).serverDate).toBeUndefined();
    expect(one([date], 200, { fromCache: true }).serverDate).toBeUndefined();
  });

  it('marks a 401 that asks for credentials (WWW-Authenticate) as a challenge', () => {
    expect(one([{ name: 'WWW-Authenticate', value: 'Basic realm="x"' }], 401).challenge).toBe(true);
    expect(one([], 401).challenge).toBeUndefined();
    expect(one([{ name: 'www-authenticate', value: 'Bearer realm="r"' }], 403).challenge).toBeUndefined();
  });
});
