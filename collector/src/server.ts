/** Wiring: store + app + HTTP server + prune timer. Used by main.ts and the load benchmark. */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { CollectorConfig } from './config';
import { RedisStore } from './redis-store';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

export async function openStore(
  cfg: Pick<CollectorConfig, 'store' | 'dbPath' | 'redisUrl' | 'redisPrefix'>,
): Promise<Store> {
  if (cfg.store === 'redis') return RedisStore.connect({ url: cfg.redisUrl, prefix: cfg.redisPrefix });
  try {
    return new SqliteStore(cfg.dbPath);
  } catch (err) {
    throw new Error(`cannot open SQLite database ${cfg.dbPath}: ${(err as Error).message}`, { cause: err });
  }
}

/** Run store.prune() now and every `everyMs`; the timer never keeps the process alive. Returns a stop function. */
export function startPruning(
  store: Store,
  clock: () => number,
  everyMs: number,
  log: (line: string) => void,
): () => void {
  const run = () => {
    store.prune(clock()).catch((err: unknown) => log(`collector: prune failed: ${(err as Error).message}`));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface RunningCollector {
  url: string;
  store: Store;
  close(): Promise<void>;
}

export async function startCollector(
  cfg: CollectorConfig,
  log: (line: string) => void = (l) => console.error(l),
): Promise<RunningCollector> {
  const store = await openStore(cfg);
  const app = createApp({
    store,
    salt: cfg.salt,
    trustProxy: cfg.trustProxy,
    corsOrigins: cfg.corsOrigins,
    rateLimit: cfg.rateLimit,
    rules: { outageMinAddresses: cfg.outageMinAddresses },
    statusCacheMs: cfg.statusCacheMs,
    log,
  });
  const stopPruning = startPruning(store, Date.now, cfg.pruneIntervalMs, log);
  let server: ServerType;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: cfg.port, hostname: cfg.host }, resolve);
    server.once('error', reject);
  });
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}`,
    store,
    async close() {
      stopPruning();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await store.close();
    },
  };
}
