/**
 * Crowd mode at internet scale, by simulation, on loopback: N collector processes (bench/sim-collector.ts: the
 * real app and Redis store, stepped simulated clock) sharing one private redis-server, fed by the populations of
 * bench/crowd-model.ts.
 *
 *   1. Ordinary days: 100,000 users' everyday noise for 8 days (7 to learn the baseline, then the measured day,
 *      with attackers: one address rotating tokens over its rate limit, five addresses, an IPv6 host walking its
 *      /48). The collectors are set up as docs/crowd-protocol.md recommends (COLLECTOR_EXPECTED_USERS = the
 *      users). No service may leave `normal` on the first day (no history) nor on the measured day.
 *   2. An outage: 200,000 distinct reporters on OSS ramping over 10 minutes (few at first, most at the end), each
 *      reporting again every 2 minutes while it lasts. Measured: time from onset to `outage`, collector + Redis CPU
 *      per report, Redis memory per 100,000 reporters, requests per second achieved.
 *
 * Bounded: every figure comes from a fixed number of requests (≈ 0.6 M by default); time is simulated, so a slow
 * machine takes longer but measures the same states. `tsx bench/crowd-sim.ts` prints Markdown; bench/run.ts
 * imports runCrowdSim(). Environment: SIM_REPORTERS, SIM_USERS, SIM_COLLECTORS, SIM_EVERY_S.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import type { CrowdState, StatusResponse } from '../src/core/crowd/protocol';
import { spawnRedis } from '../collector/src/spawn-redis';
import { DAY_MS, MIN_MS, attackMinute, ordinaryMinute, outageReports, type SimReport } from './crowd-model';

export interface SimOptions {
  reporters: number;
  users: number;
  collectors: number;
  rampS: number;
  everyS: number;
  days: number;
}

export const DEFAULT_SIM: SimOptions = {
  reporters: Number(process.env.SIM_REPORTERS ?? 200_000),
  users: Number(process.env.SIM_USERS ?? 100_000),
  collectors: Number(process.env.SIM_COLLECTORS ?? 2),
  rampS: 600,
  everyS: Number(process.env.SIM_EVERY_S ?? 120),
  days: Number(process.env.SIM_DAYS ?? 8),
};

export interface SimResult {
  opts: SimOptions;
  ordinary: {
    requests: number;
    limited: number;
    /** Worst state per service on the measured day (with history) and on the first day (no history). */
    worst: Record<string, CrowdState>;
    worstFirstDay: Record<string, CrowdState>;
    realSeconds: number;
  };
  outage: {
    requests: number;
    /** Simulated seconds from onset until GET /v1/status said outage; reporters that had reported by then. */
    toOutageS: number | null;
    reportersAtOutage: number;
    voters15AtEnd: number;
    cpuUsPerReport: number | null;
    /** Of that, redis-server alone (single-threaded: what saturates first). */
    redisCpuUsPerReport: number | null;
    redisBytesPer100k: number;
    redisPeakBytes: number;
    reqPerSec: number;
    realSeconds: number;
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 48 });

function send(
  url: string,
  path: string,
  simNow: number,
  body?: string,
  xff?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          'x-sim-now': String(simNow),
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...(xff ? { 'x-forwarded-for': xff } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function reportBody(r: SimReport, simNow: number): string {
  return JSON.stringify({
    v: 1,
    reports: [
      {
        service: r.service,
        phase: r.phase,
        type: r.phase === 'dns' ? 'dns.failed' : r.phase === 'client' ? 'blocked.extension' : 'http.5xx',
        region: null,
        status: r.phase === 'application' ? '5xx' : 'none',
        minute: Math.floor(simNow / MIN_MS) * MIN_MS,
        verdict: r.verdict,
        version: '0.1.0',
        token: r.token,
      },
    ],
  });
}

/** Send reports round-robin over the collectors, at most `limit` in flight. Returns [sent, 429s]. */
async function sendAll(urls: string[], reports: SimReport[], simNow: number, limit = 96): Promise<[number, number]> {
  let i = 0;
  let limited = 0;
  const worker = async () => {
    while (i < reports.length) {
      const k = i++;
      const r = reports[k]!;
      const res = await send(urls[k % urls.length]!, '/v1/reports', simNow, reportBody(r, simNow), r.address);
      if (res.status === 429) limited++;
      else if (res.status !== 202) throw new Error(`collector answered ${res.status}: ${res.text}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, reports.length) }, worker));
  return [reports.length, limited];
}

async function status(url: string, simNow: number): Promise<StatusResponse> {
  const res = await send(url, '/v1/status', simNow);
  if (res.status !== 200) throw new Error(`status answered ${res.status}: ${res.text}`);
  return JSON.parse(res.text) as StatusResponse;
}

/** utime + stime of a process, µs, from /proc (null when unavailable). */
function cpuMicros(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return null;
  }
}

function startCollector(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./sim-collector.ts', import.meta.url).pathname],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`sim collector exited with ${code}: ${err.trim()}`)));
  });
}

const RANK: Record<CrowdState, number> = { normal: 0, elevated: 1, outage: 2 };

export async function runCrowdSim(opts: SimOptions = DEFAULT_SIM, log = (l: string) => process.stderr.write(`${l}\n`)) {
  const redis = await spawnRedis();
  const r = new Redis(redis.url);
  // Day 0 starts at 00:00 in UTC+8 (the users' day).
  const DAY0 = Date.UTC(2025, 5, 1) - 8 * 3_600_000;
  const collectors = await Promise.all(
    Array.from({ length: opts.collectors }, () =>
      startCollector({ REDIS_URL: redis.url, SIM_START: String(DAY0), SIM_EXPECTED_USERS: String(opts.users) }),
    ),
  );
  const urls = collectors.map((c) => c.url);
  try {
    // 1. Ordinary days.
    const t0 = Date.now();
    const model = { users: opts.users, seed: 2023 };
    const worst: Record<string, CrowdState> = {};
    const worstFirstDay: Record<string, CrowdState> = {};
    let requests = 0;
    let limited = 0;
    for (let day = 0; day < opts.days; day++) {
      const measured = day === opts.days - 1;
      for (let m = 0; m < 1440; m++) {
        const now = DAY0 + day * DAY_MS + m * MIN_MS + 30_000;
        const reports = ordinaryMinute(model, now - 30_000);
        if (measured && m % 5 === 0) reports.push(...attackMinute(now));
        const [n, l] = await sendAll(urls, reports, now);
        requests += n;
        limited += l;
        if (measured || day === 0 ? m % 5 === 4 : m % 15 === 2) {
          const st = await status(urls[m % urls.length]!, now);
          const into = measured ? worst : day === 0 ? worstFirstDay : null;
          for (const s of st.services) {
            if (into && RANK[s.state] > RANK[into[s.service] ?? 'normal']) into[s.service] = s.state;
          }
        }
        if (m % 60 === 59) await send(urls[0]!, '/sim/prune', now, '');
      }
      log(`crowd sim: ordinary day ${day + 1}/${opts.days} done (${requests} requests)`);
    }
    const ordinarySeconds = (Date.now() - t0) / 1000;

    // 2. An outage on the day after, at 12:00 local.
    const onset = DAY0 + opts.days * DAY_MS + 12 * 3_600_000;
    await send(urls[0]!, '/sim/prune', onset, '');
    const memBefore = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);
    const pids = [...collectors.map((c) => c.child.pid), redis.pid];
    const cpuBefore = pids.map(cpuMicros);
    const t1 = Date.now();
    const spec = {
      reporters: opts.reporters,
      rampS: opts.rampS,
      everyS: opts.everyS,
      service: 'oss' as const,
      firstUser: 10_000_000,
    };
    const STEP = 10;
    let outageRequests = 0;
    let toOutageS: number | null = null;
    let reportersAtOutage = 0;
    let voters15AtEnd = 0;
    let peak = memBefore;
    for (let s = 0; s < opts.rampS; s += STEP) {
      const now = onset + s * 1000;
      const reports = outageReports(spec, s, s + STEP, Math.floor(now / DAY_MS));
      await sendAll(urls, reports, now);
      outageRequests += reports.length;
      const st = await status(urls[(s / STEP) % urls.length]!, now + STEP * 1000 - 1);
      const oss = st.services.find((x) => x.service === 'oss')!;
      voters15AtEnd = oss.voters15;
      if (toOutageS === null && oss.state === 'outage') {
        toOutageS = s + STEP;
        reportersAtOutage = Math.min(opts.reporters, Math.ceil(opts.reporters * ((s + STEP) / opts.rampS) ** 2));
      }
      if ((s / STEP) % 6 === 5) {
        peak = Math.max(peak, Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0));
        log(`crowd sim: outage at ${s + STEP} s, ${outageRequests} requests, oss ${oss.state}, ${oss.voters15} voters`);
      }
    }
    const realSeconds = (Date.now() - t1) / 1000;
    const cpuAfter = pids.map(cpuMicros);
    let cpu: number | null = 0;
    for (let i = 0; i < pids.length; i++) {
      const a = cpuAfter[i];
      const b = cpuBefore[i];
      cpu = cpu === null || a == null || b == null ? null : cpu + (a - b);
    }
    peak = Math.max(peak, Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0));
    const ra = cpuAfter.at(-1);
    const rb = cpuBefore.at(-1);
    const redisCpu = ra == null || rb == null ? null : ra - rb;
    return {
      opts,
      ordinary: { requests, limited, worst, worstFirstDay, realSeconds: Math.round(ordinarySeconds) },
      outage: {
        requests: outageRequests,
        toOutageS,
        reportersAtOutage,
        voters15AtEnd,
        cpuUsPerReport: cpu === null ? null : Math.round(cpu / outageRequests),
        redisCpuUsPerReport: redisCpu === null ? null : Math.round(redisCpu / outageRequests),
        redisBytesPer100k: Math.round(((peak - memBefore) / opts.reporters) * 100_000),
        redisPeakBytes: peak,
        reqPerSec: Math.round(outageRequests / realSeconds),
        realSeconds: Math.round(realSeconds),
      },
    } satisfies SimResult;
  } finally {
    for (const c of collectors) c.child.kill('SIGTERM');
    await r.quit().catch(() => undefined);
    await redis.stop();
    agent.destroy();
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function crowdSimMarkdown(x: SimResult): string {
  const left = (w: Record<string, CrowdState>) =>
    Object.entries(w)
      .filter(([, s]) => s !== 'normal')
      .map(([k, s]) => `${k} ${s}`)
      .join(', ') || 'none';
  return [
    `${x.opts.collectors} collector processes + 1 redis-server on loopback, simulated clock; ${x.opts.users.toLocaleString('en')} users' everyday noise for ${x.opts.days} days (the last with attackers), then ${x.opts.reporters.toLocaleString('en')} reporters of an OSS outage ramping over ${x.opts.rampS / 60} minutes, each reporting again every ${x.opts.everyS} s.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| ordinary day (with history and attackers): services that left normal | **${left(x.ordinary.worst)}** |`,
    `| first day of a new collector (no history; COLLECTOR_EXPECTED_USERS=${x.opts.users}): services that left normal | **${left(x.ordinary.worstFirstDay)}** |`,
    `| ordinary days: reports sent / refused by the rate limit | ${x.ordinary.requests} / ${x.ordinary.limited} |`,
    `| outage: onset → \`outage\` at the collector (simulated) | **${x.outage.toOutageS === null ? 'never' : `${x.outage.toOutageS} s`}** (≈ ${x.outage.reportersAtOutage} reporters so far) |`,
    `| outage: distinct voters in the last 15 min at the end | ${x.outage.voters15AtEnd} |`,
    `| outage: reports sent | ${x.outage.requests} |`,
    `| **CPU per report** (collectors + redis-server) | **${x.outage.cpuUsPerReport ?? 'n/a'} µs** (redis-server alone ${x.outage.redisCpuUsPerReport ?? 'n/a'} µs) |`,
    `| **Redis memory per 100,000 reporters** (growth during the outage) | **${mib(x.outage.redisBytesPer100k)}** (peak used_memory ${mib(x.outage.redisPeakBytes)}) |`,
    `| reports per second achieved on this machine (load generator included) | ${x.outage.reqPerSec} |`,
    `| real time: ordinary days / outage | ${x.ordinary.realSeconds} s / ${x.outage.realSeconds} s |`,
  ].join('\n');
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  runCrowdSim().then(
    (x) => console.log(crowdSimMarkdown(x)),
    (err: unknown) => {
      console.error(`crowd sim: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
