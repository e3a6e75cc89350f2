/** Collector configuration from environment variables (documented in docs/crowd-protocol.md, "Running"). */
import { readFileSync } from 'node:fs';
import type { CollectorMode, StatusRules } from '../../src/core/crowd/protocol';

export interface CollectorConfig {
  port: number;
  host: string;
  mode: CollectorMode;
  teamKeys: string[];
  statusNeedsKey: boolean;
  store: 'sqlite' | 'redis';
  dbPath: string;
  redisUrl: string;
  redisPrefix: string;
  corsOrigins: string[];
  trustProxy: boolean;
  rateLimit: number;
  salt: string | undefined;
  /** Status rules beyond the mode's defaults (expected users and explicit minimums applied). */
  rules: Partial<StatusRules>;
  statusCacheMs: number;
  pruneIntervalMs: number;
  /** Most vote rows the SQLite file holds (oldest minutes go first beyond it). */
  maxVotes: number;
  /** HTTP hardening: time to receive the request headers / the whole request, idle keep-alive, open connections. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_PORT = 8787;
/** Shortest team key accepted: a key is a shared secret, not a password to remember. */
export const MIN_TEAM_KEY_LENGTH = 16;

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

function teamKeys(env: NodeJS.ProcessEnv): string[] {
  const keys = list(env.COLLECTOR_TEAM_KEYS);
  if (env.COLLECTOR_TEAM_KEYS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.COLLECTOR_TEAM_KEYS_FILE, 'utf8');
    } catch (err) {
      throw new Error(
        `COLLECTOR_TEAM_KEYS_FILE: cannot read ${env.COLLECTOR_TEAM_KEYS_FILE} (${(err as Error).message})`,
        { cause: err },
      );
    }
    keys.push(...list(text));
  }
  for (const k of keys) {
    if (k.length < MIN_TEAM_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(k)) {
      throw new Error(
        `COLLECTOR_TEAM_KEYS: every key needs at least ${MIN_TEAM_KEY_LENGTH} printable characters and no spaces (e.g. openssl rand -hex 24)`,
      );
    }
  }
  return keys;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const store = env.COLLECTOR_STORE || 'sqlite';
  if (store !== 'sqlite' && store !== 'redis')
    throw new Error(`COLLECTOR_STORE: expected sqlite or redis, got "${store}"`);
  const mode = env.COLLECTOR_MODE || 'public';
  if (mode !== 'public' && mode !== 'team') throw new Error(`COLLECTOR_MODE: expected public or team, got "${mode}"`);
  const keys = teamKeys(env);
  if (mode === 'team' && keys.length === 0) {
    throw new Error('COLLECTOR_MODE=team needs COLLECTOR_TEAM_KEYS (comma-separated) or COLLECTOR_TEAM_KEYS_FILE');
  }
  if (mode === 'public' && keys.length > 0) {
    throw new Error('COLLECTOR_TEAM_KEYS is set but COLLECTOR_MODE is not team: set COLLECTOR_MODE=team');
  }
  const port = int(env, 'PORT', DEFAULT_PORT, 0);
  if (port > 65535) throw new Error(`PORT: expected 0-65535, got ${port}`);
  const corsOrigins = list(env.COLLECTOR_CORS_ORIGINS);
  for (const o of corsOrigins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o)) {
      throw new Error(`COLLECTOR_CORS_ORIGINS: "${o}" is not an origin (scheme://host[:port], no path)`);
    }
  }
  const rules: Partial<StatusRules> = {};
  const rule = (name: string, key: keyof StatusRules, min: number) => {
    if (env[name] !== undefined && env[name] !== '') rules[key] = int(env, name, 0, min);
  };
  rule('COLLECTOR_OUTAGE_MIN_VOTERS', 'outageMinVoters', 1);
  rule('COLLECTOR_OUTAGE_MIN_NETWORKS', 'outageMinNetworks', 1);
  rule('COLLECTOR_ELEVATED_MIN_VOTERS', 'elevatedMinVoters', 1);
  rule('COLLECTOR_ELEVATED_MIN_NETWORKS', 'elevatedMinNetworks', 1);
  rule('COLLECTOR_EXPECTED_USERS', 'expectedUsers', 0);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    mode,
    teamKeys: keys,
    statusNeedsKey: env.COLLECTOR_STATUS_NEEDS_KEY === '1',
    store,
    dbPath: env.COLLECTOR_DB || './collector.sqlite',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.COLLECTOR_REDIS_PREFIX || 'fl:',
    corsOrigins,
    trustProxy: env.COLLECTOR_TRUST_PROXY === '1',
    rateLimit: int(env, 'COLLECTOR_RATE_LIMIT', 60, 0),
    salt: env.COLLECTOR_SALT || undefined,
    rules,
    statusCacheMs: int(env, 'COLLECTOR_STATUS_CACHE_MS', 5000, 0),
    pruneIntervalMs: int(env, 'COLLECTOR_PRUNE_INTERVAL_MS', 60_000, 1000),
    maxVotes: int(env, 'COLLECTOR_MAX_VOTES', 5_000_000, 1000),
    headersTimeoutMs: int(env, 'COLLECTOR_HEADERS_TIMEOUT_MS', 5000, 100),
    requestTimeoutMs: int(env, 'COLLECTOR_REQUEST_TIMEOUT_MS', 10_000, 100),
    keepAliveTimeoutMs: int(env, 'COLLECTOR_KEEPALIVE_TIMEOUT_MS', 5000, 100),
    maxConnections: int(env, 'COLLECTOR_MAX_CONNECTIONS', 2000, 1),
  };
}
