/** `npm run collector`: start the crowd-mode collector. Configuration: environment (docs/crowd-protocol.md). */
import { configFromEnv } from './config';
import { redactUrl } from './redis-store';
import { startCollector } from './server';

async function main(): Promise<void> {
  const cfg = configFromEnv();
  const running = await startCollector(cfg);
  const where = cfg.store === 'sqlite' ? `sqlite ${cfg.dbPath}` : `redis ${redactUrl(cfg.redisUrl)}`;
  console.log(`faultline collector listening on ${running.url} (mode: ${cfg.mode}, store: ${where})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`faultline collector: ${signal}, shutting down`);
    setTimeout(() => process.exit(0), 5000).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`faultline collector: shutdown: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`faultline collector: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
