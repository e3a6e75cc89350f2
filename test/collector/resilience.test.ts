/**
 * A collector that recovers and stays bounded: Redis stopped and restarted under a running collector, slow and
 * excess connections cut off, a second process refused on a locked SQLite file, and two processes behind one
 * Redis giving the same /v1/status as one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { configFromEnv } from '../../collector/src/config';
import { startCollector, type RunningCollector } from '../../collector/src/server';
import { spawnRedis, type SpawnedRedis } from '../../collector/src/spawn-redis';
import { tokenDay, type CrowdReport, type StatusResponse } from '../../src/core/crowd/protocol';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'faultline-resilience-'));
let redis: SpawnedRedis;

beforeAll(async () => {
  redis = await spawnRedis();
}, 20_000);
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function report(i: number, service: CrowdReport['service'] = 'oss'): CrowdReport {
  return {
    service,
    phase: 'connection',
    type: 'tcp.reset',
    region: null,
    status: 'none',
    minute: Math.floor(Date.now() / 60_000) * 60_000,
    verdict: 'provider',
    version: '0.1.0',
    token: i.toString(16).padStart(32, '0'),
  };
}

async function post(base: string, r: CrowdReport, xff?: string): Promise<number> {
  const res = await fetch(`${base}/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(xff ? { 'x-forwarded-for': xff } : {}) },
    body: JSON.stringify({ v: 1, reports: [r] }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function until<T>(fn: () => Promise<T | null | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis stopped and restarted under a running collector', () => {
  let c: RunningCollector;
  const logs: string[] = [];
  let stopped = false;
  afterAll(async () => {
    await c?.close();
    // Should the test fail while Redis is down, the tests after it still get one (empty, on the same port).
    if (stopped) await redis.restart();
  });

  it('answers 503 and says degraded meanwhile, and recovers on its own', async () => {
    c = await startCollector(
      configFromEnv({ PORT: '0', COLLECTOR_STORE: 'redis', REDIS_URL: redis.url, COLLECTOR_REDIS_PREFIX: 'restart:' }),
      { log: (l) => logs.push(l) },
    );
    expect(await post(c.url, report(1))).toBe(202);
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);

    await redis.stop();
    stopped = true;
    const degraded = await until(
      async () => {
        const res = await fetch(`${c.url}/healthz`);
        return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : null;
      },
      10_000,
      'healthz degraded',
    );
    expect(degraded).toMatchObject({ ok: false, state: 'degraded', store: 'redis' });
    expect(String(degraded.detail)).toMatch(/^Redis /);
    const t0 = Date.now();
    expect(await post(c.url, report(2))).toBe(503); // at once, not after a queue times out
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await fetch(`${c.url}/v1/status`)).status).toBe(503);
    expect(logs.filter((l) => /unavailable/.test(l))).toHaveLength(1); // one line, not one per retry

    await redis.restart(); // an empty Redis on the same port, as after a crash
    stopped = false;
    await until(async () => (await fetch(`${c.url}/healthz`)).status === 200, 15_000, 'healthz ok again');
    expect(await post(c.url, report(3))).toBe(202); // the Lua script is loaded again by itself
    const st = (await (await fetch(`${c.url}/v1/status`)).json()) as StatusResponse;
    expect(st.services.find((s) => s.service === 'oss')!.reports.m15).toBe(1);
    expect(logs.some((l) => /is back/.test(l))).toBe(true);
  }, 40_000);
});

describe('bounded HTTP', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector(
      configFromEnv({
        PORT: '0',
        COLLECTOR_DB: ':memory:',
        COLLECTOR_HEADERS_TIMEOUT_MS: '300',
        COLLECTOR_REQUEST_TIMEOUT_MS: '600',
        COLLECTOR_MAX_CONNECTIONS: '3',
      }),
      { log: () => {} },
    );
  });
  afterAll(async () => c?.close());

  const open = () =>
    new Promise<Socket>((ok, bad) => {
      const u = new URL(c.url);
      const s = connect(Number(u.port), u.hostname, () => ok(s));
      s.once('error', bad);
    });
  const closed = (s: Socket) =>
    new Promise<number>((ok) => {
      const t0 = Date.now();
      if (s.destroyed) return ok(0);
      s.on('error', () => undefined);
      s.once('close', () => ok(Date.now() - t0));
    });

  it('cuts off a client that sends its headers too slowly', async () => {
    const s = await open();
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.write('POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'); // …and never finishes
    const ms = await closed(s);
    expect(ms).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses connections beyond the cap', async () => {
    const held = [await open(), await open(), await open()];
    const extra = await open();
    expect(await closed(extra)).toBeLessThan(2000); // closed by the server at once
    for (const s of held) s.destroy();
    await until(async () => (await fetch(`${c.url}/healthz`)).status === 200, 5000, 'served again');
  });
});

interface Proc {
  url: string;
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<number | null>;
}

function runCollector(env: Record<string, string>): Proc & { ready: Promise<string> } {
  const child = spawn(TSX, [join(ROOT, 'collector', 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = { url: '', child, out: [] as string[], err: [] as string[] } as Proc & { ready: Promise<string> };
  p.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  p.ready = new Promise<string>((ok, bad) => {
    child.stdout!.on('data', (d: Buffer) => {
      p.out.push(...d.toString().split('\n').filter(Boolean));
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) ok((p.url = m[1]!));
    });
    child.stderr!.on('data', (d: Buffer) => p.err.push(...d.toString().split('\n').filter(Boolean)));
    void p.exited.then((code) => bad(new Error(`collector exited (${code}): ${p.err.join(' | ')}`)));
  });
  return p;
}

async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

describe('processes', () => {
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map(stopProc));
  });

  it('a second collector on the same SQLite file exits with one clear line', async () => {
    const db = join(dir, 'shared.sqlite');
    const first = runCollector({ COLLECTOR_DB: db });
    procs.push(first);
    await first.ready;
    const second = runCollector({ COLLECTOR_DB: db });
    procs.push(second);
    second.ready.catch(() => undefined);
    expect(await second.exited).toBe(1);
    expect(second.err).toEqual([
      `faultline collector: ${db} is in use by another collector: one collector per SQLite file (for several instances use COLLECTOR_STORE=redis)`,
    ]);
    expect(await post(first.url, report(1))).toBe(202); // the first one is untouched
  }, 30_000);

  it('two processes behind one Redis, reports split between them, give the status of one process', async () => {
    const common = {
      COLLECTOR_STORE: 'redis',
      REDIS_URL: redis.url,
      COLLECTOR_TRUST_PROXY: '1',
      COLLECTOR_STATUS_CACHE_MS: '0',
    };
    const a1 = runCollector({ ...common, COLLECTOR_REDIS_PREFIX: 'pair:' });
    const a2 = runCollector({ ...common, COLLECTOR_REDIS_PREFIX: 'pair:' });
    const one = runCollector({ ...common, COLLECTOR_REDIS_PREFIX: 'single:' });
    procs.push(a1, a2, one);
    await Promise.all([a1.ready, a2.ready, one.ready]);
    // The daily salt is random and shared through Redis by the pair; give both sides the same one before any report,
    // so that they hash the same addresses to the same voters (their HyperLogLogs then agree exactly).
    // Not across a minute boundary: both sides must see the same minutes (sending and reading take ~1.5 s).
    if (Date.now() % 60_000 > 52_000) await new Promise((r) => setTimeout(r, 60_200 - (Date.now() % 60_000)));
    const r = new Redis(redis.url);
    const day = tokenDay(Date.now());
    const salt = 'a5'.repeat(32);
    await r.set(`pair:salt:${day}`, salt);
    await r.set(`single:salt:${day}`, salt);
    await r.quit();

    const send = async () => {
      for (let i = 1; i <= 60; i++) {
        const xff = `${20 + (i % 40)}.${i}.0.${i}`; // 40 networks
        const service = i % 3 === 0 ? 'cdn' : 'oss';
        expect(await post((i % 2 ? a1 : a2).url, report(i, service), xff)).toBe(202);
        expect(await post(one.url, report(i, service), xff)).toBe(202);
      }
      const get = async (u: string) => (await (await fetch(`${u}/v1/status`)).json()) as StatusResponse;
      return Promise.all([get(a1.url), get(a2.url), get(one.url)]);
    };
    const [s1, s2, s] = await send();
    const strip = (x: StatusResponse) => ({ ...x, at: 0 });
    expect(strip(s1)).toEqual(strip(s));
    expect(strip(s2)).toEqual(strip(s));
    const oss = s.services.find((x) => x.service === 'oss')!;
    // 40 distinct networks sent OSS reports. A HyperLogLog is an estimate (Redis: ~0.81 % standard error, and a
    // count this small can land one off, depending on the salt); exact agreement is asserted above.
    expect(Math.abs(oss.voters15 - 40)).toBeLessThanOrEqual(2);
    expect(oss.state).toBe('outage');
  }, 60_000);
});
