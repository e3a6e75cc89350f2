/** Wiring: store + app + HTTP server (bounded) + prune timer. Used by main.ts, the tests and the load scripts. */
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { CollectorConfig } from './config';
import { RedisStore } from './redis-store';
import { DatabaseLockedError, SqliteStore } from './sqlite-store';
import { rollUp } from './status';
import type { PruneLimits, Store } from './store';

export async function openStore(
  cfg: Pick<CollectorConfig, 'store' | 'dbPath' | 'redisUrl' | 'redisPrefix'>,
  log: (line: string) => void = (l) => console.error(l),
): Promise<Store> {
  if (cfg.store === 'redis') return RedisStore.connect({ url: cfg.redisUrl, prefix: cfg.redisPrefix, log });
  try {
    return new SqliteStore(cfg.dbPath);
  } catch (err) {
    if (err instanceof DatabaseLockedError) throw err;
    throw new Error(`cannot open SQLite database ${cfg.dbPath}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Every `everyMs`, and once now: roll up finished quarter hours (so the baseline never misses one, even when nobody
 * reads the status) and prune by age and volume. The timer never keeps the process alive. Returns a stop function.
 */
export function startMaintenance(
  store: Store,
  clock: () => number,
  everyMs: number,
  limits: PruneLimits,
  log: (line: string) => void,
): () => void {
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    const now = clock();
    rollUp(store, now)
      .then(() => store.prune(now, limits))
      .catch((err: unknown) => log(`collector: maintenance failed: ${(err as Error).message}`))
      .finally(() => (running = false));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface RunningCollector {
  url: string;
  store: Store;
  server: Server;
  close(): Promise<void>;
}

export async function startCollector(
  cfg: CollectorConfig,
  opts: { log?: (line: string) => void; clock?: () => number } = {},
): Promise<RunningCollector> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const clock = opts.clock ?? Date.now;
  const store = await openStore(cfg, log);
  const app = createApp({
    store,
    clock,
    salt: cfg.salt,
    trustProxy: cfg.trustProxy,
    corsOrigins: cfg.corsOrigins,
    mode: cfg.mode,
    teamKeys: cfg.teamKeys,
    statusNeedsKey: cfg.statusNeedsKey,
    rateLimit: cfg.rateLimit,
    rules: cfg.rules,
    statusCacheMs: cfg.statusCacheMs,
    log,
  });
  const stopMaintenance = startMaintenance(store, clock, cfg.pruneIntervalMs, { maxVotes: cfg.maxVotes }, log);
  const headersTimeout = Math.min(cfg.headersTimeoutMs, cfg.requestTimeoutMs);
  let server!: ServerType;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve(
      {
        fetch: app.fetch,
        port: cfg.port,
        hostname: cfg.host,
        serverOptions: {
          // Slow clients are cut off after a few seconds, checked every ≤ 1 s (Node's default is every 30 s).
          headersTimeout,
          requestTimeout: cfg.requestTimeoutMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
        },
      },
      resolve,
    );
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${cfg.port} on ${cfg.host} is already in use`
            : `cannot listen: ${err.message}`,
        ),
      );
    });
  }).catch(async (err: unknown) => {
    stopMaintenance();
    await store.close();
    throw err;
  });
  const http = server as Server;
  http.keepAliveTimeout = cfg.keepAliveTimeoutMs;
  http.maxConnections = cfg.maxConnections;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}`,
    store,
    server: http,
    async close() {
      stopMaintenance();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), 2000).unref();
      });
      await store.close();
    },
  };
}
