/**
 * Crowd mode in real Chromium, with a test build of the extension (dist/chrome-test: TEST_BUILD sends within a
 * second instead of half a minute, and reads a policy from a storage hook) and the real collector (SQLite in
 * memory). A fresh install has no collector and sends nothing; set up in the options page it sends exactly the
 * bytes the options page showed; the popup shows what others report; an enterprise policy shows locked; the
 * collector's status page renders, switches language and refreshes itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { createApp } from '../../collector/src/app';
import { SqliteStore } from '../../collector/src/sqlite-store';
import {
  ROOT,
  handlers,
  launchWithExtension,
  resolverRules,
  startServer,
  until,
  type Launched,
  type TestServer,
} from './harness';
import type { CrowdBatch, CrowdReport, StatusResponse } from '../../src/core/crowd/protocol';

const TEST_DIST = join(ROOT, 'dist', 'chrome-test');
const IMAGES = 8;
const CONTROL = ['http://www.baidu.com/favicon.ico', 'http://www.qq.com/favicon.ico', 'http://www.163.com/favicon.ico'];
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title><body>
${Array.from({ length: IMAGES }, (_, i) => `<img src="http://img.alicdn.com/imgextra/i${i}/cdn-${i}.jpg">`).join('\n')}
${Array.from({ length: 6 }, (_, i) => `<img src="http://bucket.oss-cn-hangzhou.aliyuncs.com/p/${i}.png">`).join('\n')}
</body>`;

let server: TestServer;
let collector: ServerType;
let store: SqliteStore;
let base = '';
/** Every request the collector saw: "METHOD path origin", and the bodies of report POSTs. */
const seen: string[] = [];
const posted: string[] = [];
/** While true, POST /v1/reports answers 503 with Retry-After: 2 (the extension keeps its batch and waits). */
let refuse = false;
let run: Launched;

type Chrome = {
  storage: {
    local: {
      get(k: string): Promise<Record<string, unknown>>;
      set(v: object): Promise<void>;
      remove(k: string): Promise<void>;
    };
  };
  storage_managed?: never;
};

async function localGet(key: string): Promise<unknown> {
  return run.sw.evaluate(async (k) => {
    const c = (globalThis as unknown as { chrome: Chrome }).chrome;
    return (await c.storage.local.get(k))[k];
  }, key);
}

async function browse(n: number): Promise<void> {
  const page = await run.ctx.newPage();
  await page.goto(`http://www.taobao.com/shop?n=${n}`);
  await page.waitForLoadState('load');
  await page.close();
}

async function options(): Promise<Page> {
  const page = await run.ctx.newPage();
  await page.goto(`chrome-extension://${run.extensionId}/src/options/index.html`);
  await page.waitForSelector('#o-crowd');
  return page;
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

/** Other people: one report each from `n` addresses on `n` different networks. */
async function others(service: CrowdReport['service'], n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const batch: CrowdBatch = {
      v: 1,
      reports: [
        {
          service,
          phase: 'application',
          type: 'http.5xx',
          region: 'cn-hangzhou',
          status: '5xx',
          minute: Math.floor(Date.now() / 60_000) * 60_000,
          verdict: 'provider',
          version: '0.1.0',
          token: (i + 1).toString(16).padStart(32, '0'),
        },
      ],
    };
    const r = await fetch(`${base}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `${20 + i}.${i}.0.1` },
      body: JSON.stringify(batch),
    });
    expect(r.status).toBe(202);
  }
}

describe('crowd mode in Chromium', () => {
  beforeAll(async () => {
    const b = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          FAULTLINE_TARGET: 'chrome',
          FAULTLINE_TEST: '1',
          VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
        },
      },
    );
    if (b.status !== 0) throw new Error(`test build failed: ${b.stderr}`);
    store = new SqliteStore(':memory:');
    // trustProxy: this test plays other users by setting X-Forwarded-For on its own posts.
    const app = createApp({ store, salt: 'browser-test', statusCacheMs: 0, trustProxy: true, rateLimit: 0 });
    const info = await new Promise<AddressInfo>((resolve, reject) => {
      collector = serve(
        {
          fetch: async (req: Request) => {
            const path = new URL(req.url).pathname;
            seen.push(`${req.method} ${path} ${req.headers.get('origin') ?? ''}`);
            if (req.method === 'POST' && path === '/v1/reports' && req.headers.get('origin')) {
              posted.push(await req.clone().text());
              if (refuse) {
                return new Response('{"error":"store unavailable, try again later"}', {
                  status: 503,
                  headers: {
                    'content-type': 'application/json',
                    'retry-after': '2',
                    'access-control-allow-origin': req.headers.get('origin')!,
                    'access-control-expose-headers': 'Retry-After',
                  },
                });
              }
            }
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
      dist: TEST_DIST,
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

  it('a fresh install has no collector address, crowd mode off, and sends nothing', async () => {
    // The managed-storage schema is valid (Chromium loaded the extension) and no policy is set.
    expect(
      await run.sw.evaluate(() =>
        (
          globalThis as unknown as { chrome: { storage: { managed: { get(): Promise<object> } } } }
        ).chrome.storage.managed.get(),
      ),
    ).toEqual({});
    const page = await options();
    expect(await page.inputValue('#collector')).toBe('');
    expect(await page.isDisabled('#crowd')).toBe(true);
    expect(await page.isChecked('#crowd')).toBe(false);
    await page.waitForSelector('.crowd-preview[data-preview-state="off"]');
    expect(await page.locator('#crowd-need').textContent()).toBeTruthy();
    await page.close();

    await run.sw.evaluate(async (controls) => {
      const c = (globalThis as unknown as { chrome: Chrome }).chrome;
      const cur = ((await c.storage.local.get('settings')).settings ?? {}) as Record<string, unknown>;
      await c.storage.local.set({ settings: { version: 1, ...cur, controlSites: controls } });
    }, CONTROL);
    await browse(1);
    await until(async () => (await popup()).verdict === 'provider', 15_000, 'provider verdict');
    // Fire the crowd alarm now: with no collector it must not send, and nothing may be queued.
    await run.sw.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const a = (
            globalThis as unknown as {
              chrome: {
                alarms: {
                  create(n: string, i: object): void;
                  onAlarm: { addListener(f: (x: { name: string }) => void): void };
                };
              };
            }
          ).chrome.alarms;
          a.onAlarm.addListener((x) => x.name === 'faultline.crowd' && setTimeout(resolve, 200));
          a.create('faultline.crowd', { when: Date.now() + 10 });
        }),
    );
    expect(seen).toEqual([]);
    expect(((await localGet('crowdClient')) as { queue?: unknown[] } | undefined)?.queue ?? []).toEqual([]);
    expect((await popup()).crowd).toEqual([]);
  });

  it('set up in the options page, it sends exactly the bytes the options page showed', async () => {
    refuse = true; // the first attempt is told to come back in 2 s: the batch waits in the queue meanwhile
    const page = await options();
    await page.fill('#collector', base);
    await page.press('#collector', 'Tab');
    await until(async () => !(await page.isDisabled('#crowd')), 10_000, 'the switch enabled by a collector address');
    await page.check('#crowd');
    await page.waitForSelector('.crowd-preview[data-preview-state="empty"]');
    await browse(2);
    await until(() => posted.length > 0, 15_000, 'a first (refused) attempt');
    // During the back-off the batch waits in the queue (with whatever joined it since the refused attempt: on a
    // loaded machine the OSS report can come after it): the options page shows the bytes of the next request.
    let shown = '';
    await until(
      async () => {
        await page.click('#crowd-refresh');
        const pre = page.locator('[data-testid="crowd-bytes"]');
        shown = (await pre.count()) ? ((await pre.textContent()) ?? '') : '';
        return /"service":"cdn"/.test(shown) && /"service":"oss"/.test(shown);
      },
      10_000,
      'the preview shows the queued batch, both services in it',
    );
    const batch = JSON.parse(shown) as CrowdBatch;
    expect(batch.reports, 'the refused attempt’s reports are still queued').toEqual(
      expect.arrayContaining((JSON.parse(posted[0]!) as CrowdBatch).reports),
    );
    expect(batch.reports.every((r) => r.verdict === 'provider' && /^[0-9a-f]{32}$/.test(r.token))).toBe(true);
    expect(shown).not.toMatch(/alicdn|aliyuncs|taobao|imgextra|bucket|cookie/);
    const previewText = await page.locator('.crowd-preview').textContent();
    expect(previewText).toContain(`POST ${base}/v1/reports`);
    expect(previewText).toContain(`${new TextEncoder().encode(shown).length}`);
    refuse = false;
    await until(() => posted.length >= 2, 15_000, 'the retry after the back-off');
    expect(posted[1]).toBe(shown);
    await until(
      async () => {
        await page.click('#crowd-refresh');
        return (await page.getAttribute('.crowd-preview', 'data-preview-state')) === 'empty';
      },
      10_000,
      'the queue is empty after the send',
    );
    await page.close();
    const status = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
    expect(status.services.find((s) => s.service === 'cdn')!.reports.m15).toBe(1);
  });

  it('the popup shows what others report', async () => {
    await others('oss', 30);
    await browse(3);
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
  });

  it('an administrator’s policy applies at once and shows locked in the options', async () => {
    await run.sw.evaluate(async (collectorUrl) => {
      const c = (globalThis as unknown as { chrome: Chrome }).chrome;
      await c.storage.local.set({
        'faultline.test.managed': {
          collectorUrl,
          crowdMode: 'forced',
          teamKey: 'corp-key-0123456789abcdef',
          extraDomains: ['shop.example.com'],
          controlSites: ['https://intranet.corp.example/favicon.ico'],
        },
      });
    }, `${base}/`);
    const page = await options();
    await page.waitForSelector('[data-testid="policy-notice"]');
    expect(await page.isDisabled('#collector')).toBe(true);
    expect(await page.inputValue('#collector')).toBe(`${base}/`);
    expect(await page.isDisabled('#team-key')).toBe(true);
    expect(await page.isDisabled('#crowd')).toBe(true);
    expect(await page.isChecked('#crowd')).toBe(true);
    expect(await page.locator('[data-locked]').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-testid="managed-domains"]').textContent()).toContain('shop.example.com');
    expect(await page.locator('[data-testid="managed-controls"]').textContent()).toContain('intranet.corp.example');
    expect(await page.locator('#control').count()).toBe(0); // no way to edit the managed list
    // The user's own settings turning crowd mode off change nothing while the policy forces it.
    await run.sw.evaluate(async () => {
      const c = (globalThis as unknown as { chrome: Chrome }).chrome;
      const cur = ((await c.storage.local.get('settings')).settings ?? {}) as Record<string, unknown>;
      await c.storage.local.set({ settings: { ...cur, crowdEnabled: false, crowdChosen: true } });
    });
    await page.reload();
    await page.waitForSelector('.crowd-preview[data-preview-state]:not([data-preview-state="loading"])');
    expect(await page.isChecked('#crowd')).toBe(true);
    expect(await page.getAttribute('.crowd-preview', 'data-preview-state')).not.toBe('off');
    // Policy removed: back to the user's choice (off), unlocked.
    await run.sw.evaluate(async () => {
      await (globalThis as unknown as { chrome: Chrome }).chrome.storage.local.remove('faultline.test.managed');
    });
    await page.reload();
    await page.waitForSelector('#o-crowd');
    expect(await page.locator('[data-testid="policy-notice"]').count()).toBe(0);
    expect(await page.isDisabled('#collector')).toBe(false);
    expect(await page.isChecked('#crowd')).toBe(false);
    await page.waitForSelector('.crowd-preview[data-preview-state="off"]');
    await page.close();
  });

  it('the collector’s status page renders in both languages and refreshes itself', async () => {
    const page = await run.ctx.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/?refresh=1&lang=en`);
    await page.waitForSelector('tr[data-service="oss"][data-state="outage"]');
    expect(await page.locator('h1').textContent()).toBe('Faultline collector — what users report');
    const oss = page.locator('tr[data-service="oss"]');
    expect(await oss.locator('.state').textContent()).toBe('Likely outage');
    expect(await oss.locator('[data-col="hour"]').textContent()).toMatch(/^3\d \(3\d\)$/);
    expect(await oss.locator('svg rect').count()).toBeGreaterThan(0);
    expect(await page.locator('tbody tr').count()).toBe(14);
    expect(await page.locator('tbody tr').first().getAttribute('data-service')).toBe('oss'); // worst first
    await page.click('#switch');
    expect(await page.locator('h1').textContent()).toBe('Faultline 收集服务器——用户报告');
    expect(await oss.locator('td').first().textContent()).toBe('对象存储 OSS');
    expect(await oss.locator('.state').textContent()).toBe('疑似故障');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    // More reports arrive: the page shows them without a reload.
    await others('login', 25, 100);
    await page.waitForSelector('tr[data-service="login"][data-state="outage"]', { timeout: 15_000 });
    expect(await page.locator('tr[data-service="login"] .state').textContent()).toBe('疑似故障');
    expect(problems).toEqual([]); // no CSP violation, no script error
    expect(requests.every((u) => u.startsWith(`${base}/`))).toBe(true); // no external assets
    await page.close();
  });
});
