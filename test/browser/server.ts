/**
 * A local fake provider: one HTTP server on one port answers for every mapped provider host (Chromium's
 * --host-resolver-rules send them all here). Handlers are chosen by path; `failureModes` answers the ways a
 * resource can fail at the connection level.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  port: number;
  /** Requests seen, as "host path" (query kept: for the tests' own assertions). */
  seen: string[];
  close(): Promise<void>;
}

/** A 1×1 transparent PNG. */
export const PNG_1x1 = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

export const handlers = {
  png: (): Handler => (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    res.end(PNG_1x1);
  },
  status:
    (code: number, body = '', headers: Record<string, string> = {}): Handler =>
    (_req, res) => {
      res.writeHead(code, { 'content-type': 'text/plain', 'cache-control': 'no-store', ...headers });
      res.end(body);
    },
  /** OSS-style 403 XML error with request-id headers. */
  oss403:
    (requestId: string, ec: string): Handler =>
    (_req, res) => {
      res.writeHead(403, {
        'content-type': 'application/xml',
        'cache-control': 'no-store',
        'x-oss-request-id': requestId,
        'x-oss-ec': ec,
        server: 'AliyunOSS',
      });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>You have no right to access this object.</Message><RequestId>${requestId}</RequestId><EC>${ec}</EC></Error>`,
      );
    },
  /** TCP reset: RST instead of a response. */
  reset: (): Handler => (req) => {
    const s = req.socket as Socket & { resetAndDestroy?: () => void };
    if (s.resetAndDestroy) s.resetAndDestroy();
    else s.destroy();
  },
  /** Connection closed without a byte of response. */
  empty: (): Handler => (req) => {
    req.socket.end();
  },
  html:
    (body: string): Handler =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    },
  json:
    (obj: unknown, status = 200): Handler =>
    (_req, res) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
      });
      res.end(JSON.stringify(obj));
    },
};

/** Handlers keyed by "host path" (exact) or "path" (any host). Unmatched → 404. */
export async function startServer(routes: Record<string, Handler>): Promise<TestServer> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const path = (req.url ?? '/').split('?')[0]!;
    seen.push(`${host} ${req.url}`);
    const h = routes[`${host} ${path}`] ?? routes[path];
    if (h) h(req, res);
    else handlers.status(404, 'not found')(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
