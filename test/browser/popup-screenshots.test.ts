/**
 * The real popup App with the mock connector, in real Chromium, at popup size (380×600): one screenshot per
 * verdict × language into artifacts/screenshots/, plus checks of the ids on the root, the localized headline,
 * keyboard reachability of every action, CJK rendering, and the error view when the background never answers.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import preact from '@preact/preset-vite';
import { FIXTURES } from '../fixtures/popup-states';
import { makeResolver } from '../../src/ui/texts';
import { VERDICTS, type Verdict } from '../../src/core/types';
import type { Lang } from '../../src/core/i18n/messages';

const ROOT = join(__dirname, '../..');
const GALLERY = join(__dirname, 'popup-gallery');
const SHOTS = join(ROOT, 'artifacts/screenshots');
const LANGS: Lang[] = ['zh_CN', 'en'];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

let outDir = '';
let server: Server;
let base = '';
let browser: Browser;

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'fl-gallery-'));
  await build({
    configFile: false,
    root: GALLERY,
    base: './',
    logLevel: 'warn',
    plugins: [preact()],
    define: { __FAULTLINE_TARGET__: JSON.stringify('chrome') },
    build: { outDir, emptyOutDir: true, target: 'chrome120', minify: true, modulePreload: false },
  });
  server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^(\.\.[/\\])+/, '');
    let file = join(outDir, path);
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function open(q: string, opts: { dark?: boolean } = {}): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: { width: 380, height: 600 },
    deviceScaleFactor: 1,
    timezoneId: 'Asia/Shanghai',
    locale: q.includes('lang=en') ? 'en-US' : 'zh-CN',
    colorScheme: opts.dark ? 'dark' : 'light',
  });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  (page as unknown as { __errors: string[] }).__errors = errors;
  await page.goto(base + 'index.html?' + q);
  return page;
}

async function close(page: Page) {
  await page.context().close();
}

/** Tab through the page; return the data-action (or text) of each focused element, in order, flagged when it has no visible focus ring. */
async function tabThrough(page: Page, max: number): Promise<string[]> {
  const seen: string[] = [];
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '';
      const cs = getComputedStyle(el);
      const ring = el.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
      return `${el.tagName.toLowerCase()}:${el.getAttribute('data-action') ?? el.getAttribute('data-format') ?? el.textContent?.trim().slice(0, 20)}${ring ? '' : ' (no focus ring)'}`;
    });
    seen.push(id);
  }
  return seen;
}

describe('popup screenshots (mock connector, real Chromium)', () => {
  for (const verdict of VERDICTS) {
    for (const lang of LANGS) {
      it(`${verdict} × ${lang}`, async () => {
        const page = await open(`verdict=${verdict}&lang=${lang}`);
        const root = page.locator('main.fl[data-phase="ready"]');
        await root.waitFor({ timeout: 5000 });
        const st = FIXTURES[verdict as Verdict];

        // ids on the root
        expect(await root.getAttribute('data-verdict')).toBe(verdict);
        expect(await root.getAttribute('data-cause')).toBe(st.diagnosis.cause);

        // headline = localized verdict; announced politely
        const expected = makeResolver(lang)({ key: `verdict_${verdict}` });
        expect((await page.locator('[data-testid="headline"]').textContent())?.trim()).toBe(expected);
        expect(await page.locator('[aria-live="polite"] header.verdict [data-testid="headline"]').count()).toBe(1);
        // never colour alone: an icon and words
        expect(await page.locator(`header.verdict svg[data-icon="${verdict}"]`).count()).toBe(1);

        // service grid and timeline present
        const visible = st.diagnosis.services.filter((s) => s.id !== 'telemetry' && s.id !== 'status').length;
        expect(await page.locator('.services li').count()).toBe(visible);
        expect(await page.locator('svg.timeline').getAttribute('aria-label')).toBeTruthy();

        await page.screenshot({ path: join(SHOTS, `popup-${verdict}-${lang}.png`) });

        // every action is a real button and reachable with Tab, with a visible focus outline
        const buttons = await page.$$eval('main button', (bs) =>
          bs.map((b) => `button:${b.getAttribute('data-action') ?? b.textContent?.trim().slice(0, 20)}`),
        );
        expect(buttons.length).toBeGreaterThan(0);
        const focused = await tabThrough(page, buttons.length + 4);
        for (const b of buttons) expect(focused, `Tab reaches ${b}`).toContain(b);
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

        // CJK really rendered with a CJK font (not tofu) in Chinese
        if (lang === 'zh_CN') {
          expect(expected).toMatch(/[\u4e00-\u9fff]/);
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('DOM.enable');
          await cdp.send('CSS.enable');
          const { root: doc } = await cdp.send('DOM.getDocument');
          const { nodeId } = await cdp.send('DOM.querySelector', {
            nodeId: doc.nodeId,
            selector: '[data-testid="headline"]',
          });
          const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
          expect(fonts.map((f) => f.familyName).join(', ')).toMatch(
            /CJK|Noto Sans SC|WenQuanYi|Source Han|Droid Sans Fallback/i,
          );
        }

        expect((page as unknown as { __errors: string[] }).__errors).toEqual([]);
        await close(page);
      });
    }
  }

  it('dark scheme (provider × zh_CN)', async () => {
    const page = await open('verdict=provider&lang=zh_CN', { dark: true });
    await page.locator('main.fl[data-phase="ready"]').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(23, 25, 29)');
    await page.screenshot({ path: join(SHOTS, 'popup-provider-zh_CN-dark.png') });
    await close(page);
  });

  it('shows an error with a retry (no endless spinner) when the background never answers', async () => {
    const page = await open('verdict=provider&lang=zh_CN&hang=1');
    const t0 = Date.now();
    await page.locator('main.fl[data-phase="error"] [role="alert"]').waitFor({ timeout: 4000 });
    expect(Date.now() - t0).toBeLessThan(3500);
    const retry = page.locator('button[data-action="reload"]');
    expect(await retry.textContent()).toBe('重试');
    await page.screenshot({ path: join(SHOTS, 'popup-error-zh_CN.png') });
    await close(page);
  });

  it('clear cookies asks first, then acts on the site', async () => {
    const page = await open('fixture=cookies-blocked&lang=zh_CN&origin=https://www.taobao.com');
    await page.locator('main.fl[data-phase="ready"]').waitFor();
    await page.locator('button[data-action="clear-cookies"]').click();
    const cancel = page.locator('button[data-action="cancel-clear"]');
    await cancel.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('cancel-clear');
    expect(await page.locator('.confirm').textContent()).toContain('www.taobao.com');
    let calls = await page.evaluate(() =>
      (window as unknown as { __calls: { method: string }[] }).__calls.map((c) => c.method),
    );
    expect(calls).not.toContain('clearSiteCookies');
    await page.screenshot({ path: join(SHOTS, 'popup-cookies-zh_CN-confirm.png') });
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.locator('.notice').waitFor();
    calls = await page.evaluate(() =>
      (window as unknown as { __calls: { method: string; args: unknown[] }[] }).__calls.map(
        (c) => c.method + ' ' + JSON.stringify(c.args),
      ),
    );
    expect(calls).toContain('clearSiteCookies ["https://www.taobao.com"]');
    expect(await page.locator('.notice').textContent()).toContain('7');
    await close(page);
  });

  it('copy report offers Markdown / JSON / HAR with the request ids, redacted', async () => {
    const page = await open('verdict=provider&lang=en');
    await page.locator('main.fl[data-phase="ready"]').waitFor();
    await page.locator('main button[data-action="copy-report"]').first().click();
    const panel = page.locator('[data-testid="export"]');
    await panel.waitFor();
    const ossId = FIXTURES.provider.recentFailures.find((o) => o.ids?.ossRequestId)!.ids!.ossRequestId!;
    expect(await page.locator('[data-testid="export"] .preview').textContent()).toContain(ossId);
    await page.locator('button[data-format="har"]').click();
    const har = JSON.parse((await page.locator('[data-testid="export"] .preview').textContent()) ?? '{}');
    expect(har.log.version).toBe('1.2');
    await page.locator('button[data-format="json"]').click();
    await page.locator('textarea').fill('Upload fails with LTAI5tAbCdEfGhIjKlMn');
    const json = (await page.locator('[data-testid="export"] .preview').textContent()) ?? '';
    expect(json).toContain('"acsRequestId"');
    expect(json).not.toContain('LTAI5tAbCdEfGhIjKlMn');
    await page.screenshot({ path: join(SHOTS, 'popup-provider-en-export.png'), fullPage: true });
    await close(page);
  });

  it('without host access the popup asks for it instead of a verdict; the click requests it, then the verdict shows', async () => {
    const page = await open('verdict=provider&lang=zh_CN&access=missing');
    const ask = page.locator('main.fl[data-phase="access"] button[data-action="grant-access"]');
    await ask.waitFor();
    expect(await page.locator('main.fl').getAttribute('data-verdict')).toBe('');
    await page.screenshot({ path: join(SHOTS, 'popup-access-zh_CN.png') });
    await ask.click();
    await page.locator('main.fl[data-phase="ready"][data-verdict="provider"]').waitFor();
    const calls = await page.evaluate(() =>
      (window as unknown as { __calls: { method: string }[] }).__calls.map((c) => c.method),
    );
    expect(calls).toContain('requestHostAccess');
    await close(page);
  });

  it('the welcome page says what is watched, kept and sent, asks for missing access, and how to allow private windows', async () => {
    for (const lang of LANGS) {
      const page = await open(`page=welcome&lang=${lang}&access=missing`);
      await page.setViewportSize({ width: 800, height: 1000 });
      const ask = page.locator('main.welcome[data-access="missing"] button[data-action="grant-access"]');
      await ask.waitFor();
      expect(await page.locator('.private-note').getAttribute('data-private')).toBe('not-allowed');
      expect(await page.locator('.private-note').textContent()).toContain('chrome://extensions');
      await page.screenshot({ path: join(SHOTS, `welcome-${lang}.png`), fullPage: true });
      await ask.click();
      await page.locator('main.welcome[data-access="granted"]').waitFor();
      expect((page as unknown as { __errors: string[] }).__errors).toEqual([]);
      await close(page);
    }
  });

  it('options page renders the exact crowd bytes (zh_CN)', async () => {
    const page = await open('page=options&lang=zh_CN');
    const pre = page.locator('[data-testid="crowd-bytes"]');
    await pre.waitFor();
    const body = (await pre.textContent()) ?? '';
    expect(JSON.parse(body).v).toBe(1);
    expect(await page.locator('#crowd').isChecked()).toBe(true);
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.screenshot({ path: join(SHOTS, 'options-zh_CN.png'), fullPage: true });
    await close(page);
  });
});

/** The built extension (npm run build): the popup opened as an ordinary tab paints from the real background. */
const DIST = join(ROOT, 'dist/chrome');
describe.skipIf(!existsSync(join(DIST, 'manifest.json')))('popup in the built extension (dist/chrome)', () => {
  it('opens as a tab at chrome-extension://ID/src/popup/index.html and shows a verdict', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'fl-popup-profile-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 380, height: 600 },
      locale: 'zh-CN',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--lang=zh-CN',
        `--disable-extensions-except=${DIST}`,
        `--load-extension=${DIST}`,
      ],
    });
    try {
      const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 15_000 }));
      await sw.evaluate(() => 1); // barrier: the worker has run
      const id = new URL(sw.url()).host;
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`chrome-extension://${id}/src/popup/index.html`);
      const root = page.locator('main.fl[data-phase="ready"], main.fl[data-phase="error"]');
      await root.waitFor({ timeout: 5000 });
      expect(await root.getAttribute('data-phase')).toBe('ready');
      const verdict = await root.getAttribute('data-verdict');
      expect(VERDICTS).toContain(verdict);
      expect(await root.getAttribute('data-cause')).toBeTruthy();
      const headline = (await page.locator('[data-testid="headline"]').textContent())?.trim() ?? '';
      // A fresh profile has seen no traffic: healthy is the quiet state ("watching, nothing wrong seen").
      expect(headline).toBe(
        makeResolver('zh_CN')({ key: verdict === 'healthy' ? 'popup_quiet_headline' : `verdict_${verdict}` }),
      );
      await page.screenshot({ path: join(SHOTS, 'popup-extension-tab.png') });
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
