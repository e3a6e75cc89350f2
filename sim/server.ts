/**
 * The provider simulator: ONE port answering HTTP and HTTPS (the first byte of a connection decides) for
 * every impersonated Alibaba-group host and the control sites, routed on the Host header. Chromium reaches it
 * through --host-resolver-rules (see sim/browser.ts). The mode can be switched while the browser runs:
 *
 *   POST http://127.0.0.1:PORT/__sim/mode  {"mode":"ak-outage"}     GET http://127.0.0.1:PORT/__sim/state
 *
 * The simulator records when it served the first failure after each mode switch (`firstFailureAt`): the
 * start of the detection-latency clock.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { generateCerts, type SimCerts } from './ca';
import { consolePage, controlPage, pictureSvg, shopPage, simplePage, yuquePage } from './pages';

export const MODES = [
  'healthy',
  'ak-outage',
  'cdn-failure',
  'yuque-5xx',
  'undefined-images',
  'clock-skew',
  'tls-intercept',
] as const;
export type SimMode = (typeof MODES)[number];

/** Control sites: not in the extension's catalogue. */
export const CONTROL_HOSTS = ['www.baidu.com', 'www.qq.com', 'www.163.com', 'www.bing.com'];
/** Public DoH resolvers the extension's DNS probe may ask (answered here: no real network). */
export const DOH_HOSTS = ['doh.pub', 'dns.alidns.com'];

/** Clock-skew mode: the simulated servers' clocks are this far ahead of the user's (so the user's is 3 h behind). */
export const SKEW_MS = 3 * 3600_000;

export interface SimState {
  mode: SimMode;
  /** When the current mode was set (ms since epoch). */
  since: number;
  /** First failure served in the current mode (ms since epoch), or null. */
  firstFailureAt: number | null;
  failures: number;
  requests: number;
}

export interface Sim {
  port: number;
  certs: SimCerts;
  /** The control API base, e.g. http://127.0.0.1:PORT/__sim */
  controlUrl: string;
  setMode(mode: SimMode): SimState;
  state(): SimState;
  /** Last requests, "mode host path status" (newest last, at most 2000). */
  log: string[];
  close(): Promise<void>;
}

const NO_STORE = { 'cache-control': 'no-store' };

function ossRequestId(): string {
  return Array.from({ length: 24 }, () => '0123456789ABCDEF'[Math.floor(Math.random() * 16)]).join('');
}
function uuid(): string {
  return crypto.randomUUID().toUpperCase();
}

/** Start the simulator on `port` (0 = any free port) on 127.0.0.1. */
export async function startSim(opts: { port?: number; mode?: SimMode; quiet?: boolean } = {}): Promise<Sim> {
  const certs = generateCerts();
  const goodCtx: SecureContext = createSecureContext({ key: certs.good.key, cert: certs.good.cert });
  const badCtx: SecureContext = createSecureContext({ key: certs.bad.key, cert: certs.bad.cert });
  // Everything is in memory now: remove the key files at once (nothing left behind if the process is killed).
  certs.cleanup();
  let st: SimState = {
    mode: opts.mode ?? 'healthy',
    since: Date.now(),
    firstFailureAt: null,
    failures: 0,
    requests: 0,
  };
  const log: string[] = [];
  const sockets = new Set<Socket>();
  /** TLS socket → the raw TCP socket under it (to send a real RST). */
  const rawOf = new WeakMap<object, Socket>();

  const fail = () => {
    st.failures++;
    if (st.firstFailureAt === null) st.firstFailureAt = Date.now();
  };

  function setMode(mode: SimMode): SimState {
    if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}; one of ${MODES.join(', ')}`);
    const tlsChanged = (mode === 'tls-intercept') !== (st.mode === 'tls-intercept');
    st = { mode, since: Date.now(), firstFailureAt: null, failures: 0, requests: 0 };
    // Certificates are chosen per handshake: drop pooled connections so the next request handshakes again.
    if (tlsChanged) for (const s of sockets) s.destroy();
    if (!opts.quiet) console.log(`[sim] mode → ${mode}`);
    return { ...st };
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (host === '127.0.0.1' || host === 'localhost') return control(req, res, path);
    st.requests++;
    const mode = st.mode;
    const date = new Date(Date.now() + (mode === 'clock-skew' ? SKEW_MS : 0)).toUTCString();
    res.setHeader('Date', date);
    res.on('finish', () => {
      log.push(`${mode} ${host} ${path} ${res.statusCode}`);
      if (log.length > 2000) log.splice(0, log.length - 2000);
    });
    route(host, path, url.searchParams, req, res, mode);
  };

  function reset(req: IncomingMessage) {
    fail();
    log.push(`${st.mode} ${req.headers.host} ${req.url} RESET`);
    const s = req.socket as Socket;
    const raw = rawOf.get(s) ?? s;
    if (typeof raw.resetAndDestroy === 'function') raw.resetAndDestroy();
    else raw.destroy();
  }

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': type, ...NO_STORE, ...headers });
    res.end(body);
  };
  const html = (res: ServerResponse, body: string, status = 200, headers: Record<string, string> = {}) =>
    send(res, status, 'text/html; charset=utf-8', body, headers);
  const json = (res: ServerResponse, obj: unknown, status = 200, headers: Record<string, string> = {}) =>
    send(res, status, 'application/json;charset=utf-8', JSON.stringify(obj), {
      'access-control-allow-origin': '*',
      ...headers,
    });
  const svg = (res: ServerResponse, seed: string, headers: Record<string, string> = {}) =>
    send(res, 200, 'image/svg+xml', pictureSvg(seed), headers);
  const cookieOf = (req: IncomingMessage, name: string) =>
    (req.headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith(name + '='));

  function route(
    host: string,
    path: string,
    q: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
    mode: SimMode,
  ) {
    const cdnHeaders = {
      server: 'Tengine',
      via: 'cache13.l2cn3051[0,0,200-0,H], cache4.cn1433[1,0]',
      'x-cache': 'HIT TCP_MEM_HIT dirn:-2:-2',
      eagleid: '7ae4d9a71699781740388' + String(st.requests).padStart(4, '0') + 'e',
    };
    switch (host) {
      case 'www.taobao.com':
      case 'taobao.com': {
        if (path === '/' || path === '/index.htm')
          return html(res, shopPage({ undefinedImages: mode === 'undefined-images' ? 6 : 0 }), 200, {
            'eagleeye-traceid': uuid().replace(/-/g, '').slice(0, 30),
          });
        if (path === '/undefined' || path === '/null') {
          fail();
          return html(res, simplePage('404 - 页面不存在', '<p>亲，您访问的页面不存在</p>'), 404);
        }
        if (path === '/my/' || path === '/my/index.htm') {
          if (cookieOf(req, 'cookie2')) return html(res, simplePage('我的淘宝', '<p>已登录：tb_simulated_user</p>'));
          res.writeHead(302, {
            location: `https://login.taobao.com/member/login.jhtml?redirectURL=${encodeURIComponent('https://www.taobao.com/my/')}`,
            ...NO_STORE,
          });
          return res.end();
        }
        break;
      }
      case 'login.taobao.com': {
        const back = q.get('redirectURL') ?? 'https://www.taobao.com/';
        const attrs = 'Domain=.taobao.com; Path=/; Secure; SameSite=None; Max-Age=86400';
        res.writeHead(302, {
          location: back,
          'set-cookie': [
            `cookie2=1f2e3d4c5b6a${Date.now() % 1000}; ${attrs}; HttpOnly`,
            `_tb_token_=e3f8a1b2c4d5; ${attrs}`,
            `unb=2206000000; ${attrs}`,
          ],
          ...NO_STORE,
        });
        return res.end();
      }
      case 'img.alicdn.com':
      case 'g.alicdn.com': {
        if (path.startsWith('/blocked/')) return svg(res, path, cdnHeaders);
        const m = /item(\d+)_/.exec(path);
        const i = m ? Number(m[1]) : 0;
        if (mode === 'cdn-failure' && i % 3 === 1) return reset(req);
        if (mode === 'cdn-failure' && i % 3 === 2) {
          fail();
          return send(res, 504, 'text/html', '<html><body><h1>504 Gateway Time-out</h1><hr>Tengine</body></html>', {
            ...cdnHeaders,
            'x-cache': 'MISS TCP_MISS dirn:-2:-2',
          });
        }
        return svg(res, path, cdnHeaders);
      }
      case 'h5api.m.taobao.com': {
        const api = path.split('/')[2] ?? 'mtop.unknown';
        return send(
          res,
          200,
          'application/json;charset=UTF-8',
          JSON.stringify({ api, v: '1.0', ret: ['SUCCESS::调用成功'], data: { items: [] } }),
          {
            'access-control-allow-origin': 'https://www.taobao.com',
            'access-control-allow-credentials': 'true',
            'eagleeye-traceid': uuid().replace(/-/g, '').slice(0, 30),
          },
        );
      }
      case 'ecs.console.aliyun.com': {
        if (path === '/' || path === '/index.htm') return html(res, consolePage());
        if (path.startsWith('/api/')) {
          if (mode === 'ak-outage') {
            fail();
            return json(
              res,
              {
                code: 'ServiceUnavailable',
                message: 'The request has failed due to a temporary failure of the server.',
                requestId: uuid(),
                successResponse: false,
              },
              503,
            );
          }
          return json(res, { code: '200', data: { total: 2 }, successResponse: true });
        }
        if (path === '/session') {
          // The console checks the login ticket with the AK/identity service; during the outage it is refused
          // and the user is sent back to sign in, again and again.
          if (mode !== 'ak-outage' && cookieOf(req, 'login_aliyunid_ticket'))
            return html(res, simplePage('已登录', '<p>login ok</p>', '#ff6a00'));
          if (mode === 'ak-outage') fail();
          res.writeHead(302, {
            location: `https://signin.aliyun.com/login.htm?callback=${encodeURIComponent('https://ecs.console.aliyun.com/session')}`,
            ...NO_STORE,
          });
          return res.end();
        }
        break;
      }
      case 'signin.aliyun.com':
      case 'account.aliyun.com': {
        const back = q.get('callback') ?? 'https://ecs.console.aliyun.com/';
        const attrs = 'Domain=.aliyun.com; Path=/; Secure; SameSite=None; Max-Age=86400';
        res.writeHead(302, {
          location: back,
          'set-cookie': [
            `login_aliyunid_ticket=Yx1F${Date.now() % 100000}; ${attrs}; HttpOnly`,
            `login_aliyunid_pk=1234567890123456; ${attrs}`,
          ],
          ...NO_STORE,
        });
        return res.end();
      }
      case 'ecs.cn-hangzhou.aliyuncs.com': {
        const requestId = uuid();
        const acs = { 'x-acs-request-id': requestId, 'x-acs-trace-id': requestId.replace(/-/g, '').toLowerCase() };
        if (mode === 'ak-outage') {
          fail();
          return json(
            res,
            {
              RequestId: requestId,
              HostId: 'ecs.cn-hangzhou.aliyuncs.com',
              Code: 'InvalidAccessKeyId.NotFound',
              Message: 'Specified access key is not found.',
              Recommend: `https://api.aliyun.com/troubleshoot?q=InvalidAccessKeyId.NotFound&product=Ecs&requestId=${requestId}`,
            },
            404,
            acs,
          );
        }
        if (mode === 'clock-skew') {
          fail();
          return json(
            res,
            {
              RequestId: requestId,
              HostId: 'ecs.cn-hangzhou.aliyuncs.com',
              Code: 'InvalidTimeStamp.Expired',
              Message: 'Specified time stamp or date value is expired.',
            },
            400,
            acs,
          );
        }
        const action = q.get('Action') ?? 'DescribeInstances';
        const body =
          action === 'DescribeInstances'
            ? {
                RequestId: requestId,
                TotalCount: 2,
                Instances: {
                  Instance: [
                    { InstanceId: 'i-bp1sim0000000000001', InstanceName: 'web-1', Status: 'Running' },
                    { InstanceId: 'i-bp1sim0000000000002', InstanceName: 'db-1', Status: 'Running' },
                  ],
                },
              }
            : { RequestId: requestId, TotalCount: 0 };
        return json(res, body, 200, acs);
      }
      case 'bucket.oss-cn-hangzhou.aliyuncs.com': {
        const id = ossRequestId();
        const ossH = {
          server: 'AliyunOSS',
          'x-oss-request-id': id,
          'x-oss-server-time': '12',
          'access-control-allow-origin': '*',
        };
        const signed = q.has('OSSAccessKeyId');
        const err = (code: string, msg: string, ec: string, extra = '') => {
          fail();
          send(
            res,
            403,
            'application/xml',
            `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${msg}</Message>\n  <RequestId>${id}</RequestId>\n  <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>\n${extra}  <EC>${ec}</EC>\n  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=${ec}</RecommendDoc>\n</Error>\n`,
            { ...ossH, 'x-oss-ec': ec },
          );
        };
        if (signed && mode === 'ak-outage')
          return err(
            'InvalidAccessKeyId',
            'The OSS Access Key Id you provided does not exist in our records.',
            '0002-00000902',
            `  <OSSAccessKeyId>${q.get('OSSAccessKeyId')}</OSSAccessKeyId>\n`,
          );
        if (signed && mode === 'clock-skew')
          return err(
            'RequestTimeTooSkewed',
            'The difference between the request time and the current time is too large.',
            '0002-00000504',
            `  <RequestTime>${new Date().toISOString()}</RequestTime>\n  <ServerTime>${new Date(Date.now() + SKEW_MS).toISOString()}</ServerTime>\n  <MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>\n`,
          );
        if (path.endsWith('.json'))
          return send(res, 200, 'application/json', JSON.stringify({ ok: true, object: path }), {
            ...ossH,
            etag: '"5B3C1A2B"',
          });
        return svg(res, path, ossH);
      }
      case 'www.yuque.com':
      case 'yuque.com': {
        if (path === '/' || path === '/dashboard') return html(res, yuquePage());
        if (path.startsWith('/api/')) {
          if (mode === 'yuque-5xx') {
            fail();
            const code = st.failures % 2 ? 502 : 503;
            return send(
              res,
              code,
              'text/html',
              `<html><head><title>${code}</title></head><body><center><h1>${code} ${code === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'}</h1></center><hr><center>Tengine</center></body></html>`,
              { server: 'Tengine' },
            );
          }
          return json(res, { data: [{ id: 1, name: '团队知识库' }] });
        }
        break;
      }
      case 'cdn.nlark.com':
      case 'gw.alipayobjects.com':
        return svg(res, path, cdnHeaders);
      case 'www.baidu.com':
      case 'www.qq.com':
      case 'www.163.com':
      case 'www.bing.com': {
        if (path === '/logo.png') return svg(res, host);
        if (path === '/favicon.ico')
          return send(res, 200, 'image/svg+xml', pictureSvg(host), { 'access-control-allow-origin': '*' });
        return html(res, controlPage(host));
      }
      case 'doh.pub':
      case 'dns.alidns.com': {
        // A public resolver's view: the provider's names exist (DNS at the provider is fine in every mode).
        const name = (q.get('name') ?? '').toLowerCase();
        const exists =
          /(^|\.)(taobao|alicdn|aliyun|aliyuncs|yuque|nlark|alipayobjects|tmall|baidu|qq|163|bing)\.com$/.test(name) &&
          !name.startsWith('nx.');
        return send(
          res,
          200,
          'application/dns-json',
          JSON.stringify({
            Status: exists ? 0 : 3,
            TC: false,
            RD: true,
            RA: true,
            AD: false,
            CD: false,
            Question: [{ name: name + '.', type: 1 }],
            Answer: exists ? [{ name: name + '.', type: 1, TTL: 60, data: '127.0.0.1' }] : undefined,
          }),
          { 'access-control-allow-origin': '*' },
        );
      }
      case 'status.aliyun.com': {
        // The official status page lags (2023-11-12: first notice ~35 min after onset): no events here.
        if (path.startsWith('/api/status/')) return json(res, { success: true, code: 200, data: [] });
        return html(res, simplePage('阿里云健康看板', '<p>所有服务运行正常</p>', '#ff6a00'));
      }
    }
    send(res, 404, 'text/html', '<h1>404 Not Found</h1>', { server: 'Tengine' });
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string) {
    const reply = (status: number, obj: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ...NO_STORE });
      res.end(JSON.stringify(obj));
    };
    if (path === '/__sim/state') return reply(200, { ...st, modes: MODES, spki: certs.good.spki });
    if (path === '/__sim/log') return reply(200, log.slice(-200));
    if (path === '/__sim/mode' && req.method === 'POST') {
      let body = '';
      for await (const c of req) body += c;
      try {
        const { mode } = JSON.parse(body || '{}') as { mode: SimMode };
        return reply(200, setMode(mode));
      } catch (e) {
        return reply(400, { error: String((e as Error).message) });
      }
    }
    reply(404, { error: 'POST /__sim/mode {mode} | GET /__sim/state | GET /__sim/log' });
  }

  const httpServer: HttpServer = createHttpServer(handler);
  const httpsServer: HttpsServer = createHttpsServer(
    {
      SNICallback: (name, cb) =>
        cb(
          null,
          st.mode === 'tls-intercept' &&
            !CONTROL_HOSTS.includes(name) &&
            !DOH_HOSTS.includes(name) &&
            name !== 'localhost'
            ? badCtx
            : goodCtx,
        ),
      key: certs.good.key,
      cert: certs.good.cert,
    },
    handler,
  );
  httpsServer.on('secureConnection', (tls: TLSSocket) => {
    const raw = (tls as unknown as { _parent?: Socket })._parent;
    if (raw) rawOf.set(tls, raw);
  });
  httpsServer.on('tlsClientError', () => undefined);
  for (const s of [httpServer, httpsServer]) s.keepAliveTimeout = 2000;

  const net: NetServer = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.once('data', (buf) => {
      sock.pause();
      sock.unshift(buf);
      (buf[0] === 0x16 ? httpsServer : httpServer).emit('connection', sock);
      process.nextTick(() => sock.resume());
    });
  });
  await new Promise<void>((r) => net.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (net.address() as AddressInfo).port;
  return {
    port,
    certs,
    controlUrl: `http://127.0.0.1:${port}/__sim`,
    setMode,
    state: () => ({ ...st }),
    log,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        net.close(() => {
          certs.cleanup();
          r();
        });
      }),
  };
}
