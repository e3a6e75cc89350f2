/**
 * Writes the labelled corpus: small, realistic HAR files (test/corpus/har/*.har) and their expected verdicts
 * (test/corpus/expected.json). Run `npx tsx test/corpus/build.ts` after changing a scenario; the files are
 * committed and read by the real CLI in test/corpus/corpus.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** 2023-11-12 17:39 Beijing time. */
const BASE = Date.parse('2023-11-12T09:39:00.000Z');

interface E {
  /** Seconds after BASE. */
  t: number;
  url: string;
  status?: number;
  error?: string;
  type?: string;
  mime?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
  redirect?: string;
  setCookies?: string[];
  sentCookies?: string[];
  ms?: number;
  /** Date header offset from the request time, in seconds (default 0). */
  dateSkew?: number;
  noDate?: boolean;
  method?: string;
  /** Request headers beyond User-Agent and Cookie. */
  reqHeaders?: Record<string, string>;
  /** Chrome's `_fromCache` ('memory' | 'disk'): served from the browser's cache. */
  fromCache?: string;
  /** The page (pageref) the entry belongs to; its first entry is the page's document. */
  page?: string;
}

type Dialect = 'chrome' | 'firefox' | 'wpt';

function harOf(entries: E[], dialect: Dialect = 'chrome'): unknown {
  const creator =
    dialect === 'chrome'
      ? { name: 'WebInspector', version: '537.36' }
      : dialect === 'firefox'
        ? { name: 'Firefox', version: '128.0' }
        : { name: 'WebPagetest', version: '21.07' };
  return {
    log: {
      version: '1.2',
      creator,
      pages: [{ startedDateTime: new Date(BASE).toISOString(), id: 'page_1', title: 'corpus', pageTimings: {} }],
      entries: entries.map((e) => {
        const t = BASE + e.t * 1000;
        const status = e.status ?? (e.error ? 0 : 200);
        const headers: { name: string; value: string }[] = [];
        if (!e.noDate && status > 0)
          headers.push({
            name: dialect === 'firefox' ? 'date' : 'Date',
            value: new Date(t + (e.dateSkew ?? 0) * 1000).toUTCString(),
          });
        for (const [name, value] of Object.entries(e.headers ?? {})) headers.push({ name, value });
        if (e.setCookies)
          for (const c of e.setCookies)
            headers.push({ name: 'Set-Cookie', value: `${c}=v${c.length}; Path=/; Domain=.taobao.com` });
        const reqHeaders = [{ name: 'User-Agent', value: 'Mozilla/5.0' }];
        for (const [name, value] of Object.entries(e.reqHeaders ?? {})) reqHeaders.push({ name, value });
        if (e.sentCookies?.length)
          reqHeaders.push({ name: 'Cookie', value: e.sentCookies.map((c) => `${c}=x`).join('; ') });
        const content: Record<string, unknown> = {
          size: e.body?.length ?? 0,
          mimeType:
            e.mime ?? (e.type === 'image' ? 'image/jpeg' : e.type === 'document' ? 'text/html' : 'application/json'),
        };
        if (e.body !== undefined) {
          content.text = e.base64 ? Buffer.from(e.body).toString('base64') : e.body;
          if (e.base64) content.encoding = 'base64';
        }
        const response: Record<string, unknown> = {
          status,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          headers,
          cookies: (e.setCookies ?? []).map((name) => ({ name, value: 'v' })),
          content,
          redirectURL: e.redirect ?? '',
          headersSize: -1,
          bodySize: -1,
        };
        if (e.error && dialect === 'chrome') response._error = e.error;
        const entry: Record<string, unknown> = {
          startedDateTime: new Date(t).toISOString(),
          time: e.ms ?? 40,
          request: {
            method: e.method ?? 'GET',
            url: e.url,
            httpVersion: 'HTTP/1.1',
            headers: reqHeaders,
            queryString: [],
            cookies: (e.sentCookies ?? []).map((name) => ({ name, value: 'x' })),
            headersSize: -1,
            bodySize: 0,
          },
          response,
          cache: {},
          timings: { send: 0, wait: e.ms ?? 40, receive: 0 },
        };
        if (dialect === 'chrome' && e.type) entry._resourceType = e.type;
        if (e.fromCache) entry._fromCache = e.fromCache;
        if (e.page) entry.pageref = e.page;
        return entry;
      }),
    },
  };
}

// ---- building blocks -------------------------------------------------------------------------------------

/** n requests spread over `span` seconds from `t0`. */
function many(n: number, t0: number, span: number, f: (i: number, t: number) => E): E[] {
  return Array.from({ length: n }, (_, i) => f(i, t0 + (n > 1 ? (span * i) / (n - 1) : 0)));
}
const img = (host: string, i: number, t: number, extra: Partial<E> = {}): E => ({
  t,
  url: `https://${host}/imgextra/i${i % 4}/O1CN01item${i}_!!2206.jpg_300x300q90.jpg`,
  type: 'image',
  ...extra,
});
const doc = (url: string, t: number, extra: Partial<E> = {}): E => ({
  t,
  url,
  type: 'document',
  mime: 'text/html',
  ...extra,
});
const xhr = (url: string, t: number, extra: Partial<E> = {}): E => ({ t, url, type: 'xhr', ...extra });
const control = (t0: number, n = 6, extra: Partial<E> = {}): E[] =>
  many(n, t0, 20, (i, t) => ({
    t,
    url: i % 2 ? `https://www.qq.com/news/${i}.htm` : `https://www.baidu.com/s/${i}`,
    type: i % 3 ? 'image' : 'document',
    ...extra,
  }));
const taobaoPage = (t0: number, images = 20): E[] => [
  doc('https://www.taobao.com/', t0),
  ...many(images, t0 + 1, 10, (i, t) => img('img.alicdn.com', i, t)),
  xhr('https://h5api.m.taobao.com/h5/mtop.taobao.wireless.home.load/1.0/?jsv=2.7.2&appKey=12574478', t0 + 2, {
    body: 'mtopjsonp1({"api":"mtop.taobao.wireless.home.load","ret":["SUCCESS::调用成功"],"data":{}})',
    mime: 'application/javascript',
  }),
];
const ossXml = (code: string, msg: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${msg}</Message>\n  <RequestId>655099A2B1C6E33439F5A1C2</RequestId>\n  <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>\n  <OSSAccessKeyId>LTAI5tAbCdEfGhIjKlMnOpQr</OSSAccessKeyId>\n  <EC>0002-00000902</EC>\n</Error>`;
const ossHeaders = (i: number) => ({
  Server: 'AliyunOSS',
  'x-oss-request-id': `655099A2B1C6E33439F5A${String(i).padStart(3, '0')}`,
  'x-oss-ec': '0002-00000902',
});
const popJson = (code: string, msg: string) =>
  JSON.stringify({
    RequestId: '7A3D2C1B-0F2E-4D5C-9B8A-1E2F3A4B5C6D',
    HostId: 'ecs.cn-hangzhou.aliyuncs.com',
    Code: code,
    Message: msg,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${code}`,
  });
const KEY_A = 'LTAI5tAbCdEfGhIjKlMnOpQr';
const KEY_B = 'LTAI5tZyXwVuTsRqPoNmLkJi';
const ossUrl = (bucket: string, obj: string, key: string) =>
  `https://${bucket}.oss-cn-hangzhou.aliyuncs.com/${obj}?OSSAccessKeyId=${key}&Expires=1699785600&Signature=abc%3D`;
const popUrl = (host: string, action: string, key: string) =>
  `https://${host}/?Action=${action}&AccessKeyId=${key}&Format=JSON&Version=2014-05-26&Signature=x`;

// ---- scenarios --------------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  verdict: string;
  cause: string;
  note: string;
  entries: E[];
  dialect?: Dialect;
  watchAll?: boolean;
}

const S: Scenario[] = [];
const add = (s: Scenario) => S.push(s);

add({
  name: 'healthy-taobao',
  verdict: 'healthy',
  cause: 'none',
  note: 'ordinary Taobao home page, control works',
  entries: [...taobaoPage(0, 30), ...control(5)],
});
add({
  name: 'noise-aborted',
  verdict: 'healthy',
  cause: 'none',
  note: 'pictures cancelled by navigating away (net::ERR_ABORTED) are not failures',
  entries: [
    ...taobaoPage(0),
    ...many(12, 3, 2, (i, t) => img('img.alicdn.com', 100 + i, t, { error: 'net::ERR_ABORTED' })),
    ...control(5),
  ],
});
add({
  name: 'noise-trackers-blocked',
  verdict: 'healthy',
  cause: 'none',
  note: 'an ad blocker stopping trackers (log.mmstat.com, g.click.taobao.com) is not a failure',
  entries: [
    ...taobaoPage(0),
    ...many(8, 2, 10, (i, t) => ({
      t,
      url: i % 2 ? `https://log.mmstat.com/eg.js?t=${i}` : `https://g.click.taobao.com/click?id=${i}`,
      type: 'script',
      error: 'net::ERR_BLOCKED_BY_CLIENT',
    })),
  ],
});
add({
  name: 'noise-firefox-tracking-protection',
  verdict: 'healthy',
  cause: 'none',
  note: "Firefox's own tracking protection (NS_ERROR_TRACKING_URI) is not a failure",
  entries: [
    ...taobaoPage(0),
    ...many(5, 2, 5, (i, t) => ({
      t,
      url: `https://log.mmstat.com/v.gif?i=${i}`,
      type: 'image',
      error: 'NS_ERROR_TRACKING_URI',
    })),
  ],
});
add({
  name: 'noise-304',
  verdict: 'healthy',
  cause: 'none',
  note: 'revalidated resources answer 304',
  entries: [
    doc('https://www.yuque.com/dashboard', 0),
    ...many(25, 1, 10, (i, t) => ({
      t,
      url: `https://gw.alipayobjects.com/as/g/larkgroup/lake-codemirror/${i}/index.js`,
      type: 'script',
      status: 304,
    })),
    ...control(3),
  ],
});
add({
  name: 'noise-favicon',
  verdict: 'healthy',
  cause: 'none',
  note: 'a missing favicon is not a failure',
  entries: [
    ...taobaoPage(0),
    ...many(3, 5, 30, (_i, t) => ({ t, url: 'https://www.taobao.com/favicon.ico', type: 'other', status: 404 })),
  ],
});
add({
  name: 'noise-one-picture-of-fifty',
  verdict: 'healthy',
  cause: 'none',
  note: 'one failed picture among fifty (below MIN_FAILURES and the ratios)',
  entries: [
    doc('https://s.taobao.com/search', 0),
    ...many(50, 1, 20, (i, t) => img('img.alicdn.com', i, t, i === 17 ? { error: 'net::ERR_CONNECTION_RESET' } : {})),
    ...control(5),
  ],
});
add({
  name: 'noise-mtop-token-refresh',
  verdict: 'healthy',
  cause: 'none',
  note: "mtop's routine FAIL_SYS_TOKEN_EXOIRED followed by a successful retry",
  entries: [
    ...taobaoPage(0),
    xhr('https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/?jsv=2.7.2', 4, {
      body: '{"api":"mtop.taobao.detail.getdetail","ret":["FAIL_SYS_TOKEN_EXOIRED::令牌过期"],"data":{}}',
    }),
    xhr('https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/?jsv=2.7.2', 5, {
      body: '{"api":"mtop.taobao.detail.getdetail","ret":["SUCCESS::调用成功"],"data":{"item":{}}}',
    }),
  ],
});
add({
  name: 'noise-content-404',
  verdict: 'healthy',
  cause: 'none',
  note: '404s on content (deleted docs, missing objects) are not an outage',
  entries: [
    doc('https://www.yuque.com/dashboard', 0),
    ...many(10, 1, 10, (i, t) => xhr(`https://www.yuque.com/api/docs/${1000 + i}`, t, { status: i < 5 ? 404 : 200 })),
    ...many(6, 2, 10, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/photos/${i}.jpg`,
      type: 'image',
      status: 404,
      body: ossXml('NoSuchKey', 'The specified key does not exist.'),
      mime: 'application/xml',
    })),
    ...control(3),
  ],
});
add({
  name: 'noise-firefox-status-zero',
  verdict: 'healthy',
  cause: 'none',
  note: 'Firefox HAR: a couple of status-0 entries without error text among many successes',
  dialect: 'firefox',
  entries: [
    doc('https://www.taobao.com/', 0),
    ...many(20, 1, 10, (i, t) => img('img.alicdn.com', i, t, i === 3 || i === 11 ? { status: 0 } : {})),
  ],
});
add({
  name: 'unclear-firefox-status-zero-only',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'Firefox HAR: OSS requests all status 0 with no error text — could be blocked, aborted or failing; be conservative',
  dialect: 'firefox',
  entries: [
    doc('https://www.taobao.com/', 0),
    ...many(6, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
    ...many(6, 2, 5, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/a/${i}.png`,
      type: 'image',
      status: 0,
    })),
  ],
});
add({
  name: 'quiet-low-traffic',
  verdict: 'healthy',
  cause: 'none',
  note: 'two requests that worked: too few to call anything healthy, nothing wrong seen — quiet (few-requests), never unclear',
  entries: [doc('https://www.taobao.com/', 0), img('img.alicdn.com', 1, 1)],
});
add({
  name: 'offline',
  verdict: 'user',
  cause: 'offline',
  note: 'the browser reports ERR_INTERNET_DISCONNECTED',
  entries: [
    doc('https://www.taobao.com/', 0, { error: 'net::ERR_INTERNET_DISCONNECTED' }),
    ...many(5, 1, 3, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_INTERNET_DISCONNECTED' })),
  ],
});
add({
  name: 'offline-everything-times-out',
  verdict: 'user',
  cause: 'offline',
  note: 'OONI: Alibaba and control sites time out alike',
  entries: [
    doc('https://ecs.console.aliyun.com/', 0, { error: 'net::ERR_CONNECTION_TIMED_OUT' }),
    ...many(4, 1, 5, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_CONNECTION_TIMED_OUT' })),
    ...control(2, 4, { error: 'net::ERR_CONNECTION_TIMED_OUT' }),
  ],
});
add({
  name: 'dns-local',
  verdict: 'user',
  cause: 'dns-local',
  note: 'names fail to resolve for Alibaba and for www.baidu.com too',
  entries: [
    doc('https://www.taobao.com/', 0, { error: 'net::ERR_NAME_NOT_RESOLVED' }),
    ...many(4, 1, 3, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_NAME_NOT_RESOLVED' })),
    ...control(2, 4, { error: 'net::ERR_NAME_NOT_RESOLVED' }),
  ],
});
add({
  name: 'dns-local-wpt',
  verdict: 'user',
  cause: 'dns-local',
  note: 'WebPageTest dialect: WinINet 12007 (name not resolved) on every host',
  dialect: 'wpt',
  entries: [
    doc('https://www.1688.com/', 0, { status: 12007 }),
    ...many(3, 1, 2, (i, t) => img('cbu01.alicdn.com', i, t, { status: 12007 })),
    ...control(2, 3, { status: 12007 }),
  ],
});
add({
  name: 'dns-provider',
  verdict: 'provider',
  cause: 'dns-provider',
  note: "OSS and OpenAPI names fail to resolve while other sites' names resolve",
  entries: [
    ...many(4, 0, 10, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/data/${i}.json`,
      type: 'xhr',
      error: 'net::ERR_NAME_NOT_RESOLVED',
    })),
    ...many(2, 2, 5, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        error: 'net::ERR_NAME_NOT_RESOLVED',
      }),
    ),
    ...control(1, 6),
  ],
});
add({
  name: 'dns-unclear-no-control',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'provider names fail to resolve but there is no control traffic to compare with',
  entries: [
    ...many(4, 0, 10, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/data/${i}.json`,
      type: 'xhr',
      error: 'net::ERR_NAME_NOT_RESOLVED',
    })),
    ...many(4, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
add({
  name: 'proxy',
  verdict: 'user',
  cause: 'proxy',
  note: 'ERR_PROXY_CONNECTION_FAILED',
  entries: [
    doc('https://www.tmall.com/', 0, { error: 'net::ERR_PROXY_CONNECTION_FAILED' }),
    ...many(4, 1, 3, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_PROXY_CONNECTION_FAILED' })),
  ],
});
add({
  name: 'tls-interception',
  verdict: 'user',
  cause: 'tls-interception',
  note: 'certificates from an unknown authority on several hosts while control works',
  entries: [
    doc('https://www.taobao.com/', 0, { error: 'net::ERR_CERT_AUTHORITY_INVALID' }),
    ...many(3, 1, 3, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_CERT_AUTHORITY_INVALID' })),
    xhr('https://h5api.m.taobao.com/h5/mtop.a/1.0/', 2, { error: 'net::ERR_CERT_AUTHORITY_INVALID' }),
    ...control(1, 5),
  ],
});
add({
  name: 'clock-skew-certificates',
  verdict: 'user',
  cause: 'clock-skew',
  note: 'certificate dates rejected on several hosts',
  entries: [
    doc('https://www.yuque.com/', 0, { error: 'net::ERR_CERT_DATE_INVALID' }),
    ...many(3, 1, 3, (i, t) => ({
      t,
      url: `https://gw.alipayobjects.com/os/lib/${i}.js`,
      type: 'script',
      error: 'net::ERR_CERT_DATE_INVALID',
    })),
  ],
});
add({
  name: 'clock-skew-oss',
  verdict: 'user',
  cause: 'clock-skew',
  note: 'OSS answers RequestTimeTooSkewed; Date headers are 20 minutes off',
  entries: [
    ...many(4, 0, 10, (i, t) => ({
      t,
      url: ossUrl('photos', `2023/${i}.jpg`, KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml(
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      ),
      mime: 'application/xml',
      headers: ossHeaders(i),
      dateSkew: 1200,
    })),
    ...many(4, 1, 10, (i, t) => img('img.alicdn.com', i, t, { dateSkew: 1200 })),
  ],
});
add({
  name: 'clock-skew-openapi',
  verdict: 'user',
  cause: 'clock-skew',
  note: 'OpenAPI answers InvalidTimeStamp.Expired',
  entries: [
    ...many(3, 0, 6, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeRegions', KEY_A), t, {
        status: 400,
        body: popJson('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
        headers: { 'x-acs-request-id': '7A3D2C1B-0F2E-4D5C-9B8A-1E2F3A4B5C6D' },
      }),
    ),
    ...control(1, 4),
  ],
});
add({
  name: 'blocked-by-extension',
  verdict: 'user',
  cause: 'blocked-by-extension',
  note: 'an extension blocks the page’s own scripts and pictures (not trackers)',
  entries: [
    doc('https://www.taobao.com/', 0),
    ...many(4, 1, 3, (i, t) => ({
      t,
      url: `https://g.alicdn.com/tb-page/index/${i}/index.js`,
      type: 'script',
      error: 'net::ERR_BLOCKED_BY_CLIENT',
    })),
    ...many(10, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
const tbLoop = (returned: boolean): E[] => {
  const out: E[] = [];
  for (let k = 0; k < 4; k++) {
    out.push(
      doc('https://www.taobao.com/my/index.htm', k * 2, {
        status: 302,
        redirect:
          'https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fwww.taobao.com%2Fmy%2Findex.htm',
        sentCookies: returned && k > 0 ? ['cookie2', '_tb_token_', 'cna'] : ['cna'],
      }),
    );
    out.push(
      doc(
        'https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fwww.taobao.com%2Fmy%2Findex.htm',
        k * 2 + 0.5,
        {
          status: 302,
          redirect: 'https://www.taobao.com/my/index.htm',
          setCookies: ['cookie2', '_tb_token_', 'unb'],
          sentCookies: returned && k > 0 ? ['cookie2', 'cna'] : ['cna'],
        },
      ),
    );
  }
  return [...out, ...many(8, 0.2, 6, (i, t) => img('img.alicdn.com', i, t))];
};
add({
  name: 'cookies-blocked',
  verdict: 'user',
  cause: 'cookies-blocked',
  note: 'login.taobao.com sets cookie2/_tb_token_, the browser never sends them back: loop',
  entries: tbLoop(false),
});
add({
  name: 'login-loop',
  verdict: 'provider',
  cause: 'login-loop',
  note: 'cookies are sent back and login.taobao.com still bounces',
  entries: tbLoop(true),
});
add({
  name: 'login-loop-aliyun-ping-pong',
  verdict: 'provider',
  cause: 'login-loop',
  note: 'ecs.console.aliyun.com ↔ account.aliyun.com ping-pong with login_aliyunid_ticket sent back',
  entries: [
    ...[0, 1, 2].flatMap((k) => [
      doc('https://ecs.console.aliyun.com/', k * 3, {
        status: 302,
        redirect: `https://account.aliyun.com/login/login.htm?oauth_callback=https%3A%2F%2Fecs.console.aliyun.com%2F&k=${k}`,
        sentCookies: k ? ['login_aliyunid_ticket', 'login_aliyunid_pk'] : [],
      }),
      doc('https://account.aliyun.com/login/login.htm?oauth_callback=x', k * 3 + 1, {
        status: 302,
        redirect: 'https://ecs.console.aliyun.com/',
        setCookies: ['login_aliyunid_ticket', 'login_aliyunid_pk'],
        sentCookies: k ? ['login_aliyunid_ticket'] : [],
      }),
    ]),
    ...control(0, 4),
  ],
});
add({
  name: 'sso-bounce-not-a-loop',
  verdict: 'healthy',
  cause: 'none',
  note: 'Tmall SSO: www.tmall.com → login.taobao.com/jump → pass.tmall.com/add → www.tmall.com, then the page loads',
  entries: [
    doc('https://www.tmall.com/', 0, {
      status: 302,
      redirect: 'https://login.taobao.com/jump?target=https%3A%2F%2Fwww.tmall.com%2F',
    }),
    doc('https://login.taobao.com/jump?target=https%3A%2F%2Fwww.tmall.com%2F', 0.3, {
      status: 302,
      redirect: 'https://pass.tmall.com/add?_tb_token_=secret&cookie2=secret&target=https%3A%2F%2Fwww.tmall.com%2F',
      sentCookies: ['cookie2', '_tb_token_'],
    }),
    doc('https://pass.tmall.com/add?_tb_token_=secret&cookie2=secret', 0.6, {
      status: 302,
      redirect: 'https://www.tmall.com/',
      setCookies: ['cookie2', '_tb_token_'],
    }),
    doc('https://www.tmall.com/', 0.9, { sentCookies: ['cookie2', '_tb_token_'] }),
    ...many(12, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
add({
  name: 'credentials',
  verdict: 'user',
  cause: 'credentials',
  note: 'one key refused from its very first request (InvalidAccessKeyId) while other OSS requests and the CDN work',
  entries: [
    ...many(6, 0, 20, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_B),
      type: 'xhr',
      status: 200,
      headers: ossHeaders(i),
    })),
    ...many(4, 2, 20, (i, t) => ({
      t,
      url: ossUrl('backup', `b/${i}.tar`, KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'),
      mime: 'application/xml',
      headers: ossHeaders(50 + i),
    })),
    ...many(8, 1, 20, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
add({
  name: 'auth-error-alone',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'a single InvalidAccessKeyId with nothing else never proves a user fault',
  entries: [
    {
      t: 0,
      url: ossUrl('backup', 'b/1.tar', KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'),
      mime: 'application/xml',
      headers: ossHeaders(1),
    },
    ...many(8, 1, 20, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
add({
  name: 'auth-service-2023-11-12',
  verdict: 'provider',
  cause: 'auth-service',
  note: 'keys that worked start failing with InvalidAccessKeyId / "Specified access key is not found" across OSS and OpenAPI, console 5xx',
  entries: [
    // 17:30–17:38: everything works with key A.
    ...many(6, -540, 480, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      headers: ossHeaders(i),
    })),
    ...many(4, -500, 450, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        headers: { 'x-acs-request-id': 'A1B2C3D4-0000-1111-2222-333344445555' },
      }),
    ),
    ...many(4, -520, 500, (_i, t) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t)),
    // 17:39 on: the same key is refused everywhere, consoles answer 5xx.
    ...many(6, 0, 600, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'),
      mime: 'application/xml',
      headers: ossHeaders(100 + i),
    })),
    ...many(5, 30, 600, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        status: 404,
        body: popJson('InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
        headers: { 'x-acs-request-id': '5C6D7E8F-0000-1111-2222-333344445555' },
      }),
    ),
    ...many(4, 60, 600, (i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, {
        status: 503,
        // The console's gateway names each failing request (what a support ticket asks for).
        headers: { 'EagleEye-TraceId': `0b51f2a71699782${i}412345678e1d2c`, EagleId: `7ce3a51a1699782${i}412345678e` },
      }),
    ),
    ...control(100, 4),
  ],
});
add({
  name: 'risk-control',
  verdict: 'user',
  cause: 'risk-control',
  note: 'mtop RGV587_ERROR and the /_____tmd_____/punish page: anti-bot, not an outage',
  entries: [
    ...taobaoPage(0),
    ...many(4, 3, 10, (_i, t) =>
      xhr('https://h5api.m.taobao.com/h5/mtop.relationrecommend.wirelessrecommend.recommend/2.0/', t, {
        body: 'mtopjsonp3({"ret":["RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!"],"data":{"url":"https://h5api.m.taobao.com:443//h5/_____tmd_____/punish?x5secdata=xx"}})',
        mime: 'application/javascript',
      }),
    ),
    doc('https://h5api.m.taobao.com/_____tmd_____/punish?x5secdata=xx&x5step=1', 8),
  ],
});
add({
  name: 'risk-control-across-sites',
  verdict: 'user',
  cause: 'risk-control',
  note: 'FAIL_SYS_USER_VALIDATE on Taobao and 1688 mtop at once is still risk control, never an outage',
  entries: [
    ...taobaoPage(0, 10),
    ...many(4, 1, 10, (_i, t) =>
      xhr('https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/', t, {
        body: '{"ret":["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦,请稍后重试"]}',
      }),
    ),
    ...many(4, 2, 10, (_i, t) =>
      xhr('https://h5api.m.1688.com/h5/mtop.1688.offer.detail/1.0/', t, {
        body: '{"ret":["FAIL_SYS_USER_VALIDATE::请稍后重试"]}',
      }),
    ),
    ...control(1, 4),
  ],
});
add({
  name: 'outage',
  verdict: 'provider',
  cause: 'outage',
  note: 'console 5xx, OSS 503 and CDN resets at the same time while other sites work',
  entries: [
    ...many(5, 0, 60, (_i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, { status: 502 }),
    ),
    ...many(5, 5, 60, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/d/${i}.json`,
      type: 'xhr',
      status: 503,
      body: ossXml('ServiceUnavailable', 'Please reduce your request rate.'),
      mime: 'application/xml',
      headers: ossHeaders(i),
    })),
    ...many(6, 10, 60, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_CONNECTION_RESET' })),
    ...control(20, 6),
  ],
});
add({
  name: 'cdn',
  verdict: 'provider',
  cause: 'cdn',
  note: 'img.alicdn.com resets and 504s while the page and other sites work',
  entries: [
    doc('https://www.taobao.com/', 0),
    ...many(20, 1, 20, (i, t) =>
      img(
        'img.alicdn.com',
        i,
        t,
        i % 3 === 0
          ? {}
          : i % 3 === 1
            ? { error: 'net::ERR_CONNECTION_RESET' }
            : { status: 504, headers: { Server: 'Tengine', EagleId: '7ae4d9a716997817403881234e' } },
      ),
    ),
    xhr('https://h5api.m.taobao.com/h5/mtop.taobao.wireless.home.load/1.0/', 2, {
      body: '{"ret":["SUCCESS::调用成功"]}',
    }),
    ...control(2, 5),
  ],
});
add({
  name: 'server-error',
  verdict: 'provider',
  cause: 'server-error',
  note: 'Yuque answers 502/503 while the rest works',
  entries: [
    doc('https://www.yuque.com/dashboard', 0, { status: 502 }),
    ...many(8, 1, 30, (i, t) =>
      xhr(`https://www.yuque.com/api/mine/book_stacks?i=${i}`, t, { status: i % 2 ? 503 : 502 }),
    ),
    ...many(10, 2, 20, (i, t) => img('img.alicdn.com', i, t)),
    ...control(2, 5),
  ],
});
add({
  name: 'page-bug',
  verdict: 'provider',
  cause: 'page-bug',
  note: 'pictures requested at …/undefined and …/null on Taobao pages',
  entries: [
    ...taobaoPage(0),
    ...many(3, 2, 3, (_i, t) => ({
      t,
      url: 'https://www.taobao.com/undefined',
      type: 'image',
      status: 404,
      mime: 'text/html',
    })),
    { t: 3, url: 'https://img.alicdn.com/imgextra/null', type: 'image', status: 404 },
  ],
});
add({
  name: 'watch-all-healthy-site',
  verdict: 'healthy',
  cause: 'none',
  note: '--watch-all: a non-catalogue site is watched (service "site") and works',
  watchAll: true,
  entries: [
    doc('https://example.org/', 0),
    ...many(10, 1, 5, (i, t) => ({ t, url: `https://cdn.example.org/a/${i}.png`, type: 'image' })),
  ],
});
add({
  name: 'watch-all-site-server-error',
  verdict: 'provider',
  cause: 'server-error',
  note: '--watch-all: every picture from one image host answers 503 while the page works',
  watchAll: true,
  entries: [
    doc('https://shop.example.org/', 0),
    ...many(8, 1, 5, (i, t) => ({ t, url: `https://shop.example.org/s/${i}.css`, type: 'stylesheet' })),
    ...many(8, 1, 5, (i, t) => ({ t, url: `https://pics.example.net/400/${i}`, type: 'image', status: 503 })),
  ],
});
add({
  name: 'base64-body-auth-alone',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'base64-encoded OpenAPI body: two "Specified access key is not found" on one endpoint, nothing worked before, no others → unclear',
  entries: [
    ...many(2, 0, 5, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        status: 404,
        body: popJson('InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
        base64: true,
      }),
    ),
    ...control(1, 3),
  ],
});
add({
  name: 'recovered-after-outage',
  verdict: 'healthy',
  cause: 'none',
  note: 'the outage scenario (console 502, OSS 503, CDN resets until +70 s), then from +140 s every one of those services answers again: recovered, no longer the provider',
  entries: [
    ...many(5, 0, 60, (_i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, { status: 502 }),
    ),
    ...many(5, 5, 60, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/d/${i}.json`,
      type: 'xhr',
      status: 503,
      body: ossXml('ServiceUnavailable', 'Please reduce your request rate.'),
      mime: 'application/xml',
      headers: ossHeaders(i),
    })),
    ...many(6, 10, 60, (i, t) => img('img.alicdn.com', i, t, { error: 'net::ERR_CONNECTION_RESET' })),
    ...control(20, 6),
    ...many(5, 140, 60, (_i, t) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t)),
    ...many(5, 145, 50, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/d/${i}.json`,
      type: 'xhr',
      headers: ossHeaders(20 + i),
    })),
    ...many(8, 150, 50, (i, t) => img('img.alicdn.com', 20 + i, t)),
    ...control(180, 4),
  ],
});
add({
  name: 'still-failing-with-some-successes',
  verdict: 'provider',
  cause: 'server-error',
  note: 'Yuque keeps answering 502/503 to the last request, with some successes in between: some successes are not a recovery',
  entries: [
    doc('https://www.yuque.com/dashboard', 0),
    ...many(12, 1, 119, (i, t) =>
      xhr(`https://www.yuque.com/api/mine/book_stacks?i=${i}`, t, i % 2 ? {} : { status: i % 4 ? 503 : 502 }),
    ),
    xhr('https://www.yuque.com/api/mine/book_stacks?i=99', 121, { status: 503 }),
    ...many(10, 2, 100, (i, t) => img('img.alicdn.com', i, t)),
    ...control(60, 5),
  ],
});

/** 2023-11-12 sign-in during the outage: /session → signin.aliyun.com (sets the ticket) → back, ticket sent back, refused again… */
const signinLoop = (t0: number): E[] => [
  ...[0, 1, 2].flatMap((k) => [
    doc('https://ecs.console.aliyun.com/session', t0 + k, {
      status: 302,
      redirect: 'https://signin.aliyun.com/login.htm?callback=https%3A%2F%2Fecs.console.aliyun.com%2Fsession',
      sentCookies: k ? ['login_aliyunid_ticket', 'login_aliyunid_pk'] : [],
    }),
    doc('https://signin.aliyun.com/login.htm?callback=https%3A%2F%2Fecs.console.aliyun.com%2Fsession', t0 + k + 0.3, {
      status: 302,
      redirect: 'https://ecs.console.aliyun.com/session',
      setCookies: ['login_aliyunid_ticket', 'login_aliyunid_pk'],
      sentCookies: k ? ['login_aliyunid_ticket'] : [],
    }),
  ]),
  // …until the browser gives up.
  doc('https://ecs.console.aliyun.com/session', t0 + 3, {
    error: 'net::ERR_TOO_MANY_REDIRECTS',
    sentCookies: ['login_aliyunid_ticket'],
  }),
];
add({
  name: 'recovered-after-login-loop',
  verdict: 'healthy',
  cause: 'none',
  note: 'the simulator’s 2023-11-12 replay: refused keys, console 503 and a sign-in loop through signin.aliyun.com ending in ERR_TOO_MANY_REDIRECTS; from +300 s the console, its sign-in, OSS and OpenAPI all answer again (pages, API calls): recovered, neither login-loop nor blocked by the old auth failures',
  entries: [
    // before: everything works
    doc('https://ecs.console.aliyun.com/', -300),
    ...many(4, -299, 60, (_i, t) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t)),
    ...many(4, -298, 60, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      headers: ossHeaders(i),
    })),
    ...many(3, -297, 60, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        headers: { 'x-acs-request-id': 'A1B2C3D4-0000-1111-2222-333344445555' },
      }),
    ),
    // the outage, with the sign-in loop
    ...many(4, 0, 60, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'),
      mime: 'application/xml',
      headers: ossHeaders(100 + i),
    })),
    ...many(3, 5, 60, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        status: 404,
        body: popJson('InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
        headers: { 'x-acs-request-id': '5C6D7E8F-0000-1111-2222-333344445555' },
      }),
    ),
    ...many(4, 10, 60, (_i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, { status: 503 }),
    ),
    ...signinLoop(70),
    ...control(20, 4),
    // 18:35-ish: recovered; the user keeps working
    ...[300, 360, 420, 480].flatMap((t) => [
      doc('https://ecs.console.aliyun.com/session', t, { sentCookies: ['login_aliyunid_ticket'] }),
      doc('https://ecs.console.aliyun.com/', t + 1),
      ...many(3, t + 2, 3, (_i, u) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', u)),
      ...many(3, t + 2, 3, (i, u) => ({
        t: u,
        url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
        type: 'xhr',
        headers: ossHeaders(200 + i),
      })),
      ...many(2, t + 3, 3, (_i, u) =>
        xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), u, {
          headers: { 'x-acs-request-id': 'B1B2C3D4-0000-1111-2222-333344445555' },
        }),
      ),
    ]),
    ...control(300, 4),
  ],
});
add({
  name: 'auth-service-live-no-bodies',
  verdict: 'provider',
  cause: 'auth-service',
  note: 'the 2023-11-12 shape as a live browser sees it (no bodies): OSS 403 with only x-oss-ec 0002-00000902, OpenAPI 404 with only x-acs-request-id on signed requests that worked minutes before, console 503',
  entries: [
    ...many(6, -540, 480, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      headers: { Server: 'AliyunOSS', 'x-oss-request-id': `655099A2B1C6E33439F5A${String(i).padStart(3, '0')}` },
    })),
    ...many(4, -500, 450, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        headers: { 'x-acs-request-id': 'A1B2C3D4-0000-1111-2222-333344445555' },
      }),
    ),
    ...many(4, -520, 500, (_i, t) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t)),
    ...many(6, 0, 600, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      status: 403,
      mime: 'application/xml',
      headers: ossHeaders(100 + i),
    })),
    ...many(5, 30, 600, (_i, t) =>
      xhr(popUrl('ecs.cn-hangzhou.aliyuncs.com', 'DescribeInstances', KEY_A), t, {
        status: 404,
        headers: { 'x-acs-request-id': '5C6D7E8F-0000-1111-2222-333344445555' },
      }),
    ),
    ...many(4, 60, 600, (_i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, { status: 503 }),
    ),
    ...control(100, 4),
  ],
});

// ---- real traffic: what published captures showed (their shapes, written here) ----------------

/** A console page whose every API call works: fresh dynamic answers, Dates right. */
const consolePage = (t0: number, extra: Partial<E> = {}): E[] => [
  doc('https://ecs.console.aliyun.com/', t0, extra),
  ...many(4, t0 + 1, 4, (_i, t) => xhr('https://ecs.console.aliyun.com/api/ecs/DescribeInstances.json', t, extra)),
];
add({
  name: 'session-expired-not-clock',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'a session that merely expired (the console API answers 401) beside cached CDN objects with 21-day-old Dates — served in ~0 ms with no body and unmarked, 304s, Age, X-Cache/Via hits, _fromCache: never the clock',
  entries: [
    ...consolePage(0),
    ...many(3, 6, 4, (_i, t) =>
      xhr('https://ecs.console.aliyun.com/api/ecs/DescribeRegions.json', t, {
        status: 401,
        body: '{"code":"NotLogin"}',
      }),
    ),
    ...many(6, 1, 3, (i, t) => img('img.alicdn.com', i, t, { ms: 0, dateSkew: -21 * 86_400 })),
    ...many(3, 1, 3, (i, t) => ({
      t,
      url: `https://g.alicdn.com/code/lib/${i}.js`,
      type: 'script',
      status: 304,
      dateSkew: -21 * 86_400,
    })),
    ...many(3, 2, 3, (i, t) =>
      xhr(`https://gw.alicdn.com/tfs/config/${i}.json`, t, {
        dateSkew: -21 * 86_400,
        headers: { Age: '1814400', 'X-Cache': 'HIT TCP_MEM_HIT dirn:-2:-2' },
      }),
    ),
    ...many(3, 2, 3, (i, t) =>
      xhr(`https://g.alicdn.com/tfs/feed/${i}.json`, t, {
        dateSkew: -21 * 86_400,
        headers: { Via: 'cache13.l2cn1830[0,0,200-0,H], cache17.cn4393[0,1,200-0,H]' },
      }),
    ),
    ...many(3, 3, 3, (i, t) =>
      xhr(`https://at.alicdn.com/t/font_${i}.json`, t, { dateSkew: -21 * 86_400, fromCache: 'disk' }),
    ),
    ...control(5),
  ],
});
add({
  name: 'clock-skew-date-headers',
  verdict: 'user',
  cause: 'clock-skew',
  note: 'fresh API answers of three sites all say the server time is 30 minutes ahead, and a signed OSS request is refused (SignatureDoesNotMatch): the clock',
  entries: [
    ...consolePage(0, { dateSkew: 1800 }),
    xhr('https://www.yuque.com/api/mine', 2, { dateSkew: 1800 }),
    xhr('https://h5api.m.taobao.com/h5/mtop.user.getusersimple/1.0/', 3, {
      dateSkew: 1800,
      body: '{"ret":["SUCCESS::调用成功"],"data":{}}',
    }),
    ...many(2, 4, 4, (i, t) => ({
      t,
      url: ossUrl('photos', `p/${i}.jpg`, KEY_A),
      type: 'xhr',
      status: 403,
      body: ossXml('SignatureDoesNotMatch', 'The request signature we calculated does not match.'),
      mime: 'application/xml',
      headers: ossHeaders(i),
      noDate: true,
    })),
  ],
});
add({
  name: 'offline-one-document',
  verdict: 'user',
  cause: 'offline',
  note: 'the one entry of the capture: the page itself, net::ERR_INTERNET_DISCONNECTED — the operating system said there is no network',
  entries: [doc('https://www.aliyun.com/', 0, { error: 'net::ERR_INTERNET_DISCONNECTED', ms: 2 })],
});
add({
  name: 'offline-blip',
  verdict: 'healthy',
  cause: 'none',
  note: 'one request failed with ERR_INTERNET_DISCONNECTED, then the page went on loading: a blip, over',
  entries: [
    ...taobaoPage(0, 8),
    xhr('https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/', 3, {
      error: 'net::ERR_INTERNET_DISCONNECTED',
    }),
    ...many(6, 6, 4, (i, t) => img('img.alicdn.com', 40 + i, t)),
  ],
});
add({
  name: 'page-bug-api-404',
  verdict: 'provider',
  cause: 'page-bug',
  note: "Yuque's own API call answers 404 every time (a broken deployment) while its other calls and pictures work",
  entries: [
    doc('https://www.yuque.com/dashboard', 0),
    ...many(4, 1, 30, (_i, t) =>
      xhr('https://www.yuque.com/api/mine/recent_docs', t, {
        status: 404,
        body: '{"status":404,"message":"Not Found"}',
      }),
    ),
    ...many(6, 1, 30, (i, t) => xhr(`https://www.yuque.com/api/mine/book_stacks?i=${i}`, t)),
    ...many(8, 1, 10, (i, t) => img('gw.alipayobjects.com', i, t)),
    ...control(2),
  ],
});
add({
  name: 'watch-all-broken-deployment',
  verdict: 'provider',
  cause: 'page-bug',
  watchAll: true,
  note: "--watch-all: the developer's own app calls its API (fetch, JSON expected) and gets 404 every time; the page, its scripts and pictures load",
  entries: [
    doc('https://app.example.com/issues', 0),
    ...many(6, 1, 3, (i, t) => ({ t, url: `https://app.example.com/static/js/${i}.chunk.js`, type: 'script' })),
    ...many(4, 2, 20, (_i, t) =>
      xhr('https://app.example.com/api/issues', t, {
        type: 'fetch',
        status: 404,
        mime: 'text/html',
        body: '<!DOCTYPE html><pre>Cannot GET /api/issues</pre>',
        reqHeaders: { Accept: 'application/json' },
      }),
    ),
    ...many(6, 2, 4, (i, t) => ({ t, url: `https://cdn.example-assets.com/img/${i}.png`, type: 'image' })),
  ],
});
add({
  name: 'watch-all-third-party-404-noise',
  verdict: 'healthy',
  cause: 'none',
  watchAll: true,
  note: "--watch-all: a third party's beacon API, an ad server's pictures and missing static files answer 404: noise, not the site's deployment",
  entries: [
    doc('https://news.example.org/', 0),
    ...many(8, 1, 4, (i, t) => ({ t, url: `https://news.example.org/assets/${i}.css`, type: 'stylesheet' })),
    ...many(5, 2, 20, (_i, t) => xhr('https://stats.tracker-example.net/v2/collect', t, { status: 404 })),
    ...many(5, 2, 20, (i, t) => ({
      t,
      url: `https://ads.adserver-example.com/b/${i}.gif`,
      type: 'image',
      status: 404,
    })),
    ...many(4, 3, 20, (_i, t) => xhr('https://news.example.org/static/app.js.map', t, { status: 404 })),
  ],
});
add({
  name: 'auth-handshake-401',
  verdict: 'healthy',
  cause: 'none',
  note: 'the container registry answers 401 with a WWW-Authenticate challenge, then 200 on the same URL: the normal HTTP auth handshake',
  entries: [
    doc('https://cr.console.aliyun.com/cn-hangzhou/instances', 0),
    ...[2, 12, 22].flatMap((t) => [
      xhr('https://registry.cn-hangzhou.aliyuncs.com/v2/', t, {
        status: 401,
        headers: {
          'WWW-Authenticate':
            'Bearer realm="https://dockerauth.cn-hangzhou.aliyuncs.com/auth",service="registry.aliyuncs.com:cn-hangzhou:26842"',
        },
        body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
      }),
      xhr('https://dockerauth.cn-hangzhou.aliyuncs.com/auth?service=registry', t + 0.2),
      xhr('https://registry.cn-hangzhou.aliyuncs.com/v2/', t + 0.4, { body: '{}' }),
    ]),
    ...many(6, 1, 20, (i, t) => img('img.alicdn.com', i, t)),
  ],
});
add({
  name: 'firefox-status-zero-one-host-down',
  verdict: 'provider',
  cause: 'server-error',
  dialect: 'firefox',
  note: 'Firefox HAR: every request to one OSS bucket has status 0 and no error text, none worked, while the page, its pictures and neutral sites loaded — read as a person would',
  entries: [
    doc('https://www.taobao.com/', 0),
    ...many(10, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
    ...many(8, 2, 10, (i, t) => ({
      t,
      url: `https://mybucket.oss-cn-hangzhou.aliyuncs.com/a/${i}.png`,
      type: 'image',
      status: 0,
    })),
    ...control(1, 6),
  ],
});

/** A sign-in through the form: the protected page sends to sign-in, the person types (40 s), the form posts. */
const signInRound = (t0: number, back: boolean, first: boolean): E[] => [
  doc('https://cart.taobao.com/cart.htm', t0, {
    status: 302,
    redirect: 'https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fcart.taobao.com%2Fcart.htm',
    sentCookies: back && !first ? ['cna', 'cookie2', '_tb_token_'] : ['cna'],
  }),
  doc('https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fcart.taobao.com%2Fcart.htm', t0 + 0.3, {
    sentCookies: back && !first ? ['cna', 'cookie2'] : ['cna'],
  }),
  ...many(3, t0 + 0.5, 1, (i, t) => img('img.alicdn.com', 90 + i, t)),
  xhr('https://login.taobao.com/newlogin/login.do?appName=taobao&fromSite=0', t0 + 40, {
    method: 'POST',
    body: '{"content":{"data":{"redirect":true,"redirectUrl":"https://cart.taobao.com/cart.htm"},"success":true}}',
    setCookies: ['cookie2', '_tb_token_', 'unb'],
    sentCookies: back && !first ? ['cna', 'cookie2'] : ['cna'],
  }),
];
add({
  name: 'login-loop-sign-in-form',
  verdict: 'provider',
  cause: 'login-loop',
  note: 'sign in through the form (XHR POST, Set-Cookie), the page goes back to the cart, which sends to sign-in again — three times, 40 s of typing apart, the session cookie carried back each time',
  entries: [0, 41, 82].flatMap((t, k) => signInRound(t, true, k === 0)),
});
add({
  name: 'cookies-blocked-sign-in-form',
  verdict: 'user',
  cause: 'cookies-blocked',
  note: 'the same sign-in loop through the form, but the cookies the sign-in sets never come back with a later request',
  entries: [0, 41, 82].flatMap((t, k) => signInRound(t, false, k === 0)),
});
/** A console sign-in bouncing, as exported without cookies (sanitized HAR): the cookie state is unknown. */
const bounceNoCookies = (t0: number): E[] => [
  ...[0, 1, 2].flatMap((k) => [
    doc('https://ecs.console.aliyun.com/session', t0 + k, {
      status: 302,
      redirect: 'https://signin.aliyun.com/login.htm?callback=https%3A%2F%2Fecs.console.aliyun.com%2Fsession',
    }),
    doc('https://signin.aliyun.com/login.htm?callback=https%3A%2F%2Fecs.console.aliyun.com%2Fsession', t0 + k + 0.3, {
      status: 302,
      redirect: 'https://ecs.console.aliyun.com/session',
    }),
  ]),
  doc('https://ecs.console.aliyun.com/session', t0 + 3, { error: 'net::ERR_TOO_MANY_REDIRECTS' }),
];
add({
  name: 'login-loop-cookies-unknown-signin-5xx',
  verdict: 'provider',
  cause: 'login-loop',
  note: 'a sign-in loop ending in ERR_TOO_MANY_REDIRECTS in a HAR exported without cookies, while the sign-in service answers 502: the other evidence decides',
  entries: [
    ...bounceNoCookies(0),
    ...many(3, 0.5, 3, (_i, t) => xhr('https://signin.aliyun.com/api/login/getLoginConfig.json', t, { status: 502 })),
    ...many(6, 1, 5, (i, t) => img('img.alicdn.com', i, t)),
    ...control(1, 4),
  ],
});
add({
  name: 'loop-cookies-unknown',
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  note: 'the same loop without cookies in the export and nothing else failing: a loop whose side the evidence does not show — never healthy',
  entries: [...bounceNoCookies(0), ...many(6, 1, 5, (i, t) => img('img.alicdn.com', i, t)), ...control(1, 4)],
});
add({
  name: 'login-loop-session-carried',
  verdict: 'provider',
  cause: 'login-loop',
  note: 'the session cookie goes with every hop (it was set before the capture) and the server still bounces to sign-in',
  entries: [
    ...[0, 1, 2].flatMap((k) => [
      doc('https://ecs.console.aliyun.com/session', k, {
        status: 302,
        redirect: 'https://signin.aliyun.com/login.htm',
        sentCookies: ['login_aliyunid_ticket', 'aliyun_lang'],
      }),
      doc('https://signin.aliyun.com/login.htm', k + 0.3, {
        status: 302,
        redirect: 'https://ecs.console.aliyun.com/session',
        sentCookies: ['login_aliyunid_ticket'],
      }),
    ]),
    ...control(0, 4),
  ],
});
add({
  name: 'forged-port-pictures',
  verdict: 'healthy',
  cause: 'none',
  note: 'a shop page points 30 pictures at oss-cn-hangzhou.aliyuncs.com:9 (a port no service uses): a page can forge that, so it is no evidence',
  entries: [
    ...taobaoPage(0, 12),
    ...many(30, 1, 3, (i, t) => ({
      t,
      url: `https://oss-cn-hangzhou.aliyuncs.com:9/forged/${i}.png`,
      type: 'image',
      error: 'net::ERR_CONNECTION_REFUSED',
    })),
    ...control(2),
  ],
});
add({
  name: 'forged-third-party-page',
  verdict: 'healthy',
  cause: 'none',
  note: 'a page outside the watched sites makes Alibaba CDN pictures fail (503, resets): failures a page can forge are no evidence; the pictures that loaded count',
  entries: [
    doc('https://shop.example.com/', 0, { page: 'page_1' }),
    ...many(6, 1, 3, (i, t) => ({ t, url: `https://shop.example.com/s/${i}.css`, type: 'stylesheet', page: 'page_1' })),
    ...many(20, 1, 5, (i, t) =>
      img(
        'img.alicdn.com',
        i,
        t,
        i % 2 ? { status: 503, page: 'page_1' } : { error: 'net::ERR_CONNECTION_RESET', page: 'page_1' },
      ),
    ),
    ...many(6, 2, 5, (i, t) => img('img.alicdn.com', 40 + i, t, { page: 'page_1' })),
  ],
});

// ---- write -----------------------------------------------------------------------------------------------

/**
 * Write every scenario to `<dir>/har/<name>.har` and the expected verdicts to `<dir>/expected.json` (default: this
 * folder, the committed corpus). corpus.test.ts builds into a temporary folder and compares, so the committed
 * files cannot drift from this builder. Returns the number of scenarios.
 */
export function build(dir: string = HERE): number {
  const harDir = join(dir, 'har');
  mkdirSync(harDir, { recursive: true });
  const expected: Record<string, { verdict: string; cause: string; watchAll?: boolean; note: string }> = {};
  for (const s of S) {
    const entries = [...s.entries].sort((a, b) => a.t - b.t);
    writeFileSync(join(harDir, `${s.name}.har`), JSON.stringify(harOf(entries, s.dialect), null, 1) + '\n');
    expected[s.name] = { verdict: s.verdict, cause: s.cause, ...(s.watchAll ? { watchAll: true } : {}), note: s.note };
  }
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
  return S.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(`wrote ${build()} scenarios`);
