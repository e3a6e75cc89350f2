/**
 * Shared pieces of the simulator scenarios (test/browser/scenarios.test.ts), the latency bench and the demo:
 * what a person does on each site, and how to read the badge as a verdict.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { PAGES, visit } from '../../sim/browser';

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
