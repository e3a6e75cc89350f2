/**
 * The collector, end to end through Hono's app.request() (and once over a real socket), against BOTH stores.
 * Time is injected; client addresses are injected through the node-server bindings (env.incoming.socket).
 * The attacks of docs/crowd-protocol.md ("Abuse resistance") are scripted here and must not move state or baseline.
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, hashWithSalt, keyMatches, type AppOptions } from '../../collector/src/app';
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
const TEAM_KEY = 'team-key-0123456789abcdef';

function token(n: number, salt = 0): string {
  return (n + salt * 1_000_000).toString(16).padStart(32, '0');
}

/** The i-th address of a spread-out population: every address on its own /16. */
const spread = (i: number) => `${11 + (i % 200)}.${Math.floor(i / 200) % 250}.${i % 7}.${1 + (i % 250)}`;

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

  function report(over: Partial<CrowdReport> = {}): CrowdReport {
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

  async function openStore(): Promise<Store> {
    return kind === 'sqlite'
      ? new SqliteStore(':memory:')
      : RedisStore.connect({ url: redis.url, prefix: `t${process.pid}-${++prefixSeq}:`, log: () => {} });
  }

  beforeEach(async () => {
    now = T0;
    store = await openStore();
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

  /** One report about `service` from each address (its own token), in the current minute. */
  async function crowd(app: App, addresses: string[], over: Partial<CrowdReport> = {}, headers = {}) {
    for (let i = 0; i < addresses.length; i++) {
      const r = await post(app, { v: 1, reports: [report({ token: token(i, 7), ...over })] }, addresses[i], headers);
      expect(r.status).toBe(202);
    }
  }

  /** Distinct counts are exact in SQLite, HyperLogLog estimates in Redis (standard error 0.81%): allow 2%, min 1. */
  function expectDistinct(actual: number, expected: number) {
    if (kind === 'sqlite') expect(actual).toBe(expected);
    else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1, Math.ceil(expected * 0.02)));
  }

  async function status(app: App, headers: Record<string, string> = {}): Promise<StatusResponse> {
    const res = await app.request('/v1/status', { headers }, env('198.51.100.1'));
    expect(res.status).toBe(200);
    return (await res.json()) as StatusResponse;
  }

  async function svc(app: App, service = 'oss'): Promise<ServiceCrowdStatus> {
    const s = (await status(app)).services.find((x) => x.service === service);
    if (!s) throw new Error(`no ${service} in status`);
    return s;
  }

  it('counts a report as one vote for its service in the current minute, and says so in the status', async () => {
    const app = makeApp();
    const r = await post(app, {
      v: 1,
      reports: [report(), report({ phase: 'dns', type: 'dns.failed' }), report({ service: 'cdn', verdict: 'unclear' })],
    });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ accepted: 3, counted: 2 }); // oss once (first report decides), cdn once
    const st = await status(app);
    expect(st.mode).toBe('public');
    expect(st.services).toHaveLength(14);
    const oss = st.services.find((x) => x.service === 'oss')!;
    expect(oss.reports).toEqual({ m5: 1, m15: 1, m60: 1 });
    expect(oss).toMatchObject({ voters15: 1, voters60: 1, networks15: 1, state: 'normal', baseline15: 0 });
    expect(oss.byPhase15).toEqual({ connection: 1 });
    expect(oss.byVerdict15).toEqual({ provider: 1 });
    expect(oss.perMinute).toHaveLength(60);
    expect(oss.perMinute.at(-1)).toBe(1);
    expect(oss.perMinute.slice(0, 59).every((n) => n === 0)).toBe(true);
    expect(st.services.find((x) => x.service === 'cdn')!.byVerdict15).toEqual({ unclear: 1 });
    expect(st.services.find((x) => x.service === 'login')!.reports).toEqual({ m5: 0, m15: 0, m60: 0 });
  });

  it('400 with a clear one-line message for malformed JSON', async () => {
    const r = await post(makeApp(), '{"v":1,"reports":[');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/^body: malformed JSON \(/);
    expect(String(r.json.error)).not.toContain('\n');
  });

  it('400 for wrong types, unknown services, smuggled paths, mixed tokens and user-side verdicts', async () => {
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
        { v: 1, reports: [report({ region: 'cn-hangzhou/bucket?x=1' })] },
        'reports[0].region: expected a region like cn-hangzhou, or null, got "cn-hangzhou/bucket?x=1"',
      ],
      [
        { v: 1, reports: [report({ token: 'user@example.com' })] },
        'reports[0].token: expected 32 lower-case hex digits, got "user@example.com"',
      ],
      [
        { v: 1, reports: [report(), report({ token: token(2) })] },
        'reports[1].token: every report of a batch carries the same reporter token',
      ],
      [{ v: 1, reports: [report({ verdict: 'user' as never })] }, 'reports[0].verdict: unknown verdict "user"'],
      [{ v: 1, reports: [report(), 7] }, 'reports[1]: expected an object, got number 7'],
    ];
    for (const [body, error] of cases) {
      const r = await post(app, body);
      expect(r.status, error).toBe(400);
      expect(r.json).toEqual({ error });
    }
    expect((await svc(app)).reports.m60).toBe(0);
  });

  it('400 for too many reports, 413 for an oversize body (header or stream), 415 for a non-JSON type', async () => {
    const app = makeApp();
    const many = Array.from({ length: MAX_BATCH_REPORTS + 1 }, () => report());
    expect((await post(app, { v: 1, reports: many })).json).toEqual({
      error: 'reports: too many reports (101, at most 100)',
    });
    const big = JSON.stringify({ v: 1, reports: [report()], pad: 'x'.repeat(MAX_BODY_BYTES) });
    const r = await post(app, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toBe(`body too large: ${Buffer.byteLength(big)} bytes (limit ${MAX_BODY_BYTES})`);
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
    expect(sent).toBeLessThan(10); // stopped reading early
    const t = await post(app, { v: 1, reports: [report()] }, '203.0.113.7', { 'content-type': 'text/plain' });
    expect(t.status).toBe(415);
    expect(t.json).toEqual({ error: 'content-type: expected application/json' });
  });

  it('a voter votes once per service per minute; stale reports never count', async () => {
    const app = makeApp();
    expect((await post(app, { v: 1, reports: [report()] })).json).toEqual({ accepted: 1, counted: 1 });
    expect((await post(app, { v: 1, reports: [report({ phase: 'tls', type: 'tls.failed' })] })).json).toEqual({
      accepted: 1,
      counted: 0,
    });
    const stale = report({ service: 'cdn', minute: Math.floor(now / MIN) * MIN - 20 * MIN });
    expect((await post(app, { v: 1, reports: [stale] })).json).toEqual({ accepted: 1, counted: 0 });
    now += MIN;
    expect((await post(app, { v: 1, reports: [report()] })).json).toEqual({ accepted: 1, counted: 1 });
    const s = await svc(app);
    expect(s.reports).toEqual({ m5: 2, m15: 2, m60: 2 });
    expect(s.voters15).toBe(1); // two votes, one voter
    expect(s.perMinute.slice(-2)).toEqual([1, 1]);
    expect((await svc(app, 'cdn')).reports.m60).toBe(0);
  });

  it('attack: one address rotating tokens is one voter, rate-limited, and moves neither state nor baseline', async () => {
    const app = makeApp({ rateLimit: 60 });
    let accepted = 0;
    let limited = 0;
    for (let i = 0; i < 100; i++) {
      const reports = Array.from({ length: 20 }, () => report({ token: token(i, 3) }));
      const r = await post(app, { v: 1, reports }, '192.0.2.66');
      if (r.status === 202) accepted++;
      if (r.status === 429) limited++;
    }
    expect(accepted).toBe(60);
    expect(limited).toBe(40);
    const s = await svc(app);
    expect(s.reports.m15).toBe(1);
    expect(s.voters15).toBe(1);
    expect(s.state).toBe('normal');
    // A whole hour of it, then the next day at the same hour: the baseline is still zero.
    for (let m = 1; m < 60; m++) {
      now += MIN;
      await post(app, { v: 1, reports: [report({ token: token(m, 4) })] }, '192.0.2.66');
    }
    expect((await svc(app)).voters60).toBe(1);
    now = T0 + HOUR + 2 * MIN;
    await svc(app); // rolls up the hour: one voter per quarter
    expect((await store.rollups(T0 - MIN, T0 + HOUR)).filter((r) => r.service === 'oss').map((r) => r.voters)).toEqual([
      1, 1, 1, 1,
    ]);
    now = T0 + DAY;
    expect((await svc(app)).baseline15).toBe(0); // one voter, one day of seven: the median is 0
  });

  it('attack: five addresses cannot raise a service; twenty on one network cannot either', async () => {
    const app = makeApp();
    await crowd(app, ['192.0.2.66', '198.51.100.7', '203.0.113.9', '100.64.1.1', '172.16.5.5']);
    let s = await svc(app);
    expect(s.voters15).toBe(5);
    expect(s.networks15).toBe(5);
    expect(s.state).toBe('normal');
    // Twenty addresses of one /16 (one provider's block): not spread over networks.
    await crowd(
      app,
      Array.from({ length: 20 }, (_, i) => `198.18.${i}.1`),
      { token: token(1, 9) },
    );
    s = await svc(app);
    expectDistinct(s.voters15, 25);
    expect(s.networks15).toBe(6);
    expect(s.state).toBe('elevated'); // 25 voters, but on 6 networks: the outage needs 10
  });

  it('a real outage: many addresses over many networks turn a service to outage, and it passes', async () => {
    const app = makeApp();
    await crowd(
      app,
      Array.from({ length: 9 }, (_, i) => spread(i)),
    );
    expect((await svc(app)).state).toBe('elevated');
    await crowd(
      app,
      Array.from({ length: 21 }, (_, i) => spread(100 + i)),
    );
    const s = await svc(app);
    expectDistinct(s.voters15, 30);
    expectDistinct(s.networks15, 30);
    expect(s.state).toBe('outage');
    expect((await svc(app, 'login')).state).toBe('normal');
    now += 16 * MIN; // out of the 15-minute window, still in the hour
    const later = await svc(app);
    expect(later.state).toBe('normal');
    expect(later.reports).toEqual({ m5: 0, m15: 0, m60: 30 });
    expectDistinct(later.voters60, 30);
  });

  it('attack: IPv6 — one /64 is one voter; many /64s of one /48 are one network', async () => {
    const app = makeApp();
    await crowd(
      app,
      Array.from({ length: 40 }, (_, i) => `2001:db8:aa:1::${(i + 1).toString(16)}`),
    );
    let s = await svc(app);
    expect(s.voters15).toBe(1);
    expect(s.state).toBe('normal');
    await crowd(
      app,
      Array.from({ length: 40 }, (_, i) => `2001:db8:aa:${(i + 2).toString(16)}::1`),
      { token: token(2, 5) },
    );
    s = await svc(app);
    expectDistinct(s.voters15, 41);
    expect(s.networks15).toBe(1);
    expect(s.state).toBe('normal');
    // The same /64 shares one rate limit.
    const limitedApp = makeApp({ rateLimit: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await post(limitedApp, { v: 1, reports: [report()] }, `2001:db8:bb:1::${i + 1}`)).status);
    expect(codes).toEqual([202, 202, 202, 429]);
  });

  it('attack: a flooded hour does not poison the baseline; a real outage the next day reads outage', async () => {
    const app = makeApp({ rateLimit: 0 });
    const H = Date.UTC(2025, 5, 10, 9, 0, 30);
    // Day 0, 09:00-10:00: a flood from 60 addresses on 60 networks (a botnet), every three minutes.
    const bots = Array.from({ length: 60 }, (_, i) => spread(1000 + i));
    for (let m = 0; m < 60; m += 3) {
      now = H + m * MIN;
      await crowd(app, bots, { token: token(m, 11) });
    }
    now = H + HOUR + 2 * MIN;
    await svc(app); // rolls up the flooded quarters
    // Day 1, 09:05: a real outage reported from 300 addresses.
    now = H + DAY + 5 * MIN;
    await crowd(
      app,
      Array.from({ length: 300 }, (_, i) => spread(3000 + i)),
      { token: token(1, 13) },
    );
    let s = await svc(app);
    expect(s.baseline15).toBe(0); // median of 0, 0, 0, 0, 0, 0, 60
    expectDistinct(s.voters15, 300);
    expect(s.state).toBe('outage');
    now = H + DAY + HOUR + 2 * MIN;
    await svc(app);
    // Days 2-6: an ordinary 09:00 hour, four voters per quarter. Day 1's outage is in the history too.
    for (let d = 2; d <= 6; d++) {
      for (let q = 0; q < 4; q++) {
        now = H + d * DAY + q * 15 * MIN;
        await crowd(
          app,
          Array.from({ length: 4 }, (_, i) => spread(2000 + d * 10 + i)),
          { token: token(d, 12) },
        );
      }
      now = H + d * DAY + HOUR + 2 * MIN;
      await svc(app);
    }
    // Day 7, 09:05: the usual four, then another real outage.
    now = H + 7 * DAY + 5 * MIN;
    await crowd(
      app,
      Array.from({ length: 4 }, (_, i) => spread(2100 + i)),
      { token: token(7, 12) },
    );
    s = await svc(app);
    expect(s.baseline15).toBe(4); // median of 60 (flood), 75 (day 1's outage), 4, 4, 4, 4, 4
    expect(s.state).toBe('normal');
    await crowd(
      app,
      Array.from({ length: 300 }, (_, i) => spread(4000 + i)),
      { token: token(1, 14) },
    );
    s = await svc(app);
    expect(s.state).toBe('outage');
  }, 60_000);

  it('rate limits per address (429 with Retry-After), in the store, across instances', async () => {
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

  it('team mode: the key is required; people behind one office address are different voters', async () => {
    const app = makeApp({ mode: 'team', teamKeys: ['other-key-000000000000', TEAM_KEY], rateLimit: 2 });
    const auth = { authorization: `Bearer ${TEAM_KEY}` };
    expect(await post(app, { v: 1, reports: [report()] })).toMatchObject({
      status: 401,
      json: { error: 'team key required: this is a team collector (Authorization: Bearer <team key>)' },
    });
    expect(
      await post(app, { v: 1, reports: [report()] }, '203.0.113.7', { authorization: 'Bearer wrong-key-0000000000' }),
    ).toMatchObject({ status: 403, json: { error: 'team key not accepted' } });
    expect((await svc(app)).reports.m60).toBe(0);
    // Six colleagues behind one NAT address.
    for (let i = 0; i < 6; i++) {
      const r = await post(app, { v: 1, reports: [report({ token: token(i, 21) })] }, '203.0.113.50', auth);
      expect(r.json).toEqual({ accepted: 1, counted: 1 });
    }
    const st = await status(app);
    expect(st.mode).toBe('team');
    const oss = st.services.find((x) => x.service === 'oss')!;
    expectDistinct(oss.voters15, 6);
    expect(oss.state).toBe('outage'); // team minimums: 5 people
    // Rate limit per reporter token.
    const one = { v: 1, reports: [report({ token: token(99, 21) })] };
    expect((await post(app, one, '203.0.113.50', auth)).status).toBe(202);
    expect((await post(app, one, '203.0.113.50', auth)).status).toBe(202);
    const limited = await post(app, one, '203.0.113.50', auth);
    expect(limited.status).toBe(429);
    expect(limited.json.error).toBe('rate limit: at most 2 requests per minute per reporter');
  });

  it('team mode with COLLECTOR_STATUS_NEEDS_KEY: the status needs the key too', async () => {
    const app = makeApp({ mode: 'team', teamKeys: [TEAM_KEY], statusNeedsKey: true });
    expect((await app.request('/v1/status', {}, env('198.51.100.1'))).status).toBe(401);
    const st = await status(app, { authorization: `Bearer ${TEAM_KEY}` });
    expect(st.services).toHaveLength(14);
  });

  it('CORS: extension origins and configured origins only, Authorization allowed', async () => {
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
    expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization');
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
    expect(ok.res.headers.get('access-control-expose-headers')).toBe('Retry-After'); // a 429's back-off is readable
  });

  it('keeps votes 2 h and quarter-hour rollups 8 days', async () => {
    const app = makeApp();
    await crowd(
      app,
      Array.from({ length: 8 }, (_, i) => spread(i)),
    );
    expect(await store.volume()).toBe(8);
    now = T0 + HOUR + 59 * MIN;
    await store.prune(now);
    expect(await store.volume()).toBe(8);
    await svc(app); // rolls up 12:00-12:15
    now = T0 + 2 * HOUR + 2 * MIN;
    expect(await store.prune(now)).toBeGreaterThanOrEqual(1);
    expect(await store.volume()).toBe(0);
    now = T0 + DAY; // the rollup survived: 8 voters in one quarter of the hour, one day of seven
    expect((await svc(app)).baseline15).toBe(0);
    expect((await store.rollups(T0 - MIN, T0 + 15 * MIN)).find((r) => r.service === 'oss')?.voters).toBe(8);
    await store.prune(T0 + 9 * DAY);
    expect(await store.rollups(T0 - MIN, T0 + 15 * MIN)).toEqual([]);
  });

  it('healthz, 404, and the status page with its CSP', async () => {
    const app = makeApp();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, state: 'ok', store: kind, mode: 'public' });
    const nf = await app.request('/nope');
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: 'not found: GET /nope' });
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-/);
    const html = await page.text();
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//); // no external assets
    expect(html).toContain('对象存储 OSS'); // both languages are in the page
    expect(html).toContain('Object Storage (OSS)');
  });

  it('over a real socket: address from the socket, X-Forwarded-For only when trusted', async () => {
    for (const trustProxy of [false, true]) {
      const s2 = await openStore();
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
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.9.9, 100.${64 + i}.0.1` },
            body: JSON.stringify({ v: 1, reports: [report({ token: token(i) })] }),
          });
          expect(res.status).toBe(202);
        }
        const st = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
        expect(st.services.find((x) => x.service === 'oss')?.voters15).toBe(trustProxy ? 3 : 1);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
        await s2.close();
      }
    }
  });
});

describe('hashing and keys', () => {
  it('a voter is a truncated HMAC that never contains the address and changes with the daily salt', () => {
    const a = hashWithSalt('salt-day-1', 'v:203.0.113.7');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(hashWithSalt('salt-day-1', 'v:203.0.113.7'));
    expect(a).not.toBe(hashWithSalt('salt-day-2', 'v:203.0.113.7'));
    expect(a).not.toBe(hashWithSalt('salt-day-1', 'v:203.0.113.8'));
  });
  it('team keys match exactly', () => {
    expect(keyMatches(TEAM_KEY, ['x'.repeat(20), TEAM_KEY])).toBe(true);
    expect(keyMatches(`${TEAM_KEY}x`, [TEAM_KEY])).toBe(false);
    expect(keyMatches('', [TEAM_KEY])).toBe(false);
  });
});
