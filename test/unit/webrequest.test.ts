/**
 * RequestTracker on event sequences shaped as recorded from Chromium 156 and Firefox ESR 153
 * (/work/shared/design/platform-facts.md, "What webRequest reports"). Table-driven: each case is the raw
 * event sequence of one request and the outcome expected.
 */
import { describe, expect, it } from 'vitest';
import { RequestTracker, type RawRequestDetails } from '../../src/core/convert/webrequest';
import { serviceOf } from '../../src/core/catalogue/match';
import type { FailureKind, Phase, RequestOutcome } from '../../src/core/types';

type Step = ['before' | 'send' | 'headers' | 'redirect' | 'completed' | 'error', Partial<RawRequestDetails>];

interface Case {
  name: string;
  browser: 'chromium' | 'firefox';
  url: string;
  type?: string;
  steps: Step[];
  expect: { kind: FailureKind; phase: Phase; status: number; error?: string; service?: string; ids?: object }[];
}

const OSS_403_HEADERS = [
  { name: 'Content-Type', value: 'application/xml' },
  { name: 'x-oss-request-id', value: '6745A1B2C3D4E5F60718293A' },
  { name: 'x-oss-ec', value: '0003-00000001' },
  { name: 'Date', value: 'Fri, 27 Nov 2026 12:00:00 GMT' },
];

const CASES: Case[] = [
  {
    name: 'Chromium 200 image',
    browser: 'chromium',
    url: 'https://img.alicdn.com/imgextra/a.png',
    type: 'image',
    steps: [
      ['headers', { statusCode: 200 }],
      ['completed', { statusCode: 200 }],
    ],
    expect: [{ kind: 'ok', phase: 'ok', status: 200, service: 'cdn' }],
  },
  {
    name: 'Chromium 404 image → onCompleted 404',
    browser: 'chromium',
    url: 'https://img.alicdn.com/missing.png',
    type: 'image',
    steps: [
      ['headers', { statusCode: 404 }],
      ['completed', { statusCode: 404 }],
    ],
    expect: [{ kind: 'http.4xx', phase: 'application', status: 404 }],
  },
  {
    name: 'Firefox 404 image → headers 404 then NS_BINDING_ABORTED = http.4xx',
    browser: 'firefox',
    url: 'https://img.alicdn.com/missing.png',
    type: 'image',
    steps: [
      ['headers', { statusCode: 404 }],
      ['error', { error: 'NS_BINDING_ABORTED' }],
    ],
    expect: [{ kind: 'http.4xx', phase: 'application', status: 404, error: 'NS_BINDING_ABORTED' }],
  },
  {
    name: 'Chromium OSS 403 XML as <img> → headers 403 then ERR_BLOCKED_BY_ORB = http.4xx with OSS ids',
    browser: 'chromium',
    url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/private/a.jpg?OSSAccessKeyId=LTAI5tXXXXXXXXXXXXXX&Signature=abc',
    type: 'image',
    steps: [
      ['headers', { statusCode: 403, responseHeaders: OSS_403_HEADERS }],
      ['error', { error: 'net::ERR_BLOCKED_BY_ORB' }],
    ],
    expect: [
      {
        kind: 'http.4xx',
        phase: 'application',
        status: 403,
        service: 'oss',
        ids: { ossRequestId: '6745A1B2C3D4E5F60718293A', ossEc: '0003-00000001' },
      },
    ],
  },
  {
    name: 'Firefox OSS 403 as <img> → NS_BINDING_ABORTED = http.4xx',
    browser: 'firefox',
    url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/private/a.jpg',
    type: 'image',
    steps: [
      ['headers', { statusCode: 403, responseHeaders: OSS_403_HEADERS }],
      ['error', { error: 'NS_BINDING_ABORTED' }],
    ],
    expect: [
      {
        kind: 'http.4xx',
        phase: 'application',
        status: 403,
        ids: { ossRequestId: '6745A1B2C3D4E5F60718293A', ossEc: '0003-00000001' },
      },
    ],
  },
  {
    name: 'OSS 403 via fetch → onCompleted 403 with headers',
    browser: 'chromium',
    url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/private/a.json',
    type: 'xmlhttprequest',
    steps: [
      ['headers', { statusCode: 403, responseHeaders: OSS_403_HEADERS }],
      ['completed', { statusCode: 403, responseHeaders: OSS_403_HEADERS }],
    ],
    expect: [
      {
        kind: 'http.4xx',
        phase: 'application',
        status: 403,
        ids: { ossRequestId: '6745A1B2C3D4E5F60718293A', ossEc: '0003-00000001' },
      },
    ],
  },
  {
    name: 'Chromium ERR_ABORTED alone → aborted (not a failure)',
    browser: 'chromium',
    url: 'https://img.alicdn.com/a.png',
    type: 'image',
    steps: [['error', { error: 'net::ERR_ABORTED' }]],
    expect: [{ kind: 'aborted', phase: 'client', status: 0 }],
  },
  {
    name: 'Firefox NS_BINDING_ABORTED after 200 → aborted',
    browser: 'firefox',
    url: 'https://img.alicdn.com/a.png',
    type: 'image',
    steps: [
      ['headers', { statusCode: 200 }],
      ['error', { error: 'NS_BINDING_ABORTED' }],
    ],
    expect: [{ kind: 'aborted', phase: 'client', status: 200 }],
  },
  {
    name: 'Chromium 503 → http.5xx',
    browser: 'chromium',
    url: 'https://acs.m.taobao.com/h5/mtop.a/1.0/',
    type: 'xmlhttprequest',
    steps: [
      ['headers', { statusCode: 503 }],
      ['completed', { statusCode: 503 }],
    ],
    expect: [{ kind: 'http.5xx', phase: 'application', status: 503, service: 'mtop' }],
  },
  {
    name: 'Chromium reset',
    browser: 'chromium',
    url: 'https://g.alicdn.com/a.js',
    type: 'script',
    steps: [['error', { error: 'net::ERR_CONNECTION_RESET' }]],
    expect: [{ kind: 'tcp.reset', phase: 'connection', status: 0 }],
  },
  {
    name: 'Firefox reset',
    browser: 'firefox',
    url: 'https://g.alicdn.com/a.js',
    type: 'script',
    steps: [['error', { error: 'NS_ERROR_NET_RESET' }]],
    expect: [{ kind: 'tcp.reset', phase: 'connection', status: 0 }],
  },
  {
    name: 'Chromium empty response',
    browser: 'chromium',
    url: 'https://g.alicdn.com/a.js',
    type: 'script',
    steps: [['error', { error: 'net::ERR_EMPTY_RESPONSE' }]],
    expect: [{ kind: 'tcp.closed', phase: 'connection', status: 0 }],
  },
  {
    name: 'Chromium refused',
    browser: 'chromium',
    url: 'http://refused.taobao.com/x.png',
    type: 'image',
    steps: [['error', { error: 'net::ERR_CONNECTION_REFUSED' }]],
    expect: [{ kind: 'tcp.refused', phase: 'connection', status: 0, service: 'shopping' }],
  },
  {
    name: 'Firefox refused',
    browser: 'firefox',
    url: 'http://refused.taobao.com/x.png',
    type: 'image',
    steps: [['error', { error: 'NS_ERROR_CONNECTION_REFUSED' }]],
    expect: [{ kind: 'tcp.refused', phase: 'connection', status: 0 }],
  },
  {
    name: 'Chromium NAME_NOT_RESOLVED',
    browser: 'chromium',
    url: 'http://nx.aliyun.com/x.png',
    type: 'image',
    steps: [['error', { error: 'net::ERR_NAME_NOT_RESOLVED' }]],
    expect: [{ kind: 'dns.name_not_resolved', phase: 'dns', status: 0, service: 'console' }],
  },
  {
    name: 'Firefox UNKNOWN_HOST',
    browser: 'firefox',
    url: 'http://nx.aliyun.com/x.png',
    type: 'image',
    steps: [['error', { error: 'NS_ERROR_UNKNOWN_HOST' }]],
    expect: [{ kind: 'dns.name_not_resolved', phase: 'dns', status: 0 }],
  },
  {
    name: 'Chromium BLOCKED_BY_CLIENT (another extension)',
    browser: 'chromium',
    url: 'https://img.alicdn.com/blocked/b.png',
    type: 'image',
    steps: [['error', { error: 'net::ERR_BLOCKED_BY_CLIENT' }]],
    expect: [{ kind: 'blocked.extension', phase: 'client', status: 0 }],
  },
  {
    name: 'Chromium img redirect loop → 21st request ERR_TOO_MANY_REDIRECTS',
    browser: 'chromium',
    url: 'https://img.alicdn.com/loop',
    type: 'image',
    steps: [['error', { error: 'net::ERR_TOO_MANY_REDIRECTS' }]],
    expect: [{ kind: 'http.redirect_loop', phase: 'application', status: 0 }],
  },
  {
    name: 'redirect chain: 302 → 302 → 200 emits one outcome per hop',
    browser: 'chromium',
    url: 'https://login.taobao.com/member/login.jhtml?redirectURL=secret',
    type: 'main_frame',
    steps: [
      ['headers', { statusCode: 302 }],
      ['redirect', { statusCode: 302, redirectUrl: 'https://passport.alibaba.com/mini_login.htm?token=SECRET' }],
      ['headers', { statusCode: 302 }],
      ['redirect', { statusCode: 302, redirectUrl: 'https://www.taobao.com/?spm=1' }],
      ['headers', { statusCode: 200 }],
      ['completed', { statusCode: 200 }],
    ],
    expect: [
      { kind: 'ok', phase: 'ok', status: 302, service: 'login' },
      { kind: 'ok', phase: 'ok', status: 302, service: 'login' },
      { kind: 'ok', phase: 'ok', status: 200, service: 'shopping' },
    ],
  },
  {
    name: 'Firefox main-frame redirect loop → NS_ERROR_REDIRECT_LOOP',
    browser: 'firefox',
    url: 'https://login.taobao.com/loop',
    type: 'main_frame',
    steps: [
      ['headers', { statusCode: 302 }],
      ['redirect', { statusCode: 302, redirectUrl: 'https://login.taobao.com/loop' }],
      ['error', { error: 'NS_ERROR_REDIRECT_LOOP' }],
    ],
    expect: [
      { kind: 'ok', phase: 'ok', status: 302 },
      { kind: 'http.redirect_loop', phase: 'application', status: 0 },
    ],
  },
];

function run(c: Case): RequestOutcome[] {
  const out: RequestOutcome[] = [];
  const tr = new RequestTracker(serviceOf, (o) => out.push(o));
  let url = c.url;
  let ts = 1_000;
  const base = () => ({ requestId: '42', url, type: c.type ?? 'other', method: 'GET', tabId: 3, timeStamp: (ts += 5) });
  tr.onBeforeRequest({
    ...base(),
    initiator: c.browser === 'chromium' ? 'https://www.taobao.com' : undefined,
    originUrl: c.browser === 'firefox' ? 'https://www.taobao.com/page?q=1' : undefined,
  });
  for (const [ev, d] of c.steps) {
    const det = { ...base(), ...d } as RawRequestDetails;
    if (ev === 'send') tr.onSendHeaders(det);
    else if (ev === 'headers') tr.onHeadersReceived(det);
    else if (ev === 'redirect') {
      tr.onBeforeRedirect(det);
      url = d.redirectUrl!;
    } else if (ev === 'completed') tr.onCompleted(det);
    else tr.onErrorOccurred(det);
  }
  expect(tr.inFlight, 'nothing left pending').toBe(0);
  return out;
}

describe('RequestTracker on recorded event shapes', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const out = run(c);
    expect(out).toHaveLength(c.expect.length);
    c.expect.forEach((e, i) => {
      const o = out[i]!;
      expect({ kind: o.kind, phase: o.phase, status: o.status }).toEqual({
        kind: e.kind,
        phase: e.phase,
        status: e.status,
      });
      if (e.error) expect(o.error).toBe(e.error);
      if (e.service) expect(o.service).toBe(e.service);
      if (e.ids) expect(o.ids).toEqual(e.ids);
      expect(o.source).toBe('browser');
      // the initiating page is read at the edge (forged failures) and never stored
      expect(Object.keys(o)).not.toContain('initiator');
    });
  });

  it('never keeps a query string, fragment or cookie value in an outcome', () => {
    const out: RequestOutcome[] = [];
    const tr = new RequestTracker(serviceOf, (o) => out.push(o));
    const url = 'https://login.taobao.com/member/login.jhtml?token=TOPSECRET&OSSAccessKeyId=LTAI5tABCDEFGHIJKLMN#frag';
    tr.onBeforeRequest({ requestId: '1', url, type: 'main_frame', timeStamp: 1, tabId: 1 });
    tr.onSendHeaders({
      requestId: '1',
      url,
      timeStamp: 2,
      requestHeaders: [{ name: 'Cookie', value: 'cookie2=VALUE1; _tb_token_=VALUE2; t=VALUE3' }],
    });
    tr.onHeadersReceived({
      requestId: '1',
      url,
      timeStamp: 3,
      statusCode: 302,
      responseHeaders: [{ name: 'Set-Cookie', value: 'cookie2=NEWVALUE; Path=/; HttpOnly\nsgcookie=SGVALUE; Path=/' }],
    });
    tr.onBeforeRedirect({
      requestId: '1',
      url,
      timeStamp: 4,
      statusCode: 302,
      redirectUrl: 'https://www.taobao.com/index.htm?session=SECRET2',
    });
    tr.onCompleted({
      requestId: '1',
      url: 'https://www.taobao.com/index.htm?session=SECRET2',
      timeStamp: 5,
      statusCode: 200,
    });
    const json = JSON.stringify(out);
    for (const secret of [
      'TOPSECRET',
      'LTAI5tABCDEFGHIJKLMN',
      'frag',
      'VALUE1',
      'VALUE2',
      'VALUE3',
      'NEWVALUE',
      'SGVALUE',
      'SECRET2',
      '?',
    ]) {
      expect(json, `outcome leaks ${secret}`).not.toContain(secret);
    }
    expect(out[0]!.sentCookies).toEqual(['cookie2', '_tb_token_', 't']);
    expect(out[0]!.setCookies).toEqual(['cookie2', 'sgcookie']);
    expect(out[0]!.keyTag).toMatch(/^[0-9a-f]{8}$/);
    expect(out[0]!.redirectTo).toBe('www.taobao.com/index.htm');
  });

  it('ignores hosts outside the catalogue, even as orphan final events', () => {
    const out: RequestOutcome[] = [];
    const tr = new RequestTracker(serviceOf, (o) => out.push(o));
    tr.onBeforeRequest({ requestId: '1', url: 'https://example.com/a.png', type: 'image', timeStamp: 1 });
    tr.onCompleted({ requestId: '1', url: 'https://example.com/a.png', timeStamp: 2, statusCode: 404 });
    tr.onErrorOccurred({ requestId: '99', url: 'https://example.com/b.png', timeStamp: 2, error: 'net::ERR_FAILED' });
    tr.onHeadersReceived({ requestId: '98', url: 'https://img.alicdn.com/a.png', timeStamp: 2, statusCode: 200 });
    expect(out).toEqual([]);
    expect(tr.inFlight).toBe(0);
  });
});
