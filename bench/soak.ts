/**
 * Soak: 500,000 real requests through the worker in real Chromium (the production build), in
 * compressed time — a page keeps 32 requests in flight to the fake provider (pictures, 404s, 5xx, signed OSS
 * requests, an mtop API) while a second tab with broken pictures reloads every few seconds (content-script
 * reports, page loads). A heavy day of browsing is a few hundred thousand requests; here it takes minutes.
 *
 * Sampled every 1/20 of the run: the worker's JS heap after a forced GC (CDP Runtime.getHeapUsage on the
 * service-worker target), the origin's storage usage (navigator.storage.estimate() in the worker), the
 * IndexedDB directory on disk, and the records stored. Both heap and database must level off: the largest
 * sample of the last third at most LEVEL_RATIO × the largest of the middle third.
 *
 *   tsx bench/soak.ts [requests]        prints the Markdown table (SOAK_REQUESTS also sets the count)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type CDPSession } from 'puppeteer-core';
import { launchWithExtension, resolverRules } from '../test/browser/harness';
import { PNG_1x1 } from '../test/browser/server';

export const LEVEL_RATIO = 1.25;

export interface SoakSample {
  requests: number;
  seconds: number;
  heapBytes: number;
  storageBytes: number;
  idbDiskBytes: number;
  outcomes: number;
  observations: number;
}

export interface SoakResult {
  total: number;
  seconds: number;
  samples: SoakSample[];
  heapLevel: { middle: number; last: number; ok: boolean };
  dbLevel: { middle: number; last: number; ok: boolean };
  pass: boolean;
}

/** 32 loops of fetches, mixed like a day of shopping and console work, reloaded every 4,000 requests. */
const TRAFFIC = `<!doctype html><link rel="icon" href="data:,"><script>
window.__n = 0;
function url(i) {
  if (i % 20 === 0) return 'http://bkt' + (i % 3) + '.oss-cn-hangzhou.aliyuncs.com/ok.png?OSSAccessKeyId=LTAI5tSOAK' + (i % 5) + 'AAAAAAAAAAAA&Expires=2000000000&Signature=s' + i;
  if (i % 10 === 0) return 'http://img' + (i % 8) + '.alicdn.com/missing.png';
  if (i % 53 === 0) return 'http://g.alicdn.com/err';
  if (i % 199 === 0) return 'http://h5api.m.taobao.com/h5/mtop.item.detail/1.0/ok.png';
  return 'http://img' + (i % 8) + '.alicdn.com/ok.png';
}
async function loop() {
  while (window.__n < 4000) {
    const i = window.__n++;
    try { await (await fetch(url(i), { cache: 'no-store', mode: 'no-cors' })).arrayBuffer(); } catch (e) {}
  }
}
// A document stops being able to fetch after ~18,000 requests in this Chromium (measured, with or without the
// extension): like a person browsing, the page is loaded again every 4,000 requests.
Promise.all(Array.from({ length: 32 }, loop)).then(() => location.reload());
</script>`;

const PICS =
  '<!doctype html><link rel="icon" href="data:,">' +
  '<img src="undefined"><img src="null"><img src="http://img1.alicdn.com/missing.png"><img src="/ok.png">';

/** The fake provider: counts requests, keeps nothing per request. */
async function startProvider(): Promise<{ server: Server; port: number; count: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/traffic') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(TRAFFIC);
    } else if (path === '/pics') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PICS);
    } else if (path.endsWith('/ok.png')) {
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store', date: new Date().toUTCString() });
      res.end(PNG_1x1);
    } else if (path === '/err') {
      res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end('busy');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end('not found');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, count: () => n };
}

function dirBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}

/** The largest sample of the last third vs the largest of the middle third. */
function level(samples: SoakSample[], f: (s: SoakSample) => number): { middle: number; last: number; ok: boolean } {
  const n = samples.length;
  const middle = Math.max(...samples.slice(Math.floor(n / 3), Math.floor((2 * n) / 3)).map(f));
  const last = Math.max(...samples.slice(Math.floor((2 * n) / 3)).map(f));
  return { middle, last, ok: last <= middle * LEVEL_RATIO };
}

export async function benchSoak(opts: { total?: number; samples?: number } = {}): Promise<SoakResult> {
  const total = opts.total ?? (Number(process.env.SOAK_REQUESTS) || 500_000);
  const every = Math.ceil(total / (opts.samples ?? 20));
  const provider = await startProvider();
  const r = await launchWithExtension({
    args: [`--host-resolver-rules=${resolverRules(provider.port)}`, '--remote-debugging-port=0'],
  });
  let cdp: CDPSession | null = null;
  const browser = await puppeteer.connect({
    browserURL: `http://127.0.0.1:${readFileSync(join(r.profile, 'DevToolsActivePort'), 'utf8').split('\n')[0]}`,
  });
  try {
    const target = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${r.extensionId}/`),
      { timeout: 20_000 },
    );
    cdp = await target.createCDPSession();
    const idbDir = join(r.profile, 'Default', 'IndexedDB');
    const t0 = Date.now();
    const sample = async (): Promise<SoakSample> => {
      await cdp!.send('HeapProfiler.collectGarbage');
      const heap = await cdp!.send('Runtime.getHeapUsage');
      const db = await r.sw.evaluate(async () => {
        const usage = (await navigator.storage.estimate()).usage ?? 0;
        const counts = await new Promise<number[]>((resolve, reject) => {
          const req = indexedDB.open('faultline');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const tx = req.result.transaction(['outcomes', 'observations']);
            const a = tx.objectStore('outcomes').count();
            const b = tx.objectStore('observations').count();
            tx.oncomplete = () => {
              req.result.close();
              resolve([a.result, b.result]);
            };
          };
        });
        return { usage, counts };
      });
      return {
        requests: provider.count(),
        seconds: (Date.now() - t0) / 1000,
        heapBytes: heap.usedSize,
        storageBytes: db.usage,
        idbDiskBytes: dirBytes(idbDir),
        outcomes: db.counts[0]!,
        observations: db.counts[1]!,
      };
    };
    const samples: SoakSample[] = [await sample()];
    const page = await r.ctx.newPage();
    await page.goto('http://www.taobao.com/traffic');
    const pics = await r.ctx.newPage();
    let next = every;
    let lastCount = 0;
    let lastProgress = Date.now();
    let lastPics = 0;
    let lastLog = 0;
    while (provider.count() < total) {
      await new Promise((res) => setTimeout(res, 500));
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        process.stderr.write(`soak: ${provider.count()} requests, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      }
      if (provider.count() > lastCount) [lastCount, lastProgress] = [provider.count(), Date.now()];
      else if (Date.now() - lastProgress > 60_000) throw new Error(`no request for 60 s (at ${lastCount})`);
      if (Date.now() - lastPics > 3000) {
        lastPics = Date.now();
        await pics.goto('http://www.taobao.com/pics').catch(() => undefined);
      }
      if (provider.count() >= next) {
        samples.push(await sample());
        next = Math.max(next + every, provider.count() + 1);
      }
    }
    await page.goto('about:blank');
    const end = await sample();
    if (end.requests > samples.at(-1)!.requests) samples.push(end);
    const heapLevel = level(samples, (s) => s.heapBytes);
    const dbLevel = level(samples, (s) => s.storageBytes);
    return {
      total,
      seconds: (Date.now() - t0) / 1000,
      samples,
      heapLevel,
      dbLevel,
      pass: heapLevel.ok && dbLevel.ok,
    };
  } finally {
    await cdp?.detach().catch(() => undefined);
    await browser.disconnect().catch(() => undefined);
    await r.close();
    await new Promise<void>((res) => {
      provider.server.closeAllConnections();
      provider.server.close(() => res());
    });
  }
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

export function soakTable(r: SoakResult): string {
  const rows = r.samples.map(
    (s) =>
      `| ${s.requests.toLocaleString('en')} | ${s.seconds.toFixed(0)} | ${mb(s.heapBytes)} | ${mb(s.storageBytes)} | ${mb(s.idbDiskBytes)} | ${s.outcomes.toLocaleString('en')} | ${s.observations.toLocaleString('en')} |`,
  );
  return [
    `${r.total.toLocaleString('en')} requests in ${r.seconds.toFixed(0)} s (${Math.round(r.samples.at(-1)!.requests / r.seconds)} requests/s). ` +
      `Worker heap: largest of the last third ${mb(r.heapLevel.last)} MB vs ${mb(r.heapLevel.middle)} MB in the middle third (${r.heapLevel.ok ? 'level' : 'GROWING'}); ` +
      `storage: ${mb(r.dbLevel.last)} MB vs ${mb(r.dbLevel.middle)} MB (${r.dbLevel.ok ? 'level' : 'GROWING'}). Level = at most ${LEVEL_RATIO}×.`,
    '',
    '| requests seen | s | worker JS heap after GC (MB) | storage usage (MB) | IndexedDB on disk (MB) | requests stored | observations stored |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('soak.ts')) {
  const total = Number(process.argv[2]) || undefined;
  const r = await benchSoak(total ? { total } : {});
  console.log(soakTable(r));
  if (!r.pass) process.exitCode = 1;
}
