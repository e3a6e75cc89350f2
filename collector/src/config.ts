/** Collector configuration from environment variables (documented in docs/crowd-protocol.md). */
export interface CollectorConfig {
  port: number;
  host: string;
  store: 'sqlite' | 'redis';
  dbPath: string;
  redisUrl: string;
  redisPrefix: string;
  corsOrigins: string[];
  trustProxy: boolean;
  rateLimit: number;
  salt: string | undefined;
  outageMinAddresses: number;
  statusCacheMs: number;
  pruneIntervalMs: number;
}

export const DEFAULT_PORT = 8787;

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer ≥ ${min}, got "${raw}"`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const store = env.COLLECTOR_STORE || 'sqlite';
  if (store !== 'sqlite' && store !== 'redis')
    throw new Error(`COLLECTOR_STORE: expected sqlite or redis, got "${store}"`);
  const port = int(env, 'PORT', DEFAULT_PORT, 0);
  if (port > 65535) throw new Error(`PORT: expected 0-65535, got ${port}`);
  const corsOrigins = (env.COLLECTOR_CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of corsOrigins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o)) {
      throw new Error(`COLLECTOR_CORS_ORIGINS: "${o}" is not an origin (scheme://host[:port], no path)`);
    }
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    store,
    dbPath: env.COLLECTOR_DB || './collector.sqlite',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.COLLECTOR_REDIS_PREFIX || 'fl:',
    corsOrigins,
    trustProxy: env.COLLECTOR_TRUST_PROXY === '1',
    rateLimit: int(env, 'COLLECTOR_RATE_LIMIT', 60, 0),
    salt: env.COLLECTOR_SALT || undefined,
    outageMinAddresses: int(env, 'COLLECTOR_OUTAGE_MIN_ADDRESSES', 5, 1),
    statusCacheMs: int(env, 'COLLECTOR_STATUS_CACHE_MS', 5000, 0),
    pruneIntervalMs: int(env, 'COLLECTOR_PRUNE_INTERVAL_MS', 300_000, 1000),
  };
}
