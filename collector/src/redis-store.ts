/**
 * Scale-out store: Redis or Valkey through ioredis. Every instance is stateless; they share one Redis.
 *
 * Keys (prefix default `fl:`), every one with a TTL so Redis forgets on its own even if prune() never runs:
 *   s:{svc}:{minute}   SET   voters of the minute: "already voted" (SADD)                     TTL 3 min
 *   b:{svc}:{minute}   HASH  votes per `{phase}|{verdict}`, and `_` = all votes of the minute   TTL 2 h 10 min
 *   a:{svc}:{minute}   HLL   voters of the minute (distinct voters over any span: PFCOUNT of several)
 *   n:{svc}:{minute}   HLL   voters' networks of the minute                                   (both as b:)
 *   q:{svc}            HASH  quarter start → "voters:networks" of that quarter (rollups)      TTL 8 days
 *   r:{key}:{window}   INCR  rate-limit window                                                TTL 2 min
 *   salt:{day}         SET NX the day's random address salt                                   TTL 49 h
 * Memory is bounded by structure: a HyperLogLog never exceeds 12 KB and the only per-voter data (the `s:` sets
 * and the `r:` counters) lives two to three minutes. Not for Redis Cluster (the ingest script computes keys).
 *
 * Redis going away is survived: ioredis reconnects forever with capped back-off; meanwhile every command fails
 * at once (no offline queue), the collector answers 503 and /healthz says degraded, and both recover on their
 * own when Redis is back (the Lua script is re-sent on NOSCRIPT).
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CROWD_SERVICES, DAY_MS, MINUTE_MS, type ReportPhase, type ReportVerdict } from '../../src/core/crowd/protocol';
import {
  HOUR_MS,
  RATE_WINDOW_MS,
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
  type DistinctRow,
  type MinuteRow,
  type RollupRow,
  type Store,
  type Vote,
} from './store';

const MINUTE_TTL_MS = RAW_RETENTION_MS + 10 * MINUTE_MS;
const SEEN_TTL_MS = 3 * MINUTE_MS;
/** Longest pause between reconnection attempts. */
export const RECONNECT_MAX_MS = 5000;

const INGEST_LUA = `
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local sttl = tonumber(ARGV[3])
local out = {}
local i = 4
while i <= #ARGV do
 local n = tonumber(ARGV[i])
 i = i + 1
 local counted = 0
 for _ = 1, n do
  local sm, voter, net, field = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  i = i + 4
  local s = p .. 's:' .. sm
  if redis.call('SADD', s, voter) == 1 then
   counted = counted + 1
   local b = p .. 'b:' .. sm
   local a = p .. 'a:' .. sm
   local nk = p .. 'n:' .. sm
   redis.call('HINCRBY', b, field, 1)
   redis.call('PFADD', a, voter)
   redis.call('PFADD', nk, net)
   if redis.call('HINCRBY', b, '_', 1) == 1 then
    redis.call('PEXPIRE', s, sttl)
    redis.call('PEXPIRE', b, ttl)
    redis.call('PEXPIRE', a, ttl)
    redis.call('PEXPIRE', nk, ttl)
   end
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
  /** One line when Redis goes away and when it is back (default: console.error). */
  log?: (line: string) => void;
}

/** Capped exponential back-off with jitter, forever (never gives up: a Redis restart must be survived). */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, 100 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + (random() * base) / 2);
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private lastError = '';
  private down = false;
  private everReady = false;

  private constructor(redis: Redis, prefix: string, log: (line: string) => void, where: string) {
    redis.defineCommand('faultlineIngest', { numberOfKeys: 0, lua: INGEST_LUA });
    redis.defineCommand('faultlineHit', { numberOfKeys: 1, lua: HIT_LUA });
    this.redis = redis as RedisWithScripts;
    this.prefix = prefix;
    const lost = (reason: string) => {
      this.lastError = reason;
      if (this.down) return;
      this.down = true;
      log(`collector: Redis at ${where} unavailable (${reason}); retrying, /healthz says degraded`);
    };
    redis.on('error', (err: Error) => lost(err.message || (err as { code?: string }).code || 'error'));
    redis.on('close', () => {
      if (this.everReady) lost('connection closed');
    });
    redis.on('ready', () => {
      if (this.down) log(`collector: Redis at ${where} is back`);
      this.everReady = true;
      this.down = false;
      this.lastError = '';
    });
  }

  /**
   * Connect. Waits up to `waitMs` for the first connection; if Redis is not there yet the store is returned anyway
   * (degraded) and keeps connecting in the background.
   */
  static async connect(opts: RedisStoreOptions & { waitMs?: number }): Promise<RedisStore> {
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      retryStrategy: (times) => reconnectDelay(times),
    });
    const store = new RedisStore(
      redis,
      opts.prefix ?? 'fl:',
      opts.log ?? ((l) => console.error(l)),
      redactUrl(opts.url),
    );
    const first = redis.connect().catch(() => undefined); // ioredis keeps retrying on its own
    await Promise.race([first, new Promise((r) => setTimeout(r, opts.waitMs ?? 3000).unref())]);
    return store;
  }

  async hit(key: string, window: number): Promise<number> {
    return this.redis.faultlineHit(`${this.prefix}r:${key}:${window}`, 2 * RATE_WINDOW_MS);
  }

  /**
   * Group commit: votes from all requests of one event-loop turn go to Redis in ONE script call (atomic, one
   * round trip); each caller gets its own count back.
   */
  async ingest(votes: readonly Vote[]): Promise<number> {
    if (votes.length === 0) return 0;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ votes, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flushQueue());
    });
  }

  private queue: { votes: readonly Vote[]; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];

  private flushQueue(): void {
    const jobs = this.queue;
    this.queue = [];
    const args: (string | number)[] = [this.prefix, MINUTE_TTL_MS, SEEN_TTL_MS];
    for (const j of jobs) {
      args.push(j.votes.length);
      for (const v of j.votes) args.push(`${v.service}:${v.minute}`, v.voter, v.net, `${v.phase}|${v.verdict}`);
    }
    this.redis.faultlineIngest(...args).then(
      (counts) => jobs.forEach((j, k) => j.resolve(Number(counts[k] ?? 0))),
      (err: unknown) => jobs.forEach((j) => j.reject(err)),
    );
  }

  private async exec(pipe: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return v;
    });
  }

  private minutes(from: number, to: number): number[] {
    const out: number[] = [];
    for (let m = Math.ceil(from / MINUTE_MS) * MINUTE_MS; m < to; m += MINUTE_MS) out.push(m);
    return out;
  }

  async minuteRows(from: number, to: number): Promise<MinuteRow[]> {
    const mins = this.minutes(from, to);
    const pipe = this.redis.pipeline();
    for (const s of CROWD_SERVICES) for (const m of mins) pipe.hgetall(`${this.prefix}b:${s}:${m}`);
    const res = await this.exec(pipe);
    const out: MinuteRow[] = [];
    let i = 0;
    for (const service of CROWD_SERVICES) {
      for (const minute of mins) {
        const h = res[i++] as Record<string, string>;
        for (const [field, n] of Object.entries(h)) {
          if (field === '_') continue;
          const [phase, verdict] = field.split('|') as [ReportPhase, ReportVerdict];
          out.push({ service, minute, phase, verdict, n: Number(n) });
        }
      }
    }
    return out;
  }

  async distinct(from: number, to: number): Promise<DistinctRow[]> {
    const mins = this.minutes(from, to);
    if (mins.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const s of CROWD_SERVICES) {
      pipe.pfcount(...mins.map((m) => `${this.prefix}a:${s}:${m}`));
      pipe.pfcount(...mins.map((m) => `${this.prefix}n:${s}:${m}`));
    }
    const res = await this.exec(pipe);
    return CROWD_SERVICES.map((service, k) => ({
      service,
      voters: Number(res[2 * k]),
      networks: Number(res[2 * k + 1]),
    }));
  }

  async rollups(from: number, to: number): Promise<RollupRow[]> {
    const pipe = this.redis.pipeline();
    for (const s of CROWD_SERVICES) pipe.hgetall(`${this.prefix}q:${s}`);
    const res = await this.exec(pipe);
    const out: RollupRow[] = [];
    CROWD_SERVICES.forEach((service, k) => {
      for (const [q, v] of Object.entries(res[k] as Record<string, string>)) {
        const quarter = Number(q);
        const [voters, networks] = v.split(':').map(Number) as [number, number];
        if (quarter >= from && quarter < to) out.push({ service, quarter, voters, networks: networks || 0 });
      }
    });
    return out;
  }

  async saveRollups(rows: readonly RollupRow[]): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const r of rows) {
      const k = `${this.prefix}q:${r.service}`;
      pipe.hset(k, String(r.quarter), `${r.voters}:${r.networks}`);
      pipe.pexpire(k, ROLLUP_RETENTION_MS);
    }
    await this.exec(pipe);
  }

  async dailySalt(day: number): Promise<string> {
    const k = `${this.prefix}salt:${day}`;
    await this.redis.set(k, randomBytes(32).toString('hex'), 'PX', 2 * DAY_MS + HOUR_MS, 'NX');
    const salt = await this.redis.get(k);
    if (!salt) throw new Error('redis: daily salt vanished');
    return salt;
  }

  /**
   * TTLs already expire the minute keys; prune() also deletes by the time in the key (so it works with an
   * injected clock and after clock changes) and drops rollup fields older than 8 days. SCAN-based.
   */
  async prune(now: number): Promise<number> {
    const p = this.prefix;
    const cut = now - RAW_RETENTION_MS;
    const cutDay = Math.floor(now / DAY_MS) - 1;
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
      cursor = next;
      const doomed: string[] = [];
      for (const key of keys) {
        const parts = key.slice(p.length).split(':');
        const kind = parts[0];
        if (kind === 'b' || kind === 'a' || kind === 'n' || kind === 's') {
          if (Number(parts[2]) < cut) doomed.push(key);
        } else if (kind === 'r') {
          if (Number(parts[parts.length - 1]) < cut) doomed.push(key);
        } else if (kind === 'salt') {
          if (Number(parts[1]) < cutDay) doomed.push(key);
        }
      }
      if (doomed.length) deleted += await this.redis.unlink(...doomed);
    } while (cursor !== '0');
    for (const s of CROWD_SERVICES) {
      const k = `${p}q:${s}`;
      const old = (await this.redis.hkeys(k)).filter((q) => Number(q) < now - ROLLUP_RETENTION_MS);
      if (old.length) deleted += await this.redis.hdel(k, ...old);
    }
    return deleted;
  }

  async volume(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}b:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        const pipe = this.redis.pipeline();
        for (const k of keys) pipe.hget(k, '_');
        for (const v of await this.exec(pipe)) n += Number(v ?? 0);
      }
    } while (cursor !== '0');
    return n;
  }

  async health(): Promise<{ ok: true } | { ok: false; detail: string }> {
    if (this.redis.status !== 'ready') {
      return { ok: false, detail: `Redis ${this.redis.status}${this.lastError ? `: ${this.lastError}` : ''}` };
    }
    try {
      return (await this.redis.ping()) === 'PONG' ? { ok: true } : { ok: false, detail: 'Redis answered without PONG' };
    } catch (err) {
      // The connection can drop before its status says so: the same form of words as above.
      return { ok: false, detail: `Redis unreachable: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
      else this.redis.disconnect();
    } catch {
      this.redis.disconnect();
    }
  }
}

/** Hide a password in a redis:// URL before printing it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
