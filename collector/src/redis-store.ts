/**
 * Scale-out store: Redis or Valkey through ioredis. Every instance is stateless; they share one Redis.
 *
 * Keys (prefix default `fl:`), all with a TTL so Redis forgets on its own even if prune() never runs:
 *   d:{svc}:{window}:{token}   SET NX — first report per reporter token per service per 15-minute window
 *   b:{svc}:{minute}           HASH  — n (counted reports), p:{phase}, v:{verdict}              TTL 48 h
 *   t:{svc}:{minute}           HLL   — PFADD reporter tokens                                    TTL 48 h
 *   a:{svc}:{minute}           HLL   — PFADD hashed client addresses                            TTL 48 h
 *   h:{svc}:{hour}             INCR  — counted reports per hour (baseline)                      TTL 28 days
 *   r:{addr}:{window}          INCR  — rate-limit window                                        TTL 2 min
 *   salt:{day}                 SET NX — the day's random address salt                           TTL 49 h
 * Not for Redis Cluster (the ingest script touches keys it computes itself).
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import {
  CROWD_SERVICES,
  DAY_MS,
  DEDUPE_WINDOW_MS,
  MINUTE_MS,
  type ReportPhase,
  type ReportVerdict,
} from '../../src/core/crowd/protocol';
import { emptyCounts } from './sqlite-store';
import {
  HOURLY_RETENTION_MS,
  HOUR_MS,
  RATE_WINDOW_MS,
  RAW_RETENTION_MS,
  dedupeWindowOf,
  hourOf,
  type IngestReport,
  type ServiceCounts,
  type Store,
} from './store';

const INGEST_LUA = `
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local httl = tonumber(ARGV[3])
local dttl = tonumber(ARGV[4])
local out = {}
local i = 5
while i <= #ARGV do
 local addr = ARGV[i]
 local n = tonumber(ARGV[i+1])
 i = i + 2
 local counted = 0
 for _ = 1, n do
  local svc, minute, win, hour, phase, verdict, token = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6]
  i = i + 7
  if redis.call('SET', p .. 'd:' .. svc .. ':' .. win .. ':' .. token, '1', 'NX', 'PX', dttl) then
    counted = counted + 1
    local sm = svc .. ':' .. minute
    local b = p .. 'b:' .. sm
    local t = p .. 't:' .. sm
    local a = p .. 'a:' .. sm
    local first = redis.call('HINCRBY', b, 'n', 1) == 1
    redis.call('HINCRBY', b, 'p:' .. phase, 1)
    redis.call('HINCRBY', b, 'v:' .. verdict, 1)
    redis.call('PFADD', t, token)
    redis.call('PFADD', a, addr)
    if first then
      redis.call('PEXPIRE', b, ttl)
      redis.call('PEXPIRE', t, ttl)
      redis.call('PEXPIRE', a, ttl)
    end
    local h = p .. 'h:' .. svc .. ':' .. hour
    if redis.call('INCR', h) == 1 then redis.call('PEXPIRE', h, httl) end
  end
 end
 out[#out + 1] = counted
end
return out
`;

const HIT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

type RedisWithScripts = Redis & {
  faultlineIngest(...args: (string | number)[]): Promise<number[]>;
  faultlineHit(key: string, ttl: number): Promise<number>;
};

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;

  private constructor(redis: Redis, prefix: string) {
    redis.defineCommand('faultlineIngest', { numberOfKeys: 0, lua: INGEST_LUA });
    redis.defineCommand('faultlineHit', { numberOfKeys: 1, lua: HIT_LUA });
    this.redis = redis as RedisWithScripts;
    this.prefix = prefix;
  }

  /** Connect (fails fast with one clear line when Redis cannot be reached). */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 3000,
      retryStrategy: (times) => (times > 20 ? null : Math.min(times * 100, 2000)),
    });
    let lastError = '';
    redis.on('error', (err: Error) => {
      lastError = err.message; // reported through failed commands; ioredis reconnects on its own
    });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot connect to Redis at ${redactUrl(opts.url)}: ${lastError || (err as Error).message}`, {
        cause: err,
      });
    }
    return new RedisStore(redis, opts.prefix ?? 'fl:');
  }

  async hit(addr: string, window: number): Promise<number> {
    return this.redis.faultlineHit(`${this.prefix}r:${addr}:${window}`, 2 * RATE_WINDOW_MS);
  }

  /**
   * Group commit: batches from all requests of one event-loop turn go to Redis in ONE script call (atomic, one
   * round trip); each caller gets its own counted number back.
   */
  async ingest(reports: readonly IngestReport[], addr: string): Promise<number> {
    if (reports.length === 0) return 0;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ reports, addr, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flushQueue());
    });
  }

  private queue: {
    reports: readonly IngestReport[];
    addr: string;
    resolve: (n: number) => void;
    reject: (e: unknown) => void;
  }[] = [];

  private flushQueue(): void {
    const jobs = this.queue;
    this.queue = [];
    const args: (string | number)[] = [
      this.prefix,
      RAW_RETENTION_MS + HOUR_MS,
      HOURLY_RETENTION_MS,
      DEDUPE_WINDOW_MS + MINUTE_MS,
    ];
    for (const j of jobs) {
      args.push(j.addr, j.reports.length);
      for (const r of j.reports) {
        args.push(
          r.service,
          r.minute,
          dedupeWindowOf(r.minute, DEDUPE_WINDOW_MS),
          hourOf(r.minute),
          r.phase,
          r.verdict,
          r.token,
        );
      }
    }
    this.redis.faultlineIngest(...args).then(
      (counts) => jobs.forEach((j, k) => j.resolve(Number(counts[k] ?? 0))),
      (err: unknown) => jobs.forEach((j) => j.reject(err)),
    );
  }

  async counts(now: number, baselineDays: number): Promise<ServiceCounts[]> {
    const p = this.prefix;
    const cur = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const hour = hourOf(now);
    const pipe = this.redis.pipeline();
    for (const s of CROWD_SERVICES) {
      for (let i = 0; i < 60; i++) {
        const k = `${p}b:${s}:${cur - i * MINUTE_MS}`;
        if (i < 15) pipe.hgetall(k);
        else pipe.hget(k, 'n');
      }
      const mins15 = Array.from({ length: 15 }, (_, i) => `${s}:${cur - i * MINUTE_MS}`);
      pipe.pfcount(...mins15.map((m) => `${p}t:${m}`));
      pipe.pfcount(...mins15.map((m) => `${p}a:${m}`));
      pipe.mget(
        ...Array.from({ length: Math.max(1, baselineDays) }, (_, d) => `${p}h:${s}:${hour - (d + 1) * DAY_MS}`),
      );
    }
    const res = (await pipe.exec()) ?? [];
    let i = 0;
    const next = (): unknown => {
      const entry = res[i++];
      if (!entry) throw new Error('redis: short pipeline reply');
      if (entry[0]) throw entry[0];
      return entry[1];
    };
    const out: ServiceCounts[] = [];
    for (const s of CROWD_SERVICES) {
      const c = emptyCounts(s);
      for (let m = 0; m < 60; m++) {
        if (m < 15) {
          const h = next() as Record<string, string>;
          const n = Number(h.n ?? 0);
          c.m15 += n;
          c.m60 += n;
          if (m < 5) c.m5 += n;
          for (const [f, v] of Object.entries(h)) {
            if (f.startsWith('p:')) {
              const ph = f.slice(2) as ReportPhase;
              c.byPhase15[ph] = (c.byPhase15[ph] ?? 0) + Number(v);
            } else if (f.startsWith('v:')) {
              const vd = f.slice(2) as ReportVerdict;
              c.byVerdict15[vd] = (c.byVerdict15[vd] ?? 0) + Number(v);
            }
          }
        } else {
          c.m60 += Number((next() as string | null) ?? 0);
        }
      }
      c.reporters15 = Number(next());
      c.addresses15 = Number(next());
      const base = next() as (string | null)[];
      c.baselineSum = baselineDays > 0 ? base.reduce((a, v) => a + Number(v ?? 0), 0) : 0;
      out.push(c);
    }
    return out;
  }

  async dailySalt(day: number): Promise<string> {
    const k = `${this.prefix}salt:${day}`;
    await this.redis.set(k, randomBytes(32).toString('hex'), 'PX', 2 * DAY_MS + HOUR_MS, 'NX');
    const salt = await this.redis.get(k);
    if (!salt) throw new Error('redis: daily salt vanished');
    return salt;
  }

  /**
   * TTLs already expire everything; prune() additionally deletes by the time encoded in the key, so that it also
   * works with an injected clock and after clock changes. SCAN-based: O(keys), run every few minutes.
   */
  async prune(now: number): Promise<number> {
    const p = this.prefix;
    const cut = now - RAW_RETENTION_MS;
    const cutWin = Math.floor(cut / DEDUPE_WINDOW_MS);
    const cutHour = now - HOURLY_RETENTION_MS;
    const cutDay = Math.floor(now / DAY_MS) - 1;
    let deleted = 0;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await this.redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
      cursor = nextCursor;
      const doomed: string[] = [];
      for (const key of keys) {
        const rest = key.slice(p.length);
        const parts = rest.split(':');
        const kind = parts[0];
        let old = false;
        if (kind === 'b' || kind === 't' || kind === 'a') old = Number(parts[2]) < cut;
        else if (kind === 'd') old = Number(parts[2]) < cutWin;
        else if (kind === 'h') old = Number(parts[2]) < cutHour;
        else if (kind === 'r') old = Number(parts[2]) < cut;
        else if (kind === 'salt') old = Number(parts[1]) < cutDay;
        if (old) doomed.push(key);
      }
      if (doomed.length) deleted += await this.redis.unlink(...doomed);
    } while (cursor !== '0');
    return deleted;
  }

  async bucketCount(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}b:*`, 'COUNT', 1000);
      cursor = nextCursor;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/** Hide a password in a redis:// URL before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
