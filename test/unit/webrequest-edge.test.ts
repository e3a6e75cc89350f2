import { describe, expect, it } from 'vitest';
import { RequestTracker } from '../../src/core/convert/webrequest';
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
    expect(out.map((o) => [o.host, o.path, o.type, o.kind, o.initiator, o.ids?.eagleEyeTraceId])).toEqual([
      ['h5api.m.taobao.com', '/h5/mtop.test/1.0/', 'xhr', 'ok', 'www.taobao.com', '0b01447016398520978532578ea50f'],
      ['g.alicdn.com', '/x.js', 'script', 'tcp.reset', undefined, undefined],
    ]);
    expect(JSON.stringify(out)).not.toContain('secret');
  });
});
