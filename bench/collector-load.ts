/**
 * Load benchmark of the crowd-mode collector on loopback (autocannon). One run measures, for POST /v1/reports
 * with a valid 3-report batch from a fresh client address each time (X-Forwarded-For, trusted), so that every
 * report is a new vote and written:
 *
 *   bare     node:http answering 204 — the ceiling of this machine (measured first and last, averaged)
 *   sqlite   the collector, SQLite store on a temp file (WAL)
 *   redis    the collector, Redis store on a private redis-server
 *
 * Each server runs in its own child process (so autocannon and the server do not share an event loop), rate
 * limiting off. Bounded: 1 s warm-up + DURATION s per target, CONNECTIONS connections.
 *
 * `tsx bench/collector-load.ts` prints a Markdown table; bench/run.ts imports benchCollector().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrowdBatch } from '../src/core/crowd/protocol';

export const DURATION_S = 5;
export const CONNECTIONS = 50;

export interface CollectorBenchRow {
  target: 'bare node:http 204' | 'collector + sqlite' | 'collector + redis';
  reqPerSec: number;
  p99Ms: number;
  /** reqPerSec / bare reqPerSec. */
  ratio: number;
  non2xx: number;
  errors: number;
  /**
   * CPU time (user + system) the server process(es) spent per request during the measured run, µs — redis-server
   * included for the Redis target. Unlike req/s, barely affected by other load on a shared machine. Linux only
   * (/proc), else null.
   */
  cpuUsPerReq: number | null;
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Added here: server CPU µs per request (null without /proc). */
  cpuUsPerReq?: number | null;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SELF = fileURLToPath(import.meta.url);

function batchBody(): string {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const token = randomBytes(16).toString('hex');
  const batch: CrowdBatch = {
    v: 1,
    reports: (['oss', 'cdn', 'login'] as const).map((service) => ({
      service,
      phase: 'connection',
      type: 'tcp.reset',
      region: 'cn-hangzhou',
      status: 'none',
      minute,
      verdict: 'provider',
      version: '0.1.0',
      token,
    })),
  };
  return JSON.stringify(batch);
}

/** A random IPv4 address: every request a new voter on (almost always) a new network. */
function randomAddress(): string {
  const b = randomBytes(4);
  return `${1 + (b[0]! % 223)}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Child process entry: start one target, print "READY <url>". */
async function serveTarget(target: string): Promise<void> {
  if (target === 'bare') {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = 204;
        res.end();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      console.log(`READY http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
    });
    return;
  }
  const { startCollector } = await import('../collector/src/server');
  const { configFromEnv } = await import('../collector/src/config');
  const cfg = configFromEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    COLLECTOR_STORE: target,
    COLLECTOR_DB: process.env.BENCH_DB ?? ':memory:',
    REDIS_URL: process.env.REDIS_URL ?? '',
    COLLECTOR_RATE_LIMIT: '0',
    COLLECTOR_TRUST_PROXY: '1',
  });
  const running = await startCollector(cfg);
  console.log(`READY ${running.url}`);
}

function startChild(target: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve', target], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: ${target} server did not start within 15 s: ${err.trim()}`));
    }, 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ url: m[1], child });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench: ${target} server exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

async function load(url: string, duration: number): Promise<AutocannonResult> {
  return autocannon({
    url: `${url}/v1/reports`,
    connections: CONNECTIONS,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          body: batchBody(),
          headers: { ...(req.headers as Record<string, string>), 'x-forwarded-for': randomAddress() },
        }),
      },
    ],
  });
}

/** utime + stime of a process, µs, from /proc (null when unavailable). */
function cpuMicros(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return Number.isFinite(ticks) ? (ticks * 1e6) / 100 : null; // USER_HZ = 100 on Linux
  } catch {
    return null;
  }
}

async function measure(target: string, env: Record<string, string>, extraPid?: number): Promise<AutocannonResult> {
  const { url, child } = await startChild(target, env);
  try {
    const probe = await fetch(`${url}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batchBody(),
    });
    if (probe.status !== 204 && probe.status !== 202)
      throw new Error(`bench: ${target} answered ${probe.status}: ${await probe.text()}`);
    await load(url, 1); // warm-up (JIT, SQLite page cache, Redis script cache)
    const pids = [child.pid, extraPid].filter((p): p is number => p !== undefined);
    const before = pids.map(cpuMicros);
    const res = await load(url, DURATION_S);
    const after = pids.map(cpuMicros);
    let cpu: number | null = 0;
    for (let i = 0; i < pids.length; i++) {
      const a = after[i];
      const b = before[i];
      cpu = cpu === null || a === null || a === undefined || b === null || b === undefined ? null : cpu + (a - b);
    }
    const total = res.requests.average * DURATION_S;
    res.cpuUsPerReq = cpu === null || total <= 0 ? null : Math.round(cpu / total);
    return res;
  } finally {
    await stopChild(child);
  }
}

export async function benchCollector(): Promise<{ rows: CollectorBenchRow[] }> {
  const { spawnRedis } = await import('../collector/src/spawn-redis');
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const redis = await spawnRedis();
  try {
    // The ceiling is measured before and after the collectors and averaged, so that load from other processes
    // on a shared machine skews the ratios less.
    const bare1 = await measure('bare', {});
    const sqlite = await measure('sqlite', { BENCH_DB: join(dir, 'collector.sqlite') });
    const red = await measure('redis', { REDIS_URL: redis.url }, redis.pid);
    const bare2 = await measure('bare', {});
    const bare: AutocannonResult = {
      requests: { average: (bare1.requests.average + bare2.requests.average) / 2 },
      latency: { p99: Math.max(bare1.latency.p99, bare2.latency.p99) },
      non2xx: bare1.non2xx + bare2.non2xx,
      errors: bare1.errors + bare2.errors,
      timeouts: bare1.timeouts + bare2.timeouts,
      cpuUsPerReq:
        bare1.cpuUsPerReq != null && bare2.cpuUsPerReq != null
          ? Math.round((bare1.cpuUsPerReq + bare2.cpuUsPerReq) / 2)
          : null,
    };
    const ceiling = bare.requests.average || 1;
    const row = (target: CollectorBenchRow['target'], r: AutocannonResult): CollectorBenchRow => ({
      target,
      reqPerSec: Math.round(r.requests.average),
      p99Ms: r.latency.p99,
      ratio: Math.round((r.requests.average / ceiling) * 100) / 100,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      cpuUsPerReq: r.cpuUsPerReq ?? null,
    });
    return {
      rows: [row('bare node:http 204', bare), row('collector + sqlite', sqlite), row('collector + redis', red)],
    };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function collectorBenchMarkdown(rows: readonly CollectorBenchRow[]): string {
  const lines = [
    `POST /v1/reports, 3-report batch, ${CONNECTIONS} connections, ${DURATION_S} s per target, loopback`,
    '',
    '| target | req/s | p99 (ms) | × bare | server CPU µs/req | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.reqPerSec} | ${r.p99Ms} | ${r.ratio.toFixed(2)} | ${r.cpuUsPerReq ?? 'n/a'} | ${r.non2xx} | ${r.errors} |`,
    ),
  ];
  return lines.join('\n');
}

const argv = process.argv;
if (argv[1] && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(argv[1])) {
  const i = argv.indexOf('--serve');
  if (i >= 0) {
    serveTarget(argv[i + 1] ?? 'bare').catch((err: unknown) => {
      console.error(`bench server: ${(err as Error).message}`);
      process.exit(1);
    });
  } else {
    benchCollector().then(
      ({ rows }) => console.log(collectorBenchMarkdown(rows)),
      (err: unknown) => {
        console.error(`bench: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  }
}
