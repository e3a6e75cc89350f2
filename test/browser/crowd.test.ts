/**
 * Crowd mode in real Chromium with the built extension and the real collector (SQLite in memory):
 * with crowd mode off nothing leaves the browser; with it on, reports reach the collector, GET /v1/status
 * shows them, and the popup shows what others report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../collector/src/app';
import { SqliteStore } from '../../collector/src/sqlite-store';
import {
  handlers,
  launchWithExtension,
  resolverRules,
  startServer,
  until,
  type Launched,
  type TestServer,
} from './harness';
import type { CrowdBatch, StatusResponse } from '../../src/core/crowd/protocol';

const IMAGES = 12;
const CONTROL = ['http://www.baidu.com/favicon.ico', 'http://www.qq.com/favicon.ico', 'http://www.163.com/favicon.ico'];
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title><body>
${Array.from({ length: IMAGES }, (_, i) => `<img src="http://img.alicdn.com/imgextra/i${i}/cdn-${i}.jpg">`).join('\n')}
${Array.from({ length: 6 }, (_, i) => `<img src="http://bucket.oss-cn-hangzhou.aliyuncs.com/p/${i}.png">`).join('\n')}
<script>for (let i = 0; i < 6; i++) fetch('http://h5api.m.taobao.com/h5/mtop.taobao.detail/1.0/?i=' + i).catch(() => {});</script>
</body>`;

let server: TestServer;
let collector: ServerType;
let store: SqliteStore;
let base = '';
const posts: string[] = [];
let run: Launched;

async function setSettings(patch: Record<string, unknown>): Promise<void> {
  await run.sw.evaluate(async (p) => {
    const c = (
      globalThis as unknown as {
        chrome: {
          storage: { local: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> } };
        };
      }
    ).chrome;
    const cur = ((await c.storage.local.get('settings')).settings ?? {}) as Record<string, unknown>;
    await c.storage.local.set({ settings: { version: 1, ...cur, ...p } });
  }, patch);
}

async function popup(): Promise<{ verdict: string; crowd: string[] }> {
  const page = await run.ctx.newPage();
  await page.goto(`chrome-extension://${run.extensionId}/src/popup/index.html`);
  await page.waitForSelector('main[data-phase="ready"]');
  const verdict = (await page.getAttribute('main', 'data-verdict')) ?? '';
  const crowd = await page.$$eval('.crowd-line', (els) =>
    els.map((e) => `${e.getAttribute('data-service')}:${e.getAttribute('data-crowd-state')}:${e.textContent}`),
  );
  await page.close();
  return { verdict, crowd };
}

async function browse(n: number): Promise<void> {
  const page = await run.ctx.newPage();
  await page.goto(`http://www.taobao.com/shop?n=${n}`);
  await page.waitForLoadState('load');
  await page.waitForTimeout(300);
  await page.close();
}

describe('crowd mode in Chromium', () => {
  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    // trustProxy: this test plays other users by setting X-Forwarded-For on its own posts.
    const app = createApp({ store, salt: 'browser-test', statusCacheMs: 0, trustProxy: true, rateLimit: 0 });
    const info = await new Promise<AddressInfo>((resolve, reject) => {
      collector = serve(
        {
          fetch: (req: Request) => {
            posts.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get('origin') ?? ''}`);
            return app.fetch(req);
          },
          port: 0,
          hostname: '127.0.0.1',
        },
        resolve,
      );
      collector.once('error', reject);
    });
    base = `http://127.0.0.1:${info.port}`;
    const routes: Record<string, ReturnType<typeof handlers.png>> = {
      '/favicon.ico': handlers.png(),
      'www.taobao.com /shop': handlers.html(PAGE),
      '/h5/mtop.taobao.detail/1.0/': handlers.status(502, 'bad gateway'),
    };
    for (let i = 0; i < IMAGES; i++)
      routes[`img.alicdn.com /imgextra/i${i}/cdn-${i}.jpg`] = handlers.status(504, 'gateway timeout');
    for (let i = 0; i < 6; i++)
      routes[`bucket.oss-cn-hangzhou.aliyuncs.com /p/${i}.png`] = handlers.status(
        503,
        '<Error><Code>ServiceUnavailable</Code></Error>',
        { 'content-type': 'application/xml' },
      );
    server = await startServer(routes);
    // The collector is on 127.0.0.1: keep it out of the catch-all NOTFOUND rule.
    const controls = [
      'EXCLUDE 127.0.0.1',
      ...['www.baidu.com', 'www.qq.com', 'www.163.com'].map((h) => `MAP ${h} 127.0.0.1:${server.port}`),
    ];
    run = await launchWithExtension({
      args: [`--host-resolver-rules=${resolverRules(server.port, { extra: controls })}`],
    });
    await run.sw.evaluate(() => 1); // barrier: the worker runs before pages are driven
  });

  afterAll(async () => {
    await run?.close();
    await server?.close();
    await new Promise<void>((r) => (collector ? collector.close(() => r()) : r()));
    await store?.close();
  });

  it('with crowd mode off (the default) nothing leaves the browser', async () => {
    // Control sites answer (they are mapped to the test server): the provider fails while the rest works.
    await setSettings({ crowdEnabled: false, collectorUrl: base, controlSites: CONTROL });
    await browse(1);
    await until(async () => (await popup()).verdict === 'provider', 15_000, 'provider verdict');
    // Make the crowd alarm fire now: with crowd mode off it must not send.
    await run.sw.evaluate(() =>
      (globalThis as unknown as { chrome: { alarms: { create(n: string, a: object): void } } }).chrome.alarms.create(
        'faultline.crowd',
        { when: Date.now() + 50 },
      ),
    );
    await browse(2);
    await new Promise((r) => setTimeout(r, 2000));
    expect(posts).toEqual([]);
    // And the provider's (fake) hosts saw only the page's own requests: no probe carries data elsewhere.
    // Besides the page's requests, only the active checks: control favicons and cookie-less retries of the
    // failing provider resources — no request anywhere else.
    expect(
      server.seen.every((s) =>
        /^(www\.(taobao|baidu|qq|163)\.com|img\.alicdn\.com|bucket\.oss-cn-hangzhou\.aliyuncs\.com|h5api\.m\.taobao\.com) /.test(
          s,
        ),
      ),
      server.seen.join('\n'),
    ).toBe(true);
    expect((await popup()).crowd).toEqual([]);
  });

  it('with crowd mode on, reports reach the collector, /v1/status counts them, and the popup shows what others report', async () => {
    // Other users: 30 reports about OSS from 30 addresses, so the collector calls it an outage.
    for (let i = 0; i < 30; i++) {
      const batch: CrowdBatch = {
        v: 1,
        reports: [
          {
            service: 'oss',
            phase: 'application',
            type: 'http.5xx',
            region: 'cn-hangzhou',
            status: '5xx',
            minute: Math.floor(Date.now() / 60_000) * 60_000,
            verdict: 'provider',
            version: '0.1.0',
            token: i.toString(16).padStart(32, '0'),
          },
        ],
      };
      const r = await fetch(`${base}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${i}.1` },
        body: JSON.stringify(batch),
      });
      expect(r.status).toBe(202);
    }
    posts.length = 0;
    await setSettings({ crowdEnabled: true, collectorUrl: base });
    await browse(3);
    // The client batches for 30 s before its first send (one alarm), then POSTs from the extension's origin.
    await until(
      () => posts.some((p) => p.startsWith('POST /v1/reports chrome-extension://')),
      60_000,
      'a report batch from the extension',
      500,
    );
    const status = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
    const byId = new Map(status.services.map((s) => [s.service, s]));
    expect(byId.get('oss')!.reports.m15).toBeGreaterThanOrEqual(31);
    expect(byId.get('oss')!.state).toBe('outage');
    expect(byId.get('cdn')!.reports.m15).toBeGreaterThanOrEqual(1);
    // The popup shows what others report for the failing services.
    await browse(4);
    const p = await until(
      async () => {
        const x = await popup();
        return x.crowd.some((l) => l.startsWith('oss:outage:')) ? x : null;
      },
      20_000,
      'crowd lines in the popup',
    );
    expect(p!.verdict).toBe('provider');
    expect(p!.crowd.find((l) => l.startsWith('oss:'))).toMatch(
      /3\d people reported Object Storage \(OSS\) failures in the last 15 minutes/,
    );
  }, 120_000);
});
