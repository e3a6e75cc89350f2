/**
 * One collector process of the crowd simulation (bench/crowd-sim.ts): the real app and Redis store, with a clock
 * the simulation steps — every request carries the simulated time in `x-sim-now`, so days pass in seconds and
 * every instance agrees on the minute. POST /sim/prune runs the store's prune at that time (the maintenance
 * timer's job in a real collector). Prints "READY <url>". Loopback only; never a production entry point.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../collector/src/app';
import { RedisStore } from '../collector/src/redis-store';

async function main(): Promise<void> {
  let simNow = Number(process.env.SIM_START ?? Date.now());
  const store = await RedisStore.connect({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: process.env.SIM_PREFIX ?? 'sim:',
    log: (l) => console.error(l),
  });
  const rules = { expectedUsers: Number(process.env.SIM_EXPECTED_USERS ?? 0) };
  const app = createApp({
    store,
    clock: () => simNow,
    trustProxy: true,
    statusCacheMs: 0,
    rules,
    log: (l) => console.error(l),
  });
  const info = await new Promise<AddressInfo>((resolve) => {
    serve(
      {
        fetch: async (req: Request) => {
          const t = Number(req.headers.get('x-sim-now'));
          if (Number.isFinite(t) && t > 0) simNow = t;
          if (new URL(req.url).pathname === '/sim/prune') {
            return Response.json({ deleted: await store.prune(simNow) });
          }
          return app.fetch(req);
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      resolve,
    );
  });
  console.log(`READY http://127.0.0.1:${info.port}`);
}

main().catch((err: unknown) => {
  console.error(`sim collector: ${(err as Error).message}`);
  process.exit(1);
});
