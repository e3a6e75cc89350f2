/**
 * The collector, end to end through Hono's app.request() (and once over a real socket), against BOTH stores.
 * Time is injected; client addresses are injected through the node-server bindings (env.incoming.socket).
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, hashAddress, type AppOptions } from '../../collector/src/app';
import { RedisStore } from '../../collector/src/redis-store';
import { SqliteStore } from '../../collector/src/sqlite-store';
import { spawnRedis, type SpawnedRedis } from '../../collector/src/spawn-redis';
import type { Store } from '../../collector/src/store';
import {
  MAX_BATCH_REPORTS,
  MAX_BODY_BYTES,
  type CrowdReport,
  type ServiceCrowdStatus,
  type StatusResponse,
} from '../../src/core/crowd/protocol';

const T0 = Date.UTC(2025, 5, 10, 12, 0, 30); // 12:00:30 UTC
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const EXT = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

function token(n: number, salt = 0): string {
  return (n + salt * 1_000_000).toString(16).padStart(32, '0');
}

function report(over: Partial<CrowdReport> = {}, now = T0): CrowdReport {
  return {
    service: 'oss',
    phase: 'connection',
    type: 'tcp.reset',
    region: 'cn-hangzhou',
    status: 'none',
    minute: Math.floor(now / MIN) * MIN,
    verdict: 'provider',
    version: '0.1.0',
    token: token(1),
    ...over,
  };
}

let redis: SpawnedRedis;
let prefixSeq = 0;

beforeAll(async () => {
  redis = await spawnRedis(); // throws (fails the suite) when /usr/bin/redis-server is missing
}, 20_000);
afterAll(async () => {
  await redis?.stop();
});

describe.each(['sqlite', 'redis'] as const)('collector with %s store', (kind) => {
  let store: Store;
  let now: number;
  const clock = () => now;

  beforeEach(async () => {
    now = T0;
    store =
      kind === 'sqlite'
        ? new SqliteStore(':memory:')
        : await RedisStore.connect({ url: redis.url, prefix: `t${process.pid}-${++prefixSeq}:` });
  });
  afterEach(async () => {
    await store.close();
  });

  function makeApp(over: Partial<AppOptions> = {}) {
    return createApp({ store, clock, salt: 'test-salt', statusCacheMs: 0, log: () => {}, ...over });
  }
  type App = ReturnType<typeof makeApp>;

  function env(ip: string): HttpBindings {
    return { incoming: { socket: { remoteAddress: ip } } } as unknown as HttpBindings;
  }

  async function post(app: App, body: unknown, ip = '203.0.113.7', headers: Record<string, string> = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.request(
      '/v1/reports',
      {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
      },
      env(ip),
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown>, res };
  }

  /** Distinct counts are exact in SQLite, HyperLogLog estimates in Redis (standard error 0.81%): allow 2%, min 1. */
  function expectDistinct(actual: number, expected: number) {
    if (kind === 'sqlite') expect(actual).toBe(expected);
    else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1, Math.ceil(expected * 0.02)));
  }

  async function status(app: App): Promise<StatusResponse> {
    const res = await app.request('/v1/status', {}, env('198.51.100.1'));
    expect(res.status).toBe(200);
    return (await res.json()) as StatusResponse;
  }

  async function svc(app: App, service = 'oss'): Promise<ServiceCrowdStatus> {
    const s = (await status(app)).services.find((x) => x.service === service);
    if (!s) throw new Error(`no ${service} in status`);
    return s;
  }

  it('accepts a valid batch (202) and counts it', async () => {
    const app = makeApp();
    const r = await post(app, {
      v: 1,
      reports: [report(), report({ token: token(2), phase: 'dns', type: 'dns.failed' })],
    });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ accepted: 2, counted: 2 });
    const s = await svc(app);
    expect(s.reports).toEqual({ m5: 2, m15: 2, m60: 2 });
    expect(s.reporters15).toBe(2);
    expect(s.addresses15).toBe(1);
    expect(s.byPhase15).toEqual({ connection: 1, dns: 1 });
    expect(s.byVerdict15).toEqual({ provider: 2 });
    expect(s.state).toBe('normal');
    const st = await status(app);
    expect(st.services).toHaveLength(14);
    expect(st.services.find((x) => x.service === 'cdn')?.reports).toEqual({ m5: 0, m15: 0, m60: 0 });
  });

  it('400 with a clear one-line message for malformed JSON', async () => {
    const r = await post(makeApp(), '{"v":1,"reports":[');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/^body: malformed JSON \(/);
    expect(String(r.json.error)).not.toContain('\n');
  });

  it('400 for wrong types, unknown services, smuggled paths and queries', async () => {
    const app = makeApp();
    const cases: [unknown, string][] = [
      [[], 'body: expected a JSON object, got an array'],
      [{ v: 2, reports: [report()] }, 'v: expected protocol version 1, got number 2'],
      [{ v: 1, reports: 'x' }, 'reports: expected an array, got "x"'],
      [
        { v: 1, reports: [report({ minute: '12:00' as unknown as number })] },
        'reports[0].minute: expected an integer (ms since epoch), got "12:00"',
      ],
      [
        { v: 1, reports: [report(), report(), report(), report({ service: 'foo' as never })] },
        'reports[3].service: unknown service "foo"',
      ],
      [
        { v: 1, reports: [{ ...report(), path: '/bucket/secret.jpg' }] },
        'reports[0].path: unknown field (reports are origin-level: no host, path, query, cookies or user agent)',
      ],
      [
        { v: 1, reports: [{ ...report(), host: 'oss-cn-hangzhou.aliyuncs.com' }] },
        'reports[0].host: unknown field (reports are origin-level: no host, path, query, cookies or user agent)',
      ],
      [
        { v: 1, reports: [report({ region: 'cn-hangzhou/bucket?x=1' })] },
        'reports[0].region: expected a region like cn-hangzhou, or null, got "cn-hangzhou/bucket?x=1"',
      ],
      [
        { v: 1, reports: [report({ version: '0.1.0?uid=42' })] },
        'reports[0].version: expected a version like 1.2.3, got "0.1.0?uid=42"',
      ],
      [
        { v: 1, reports: [report({ token: 'user@example.com' })] },
        'reports[0].token: expected 32 lower-case hex digits, got "user@example.com"',
      ],
      [{ v: 1, reports: [report(), 7] }, 'reports[1]: expected an object, got number 7'],
    ];
    for (const [body, error] of cases) {
      const r = await post(app, body);
      expect(r.status, error).toBe(400);
      expect(r.json).toEqual({ error });
    }
    expect((await svc(app)).reports.m60).toBe(0);
  });

  it('400 for too many reports', async () => {
    const reports = Array.from({ length: MAX_BATCH_REPORTS + 1 }, (_, i) => report({ token: token(i) }));
    const r = await post(makeApp(), { v: 1, reports });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'reports: too many reports (101, at most 100)' });
  });

  it('413 for an oversize body, from Content-Length or while streaming', async () => {
    const app = makeApp();
    const big = JSON.stringify({ v: 1, reports: [report()], pad: 'x'.repeat(MAX_BODY_BYTES) });
    const r = await post(app, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toBe(`body too large: ${Buffer.byteLength(big)} bytes (limit ${MAX_BODY_BYTES})`);
    // No Content-Length (chunked): the limit is enforced while reading.
    const chunk = new TextEncoder().encode('x'.repeat(8192));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent++ < 10) ctrl.enqueue(chunk);
        else ctrl.close();
      },
    });
    const res = await app.request(
      '/v1/reports',
      { method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit,
      env('203.0.113.7'),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: `body too large (limit ${MAX_BODY_BYTES} bytes)` });
    expect(sent).toBeLessThan(10); // stopped reading early
  });

  it('415 when the body is not declared as JSON', async () => {
    const r = await post(makeApp(), { v: 1, reports: [report()] }, '203.0.113.7', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect(r.json).toEqual({ error: 'content-type: expected application/json' });
  });

  it('a spike from many distinct addresses shows as outage; a smaller one as elevated', async () => {
    const app = makeApp();
    for (let i = 0; i < 6; i++) {
      const r = await post(app, { v: 1, reports: [report({ token: token(i) })] }, `198.18.0.${i + 1}`);
      expect(r.json).toEqual({ accepted: 1, counted: 1 });
    }
    let s = await svc(app);
    expect(s.reports.m15).toBe(6);
    expect(s.addresses15).toBe(6);
    expect(s.state).toBe('elevated');
    for (let i = 6; i < 25; i++) await post(app, { v: 1, reports: [report({ token: token(i) })] }, `198.18.0.${i + 1}`);
    s = await svc(app);
    expect(s.reports).toEqual({ m5: 25, m15: 25, m60: 25 });
    expectDistinct(s.reporters15, 25);
    expect(s.addresses15).toBe(25);
    expect(s.state).toBe('outage');
    expect((await svc(app, 'login')).state).toBe('normal');
    // 16 minutes later the spike has left the 15-minute window but not the hour.
    now += 16 * MIN;
    s = await svc(app);
    expect(s.reports).toEqual({ m5: 0, m15: 0, m60: 25 });
    expect(s.state).toBe('normal');
  });

  it('one address rotating 50 tokens cannot reach outage (nor four addresses with 100)', async () => {
    const app = makeApp();
    const reports = Array.from({ length: 50 }, (_, i) => report({ token: token(i) }));
    const r = await post(app, { v: 1, reports }, '192.0.2.66');
    expect(r.json).toEqual({ accepted: 50, counted: 50 });
    let s = await svc(app);
    expect(s.reports.m15).toBe(50);
    expectDistinct(s.reporters15, 50);
    expect(s.addresses15).toBe(1);
    expect(s.state).toBe('normal');
    for (let a = 2; a <= 4; a++) {
      const more = Array.from({ length: 50 }, (_, i) => report({ token: token(i, a) }));
      await post(app, { v: 1, reports: more }, `192.0.2.${60 + a}`);
    }
    s = await svc(app);
    expect(s.reports.m15).toBe(200);
    expect(s.addresses15).toBe(4);
    expect(s.state).toBe('elevated'); // K = 5 distinct addresses needed for outage
  });

  it('counts the first report per reporter token per service per 15-minute window', async () => {
    const app = makeApp();
    let r = await post(app, { v: 1, reports: [report(), report({ phase: 'tls', type: 'tls.failed' }), report()] });
    expect(r.json).toEqual({ accepted: 3, counted: 1 });
    r = await post(app, { v: 1, reports: [report(), report({ service: 'cdn' })] });
    expect(r.json).toEqual({ accepted: 2, counted: 1 }); // same token, other service counts
    now += 5 * MIN; // still the same window (12:00-12:15)
    r = await post(app, { v: 1, reports: [report({}, now)] });
    expect(r.json).toEqual({ accepted: 1, counted: 0 });
    now = T0 + 15 * MIN; // next window
    r = await post(app, { v: 1, reports: [report({}, now)] });
    expect(r.json).toEqual({ accepted: 1, counted: 1 });
    const s = await svc(app);
    // 12:15:30: the 12:00 report left the 15-minute window (12:01-12:15) but not the hour.
    expect(s.reports).toEqual({ m5: 1, m15: 1, m60: 2 });
    expect(s.reporters15).toBe(1);
  });

  it('does not count stale reports and clamps future minutes to now', async () => {
    const app = makeApp();
    const stale = report({ minute: Math.floor(T0 / MIN) * MIN - 20 * MIN });
    const future = report({ token: token(9), minute: Math.floor(T0 / MIN) * MIN + 30 * MIN });
    const r = await post(app, { v: 1, reports: [stale, future] });
    expect(r.json).toEqual({ accepted: 2, counted: 1 });
    expect((await svc(app)).reports).toEqual({ m5: 1, m15: 1, m60: 1 });
  });

  it('rate limits per client address (429), in the store, across instances', async () => {
    const a = makeApp({ rateLimit: 3 });
    const b = makeApp({ rateLimit: 3 }); // a second instance sharing the store
    const body = { v: 1, reports: [report()] };
    expect((await post(a, body, '192.0.2.1')).status).toBe(202);
    expect((await post(b, body, '192.0.2.1')).status).toBe(202);
    expect((await post(a, body, '192.0.2.1')).status).toBe(202);
    const limited = await post(b, body, '192.0.2.1');
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: 'rate limit: at most 3 requests per minute per address' });
    expect(limited.res.headers.get('retry-after')).toBe('30');
    expect((await post(a, body, '192.0.2.2')).status).toBe(202); // another address is unaffected
    now += MIN;
    expect((await post(a, body, '192.0.2.1')).status).toBe(202); // next window
  });

  it('CORS: extension origins and configured origins only', async () => {
    const app = makeApp({ corsOrigins: ['https://dash.example'] });
    const pre = (origin: string) =>
      app.request(
        '/v1/reports',
        { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } },
        env('192.0.2.9'),
      );
    let res = await pre(EXT);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(EXT);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    res = await pre('moz-extension://0b7a4d5e-1c2f-4b6a-9d8e-7f6a5b4c3d2e');
    expect(res.headers.get('access-control-allow-origin')).toBe('moz-extension://0b7a4d5e-1c2f-4b6a-9d8e-7f6a5b4c3d2e');
    res = await pre('https://dash.example');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    res = await pre('https://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const r = await post(app, { v: 1, reports: [report()] }, '192.0.2.9', { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: 'origin not allowed: https://evil.example' });
    const ok = await post(app, { v: 1, reports: [report()] }, '192.0.2.9', { origin: EXT });
    expect(ok.status).toBe(202);
    expect(ok.res.headers.get('access-control-allow-origin')).toBe(EXT);
    expect((await svc(app)).reports.m15).toBe(1);
  });

  it('prunes minute buckets after 48 h and keeps hourly aggregates for the baseline', async () => {
    const app = makeApp();
    const reports = Array.from({ length: 28 }, (_, i) => report({ token: token(i) }));
    expect((await post(app, { v: 1, reports })).json).toEqual({ accepted: 28, counted: 28 });
    expect(await store.bucketCount()).toBe(1);
    now = T0 + DAY; // same hour of day, next day: baseline = 28 / 7 days / 4 = 1 per 15 minutes
    let s = await svc(app);
    expect(s.baseline15).toBe(1);
    expect(s.reports.m60).toBe(0);
    now = T0 + 47 * HOUR;
    await store.prune(now);
    expect(await store.bucketCount()).toBe(1);
    now = T0 + 49 * HOUR;
    const deleted = await store.prune(now);
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await store.bucketCount()).toBe(0);
    now = T0 + 2 * DAY; // the hourly aggregate survived the prune
    s = await svc(app);
    expect(s.baseline15).toBe(1);
  });

  it('healthz', async () => {
    const res = await makeApp().request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, store: kind });
    const nf = await makeApp().request('/nope');
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: 'not found: GET /nope' });
  });

  it('over a real socket: address from the socket, X-Forwarded-For only when trusted', async () => {
    for (const trustProxy of [false, true]) {
      const s2: Store =
        kind === 'sqlite'
          ? new SqliteStore(':memory:')
          : await RedisStore.connect({ url: redis.url, prefix: `sock${++prefixSeq}:` });
      const app = createApp({ store: s2, clock, salt: 'x', statusCacheMs: 0, trustProxy, log: () => {} });
      let server!: ServerType;
      const info = await new Promise<AddressInfo>((resolve) => {
        server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
      });
      const base = `http://127.0.0.1:${info.port}`;
      try {
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${base}/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.9.9, 100.64.0.${i}` },
            body: JSON.stringify({ v: 1, reports: [report({ token: token(i) })] }),
          });
          expect(res.status).toBe(202);
        }
        const st = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
        expect(st.services.find((x) => x.service === 'oss')?.addresses15).toBe(trustProxy ? 3 : 1);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
        await s2.close();
      }
    }
  });
});

describe('address hashing', () => {
  it('is a truncated HMAC that never contains the address and changes with the daily salt', () => {
    const a = hashAddress('salt-day-1', '203.0.113.7');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(hashAddress('salt-day-1', '203.0.113.7'));
    expect(a).not.toBe(hashAddress('salt-day-2', '203.0.113.7'));
    expect(a).not.toBe(hashAddress('salt-day-1', '203.0.113.8'));
  });
});
