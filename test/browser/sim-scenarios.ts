/**
 * Shared pieces of the simulator scenarios (test/browser/scenarios.test.ts in Chromium,
 * test/browser/firefox.test.ts in Firefox), the latency bench and the demo: what a person does on each site,
 * how to read the popup and the badge.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';
import { PAGES, visit, type PopupReading } from '../../sim/browser';
import type { LaunchedFirefox } from './harness';

/** Badge texts of the verdict badge (src/core/badge.ts), en and zh_CN; '' = healthy / nothing known. */
const BADGE_VERDICT: Record<string, string> = {
  THEM: 'provider',
  阿里: 'provider',
  ME: 'user',
  我: 'user',
  '?': 'unclear',
  '': 'healthy',
};

export function badgeVerdict(text: string): string {
  return BADGE_VERDICT[text] ?? `unknown:${text}`;
}

/**
 * A person browsing: one tab per page (console, shop, Yuque…), and opening a page again means reloading its
 * tab. (Cycling several pages through ONE tab within seconds — A, B, A, B — is what the extension's loop
 * detector calls a ping-pong loop; a real person takes longer than its 10-second chain gap between pages.)
 */
export class Person {
  private readonly tabs = new Map<string, Page>();
  constructor(private readonly ctx: BrowserContext) {}

  async tab(url: string): Promise<Page> {
    const key = new URL(url).host + new URL(url).pathname;
    let p = this.tabs.get(key);
    if (!p || p.isClosed()) {
      p = await this.ctx.newPage();
      this.tabs.set(key, p);
    }
    return p;
  }

  /** Visit each URL in turn; returns the navigation results (errors are results, not exceptions). */
  async browse(urls: readonly string[]): Promise<{ url: string; ok: boolean; error?: string }[]> {
    const out: { url: string; ok: boolean; error?: string }[] = [];
    for (const url of urls) {
      const r = await visit(await this.tab(url), url);
      out.push({ url, ok: r.ok, ...(r.error ? { error: r.error } : {}) });
    }
    return out;
  }
}

/** A healthy warm-up: the console (signed OSS + OpenAPI + console API), the shop, Yuque, a control site. */
export const WARMUP = [PAGES.console, PAGES.shop, PAGES.yuque, PAGES.baidu] as const;

/** Firefox (puppeteer over BiDi): the same person, one tab per page, reloading a page already open. */
export class FirefoxPerson {
  private readonly tabs = new Map<string, FirefoxPage>();
  constructor(private readonly browser: FirefoxBrowser) {}

  async browse(urls: readonly string[]): Promise<{ url: string; ok: boolean; error?: string }[]> {
    const out: { url: string; ok: boolean; error?: string }[] = [];
    for (const url of urls) {
      const key = new URL(url).host + new URL(url).pathname;
      let p = this.tabs.get(key);
      if (!p || p.isClosed()) {
        p = await this.browser.newPage();
        this.tabs.set(key, p);
      }
      const r = await visitFirefox(p, url);
      out.push({ url, ok: r.ok, ...(r.error ? { error: r.error } : {}) });
    }
    return out;
  }

  async closeTabs(): Promise<void> {
    for (const p of this.tabs.values()) await p.close().catch(() => undefined);
    this.tabs.clear();
  }
}

/** Like sim/browser.ts `visit`, for a puppeteer page: navigate (or reload), then wait for the page's resources. */
async function visitFirefox(
  page: FirefoxPage,
  url: string,
  settleMs = 15_000,
): Promise<{ ok: boolean; error?: string }> {
  try {
    const here = await page.evaluate(() => location.href).catch(() => '');
    if (here === url) await page.reload({ waitUntil: 'load', timeout: 20_000 });
    else await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    await page
      .waitForFunction(
        () => {
          const w = window as unknown as { __settled?: number; __total?: number };
          return w.__total === undefined || (w.__settled ?? 0) >= w.__total;
        },
        { timeout: settleMs },
      )
      .catch(() => undefined);
    return { ok: true };
  } catch (e) {
    await page.goto('about:blank').catch(() => undefined);
    return { ok: false, error: String((e as Error).message).split('\n')[0] };
  }
}

/** What the Firefox popup shows (opened as a tab from the privileged context) and the toolbar badge. */
export interface FirefoxReading extends PopupReading {
  badge: { text: string; title: string };
  stored: string;
}

export async function readFirefoxPopup(fx: LaunchedFirefox): Promise<FirefoxReading> {
  const p = await fx.openPage('src/popup/index.html');
  try {
    await p.waitForSelector('main[data-phase="ready"], main[data-phase="error"], main[data-phase="access"]', {
      timeout: 15_000,
    });
    return await p.evaluate(async () => {
      const m = document.querySelector('main')!;
      const action = (
        globalThis as unknown as {
          browser: { action: { getBadgeText(d: object): Promise<string>; getTitle(d: object): Promise<string> } };
        }
      ).browser.action;
      return {
        verdict: m.dataset.verdict ?? '',
        cause: m.dataset.cause ?? '',
        phase: m.dataset.phase ?? '',
        headline: (document.querySelector('h1,h2,.headline')?.textContent ?? '').trim().slice(0, 200),
        badge: { text: await action.getBadgeText({}), title: await action.getTitle({}) },
        stored: document.querySelector('footer .small')?.textContent ?? '',
      };
    });
  } finally {
    await p.close().catch(() => undefined);
  }
}

/** Reopen the Firefox popup until it shows `want` (and the badge agrees) or the deadline passes; the last reading. */
export async function pollFirefoxPopup(
  fx: LaunchedFirefox,
  want: { verdict: string; cause?: string; phase?: string },
  timeoutMs = 20_000,
): Promise<FirefoxReading> {
  const deadline = Date.now() + timeoutMs;
  let last: FirefoxReading | undefined;
  for (;;) {
    last = await readFirefoxPopup(fx).catch(() => last);
    const ok =
      last &&
      last.phase === (want.phase ?? 'ready') &&
      last.verdict === want.verdict &&
      (want.cause === undefined || last.cause === want.cause) &&
      (last.phase !== 'ready' || badgeVerdict(last.badge.text) === want.verdict);
    if (ok || Date.now() > deadline) {
      return last ?? { verdict: '', cause: '', phase: '', headline: '', badge: { text: '', title: '' }, stored: '' };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
