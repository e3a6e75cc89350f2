/**
 * Firefox: the built dist/firefox passes `web-ext lint` with 0 errors, and a test build of the same source
 * (dist/firefox-test, see vite.config.ts FAULTLINE_TEST) installed temporarily in Firefox ESR, driven over
 * WebDriver BiDi with puppeteer-core, records a 404 image and a refused connection on provider hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { closedPort, DIST_FIREFOX, handlers, requireBuild, ROOT, startServer, until, type TestServer } from './harness';
import type { RequestOutcome } from '../../src/core/types';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';
const GECKO_ID = 'faultline@faultline.dev';
const UUID = '5b0b7b1e-4f1d-4c55-9a39-6f61a1f7c0de';
const TEST_DIST = join(ROOT, 'dist', 'firefox-test');

describe('Firefox', () => {
  it('web-ext lint on dist/firefox: 0 errors', () => {
    requireBuild(DIST_FIREFOX);
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'web-ext', 'bin', 'web-ext.js'),
        'lint',
        '--source-dir',
        DIST_FIREFOX,
        '--output',
        'json',
        '--no-config-discovery',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    const start = r.stdout.indexOf('{');
    expect(start, `web-ext lint printed no JSON: ${r.stdout}\n${r.stderr}`).toBeGreaterThanOrEqual(0);
    const report = JSON.parse(r.stdout.slice(start)) as {
      summary: { errors: number; warnings: number };
      errors: { code: string; message: string; file?: string }[];
    };
    expect(report.errors.map((e) => `${e.code}: ${e.message} (${e.file ?? ''})`)).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });

  describe('Firefox ESR over BiDi (test build)', () => {
    let server: TestServer;
    let browser: Browser;
    let refused: number;
    let profile: string;

    beforeAll(async () => {
      if (!existsSync(FIREFOX)) throw new Error(`Firefox not found at ${FIREFOX}`);
      const b = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: {
            ...process.env,
            FAULTLINE_TARGET: 'firefox',
            FAULTLINE_TEST: '1',
            VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
          },
        },
      );
      if (b.status !== 0) throw new Error(`test build failed: ${b.stderr}`);
      refused = await closedPort();
      server = await startServer({
        'www.taobao.com /page': handlers.html('<!doctype html><link rel="icon" href="data:,"><p>fake</p>'),
        'bucket.oss-cn-hangzhou.aliyuncs.com /private/a.jpg': handlers.oss403('FFOSSREQUESTID0001', '0003-00000001'),
        'g.alicdn.com /reset.png': handlers.reset(),
        // The content script (one self-contained file, no web-accessible chunk) must still inject in Firefox.
        'www.taobao.com /pics': handlers.html(
          '<!doctype html><link rel="icon" href="data:,"><img src="undefined"><img src="undefined"><img src="null">',
        ),
      });
      profile = mkdtempSync(join(tmpdir(), 'faultline-firefox-'));
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        acceptInsecureCerts: true,
        userDataDir: profile,
        extraPrefsFirefox: {
          'network.dns.forceResolve': '127.0.0.1',
          'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }),
          'dom.security.https_first': false,
          'dom.security.https_only_mode': false,
          'network.captive-portal-service.enabled': false,
          'network.connectivity-service.enabled': false,
        },
      });
      await browser.installExtension(TEST_DIST);
    });

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await server?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    /** The extension page the test build opens at start (shown by puppeteer as about:blank). */
    async function extensionPage(): Promise<Page> {
      return (await until(
        async () => {
          for (const p of await browser.pages()) {
            const href = await p.evaluate(() => location.href).catch(() => '');
            if (href.startsWith(`moz-extension://${UUID}/`)) return p;
          }
          return null;
        },
        30_000,
        'the test build opened its extension page',
      ))!;
    }

    /** Every record of one store of the history, read from the extension page. */
    async function readAll<T>(p: Page, store: 'outcomes' | 'observations'): Promise<T[]> {
      return p.evaluate(
        (name) =>
          new Promise<T[]>((res, rej) => {
            const r = indexedDB.open('faultline');
            r.onerror = () => rej(r.error);
            r.onsuccess = () => {
              const g = r.result.transaction(name).objectStore(name).getAll();
              g.onsuccess = () => {
                r.result.close();
                res(g.result as T[]);
              };
              g.onerror = () => rej(g.error);
            };
          }),
        store,
      );
    }
    const readOutcomes = (p: Page) => readAll<RequestOutcome>(p, 'outcomes');

    it('records a 404 image and an OSS 403 (headers + NS_BINDING_ABORTED → http.4xx, with ids), a refused connection and a reset', async () => {
      const ext = await extensionPage();
      const page = await browser.newPage();
      const base = `http://www.taobao.com:${server.port}`;
      await page.goto(`${base}/page`);
      const results = await page.evaluate(
        (urls: string[]) =>
          Promise.all(
            urls.map(
              (u) =>
                new Promise<string>((res) => {
                  const img = new Image();
                  img.onload = () => res('load');
                  img.onerror = () => res('error');
                  img.src = u;
                }),
            ),
          ),
        [
          `http://img.alicdn.com:${server.port}/missing/404.png`,
          `http://refused.taobao.com:${refused}/x.png`,
          `http://bucket.oss-cn-hangzhou.aliyuncs.com:${server.port}/private/a.jpg?OSSAccessKeyId=LTAI5tFFKEY000000000&Signature=SECRET`,
          `http://g.alicdn.com:${server.port}/reset.png`,
        ],
      );
      expect(results).toEqual(['error', 'error', 'error', 'error']);
      let stored: RequestOutcome[] = [];
      await until(
        async () => {
          stored = await readOutcomes(ext);
          return ['img.alicdn.com', 'refused.taobao.com', 'bucket.oss-cn-hangzhou.aliyuncs.com', 'g.alicdn.com'].every(
            (h) => stored.some((o) => o.host === h),
          );
        },
        20_000,
        'both outcomes stored',
      ).catch((e) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(stored)}`);
      });
      const img = stored.find((o) => o.host === 'img.alicdn.com')!;
      expect(img).toMatchObject({
        path: '/missing/404.png',
        service: 'cdn',
        type: 'image',
        status: 404,
        kind: 'http.4xx',
        phase: 'application',
      });
      const ref = stored.find((o) => o.host === 'refused.taobao.com')!;
      expect(ref).toMatchObject({
        path: '/x.png',
        service: 'shopping',
        status: 0,
        kind: 'tcp.refused',
        phase: 'connection',
        error: 'NS_ERROR_CONNECTION_REFUSED',
      });
      const oss = stored.find((o) => o.service === 'oss')!;
      expect(oss).toMatchObject({
        path: '/private/a.jpg',
        status: 403,
        kind: 'http.4xx',
        ids: { ossRequestId: 'FFOSSREQUESTID0001', ossEc: '0003-00000001' },
      });
      expect(oss.keyTag).toMatch(/^[0-9a-f]{16}$/);
      const reset = stored.find((o) => o.host === 'g.alicdn.com')!;
      expect(reset).toMatchObject({ status: 0, kind: 'tcp.reset', phase: 'connection', error: 'NS_ERROR_NET_RESET' });
      expect(JSON.stringify(stored)).not.toMatch(/SECRET|LTAI5t|\?/);
      const main = stored.find((o) => o.host === 'www.taobao.com');
      expect(main).toMatchObject({ type: 'main_frame', status: 200, kind: 'ok' });
    });

    it('the broken-picture content script injects (self-contained, nothing web-accessible) and reports', async () => {
      const ext = await extensionPage();
      const page = await browser.newPage();
      await page.goto(`http://www.taobao.com:${server.port}/pics`);
      const read = () =>
        readAll<{ kind: string; reason?: string; count?: number; pageHost?: string }>(ext, 'observations');
      const found = await until(
        async () => {
          const obs = (await read()).filter((o) => o.kind === 'broken-image' && o.reason === 'empty-url');
          return obs.reduce((n, o) => n + (o.count ?? 0), 0) >= 3 ? obs : null;
        },
        20_000,
        'broken pictures reported by the content script',
      );
      expect(found![0]!.pageHost).toBe('www.taobao.com');
      await page.close();
    });
  });
});
