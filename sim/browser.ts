/**
 * Chromium + the built extension, pointed at the simulator. Reuses the shared harness (test/browser/harness.ts)
 * for the worker barrier, resolver rules and badge reading; adds what scenarios need on top: a profile
 * written before launch (cookies blocked), a dead proxy, a visible window, the popup as a tab, and "browse
 * like a person" helpers.
 */
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { launchWithExtension, readBadge, resolverRules } from '../test/browser/harness';
import type { Sim } from './server';

export { readBadge };

/** Hosts the harness's resolver rules do not map (Yuque and its CDNs), the control sites and the DoH resolvers the extension probes. */
const EXTRA_HOSTS = [
  '*.yuque.com',
  'yuque.com',
  '*.nlark.com',
  '*.alipayobjects.com',
  'www.baidu.com',
  'www.qq.com',
  'www.163.com',
  'www.bing.com',
  'doh.pub',
  'dns.alidns.com',
];

export interface LaunchOpts {
  /** Other unpacked extensions (e.g. the blocker fixture). */
  extraExtensions?: string[];
  /** Write Default/Preferences before launch: block every site's cookies. */
  blockCookies?: boolean;
  /** --proxy-server value (e.g. a closed port: a dead proxy). */
  proxy?: string;
  headless?: boolean;
  args?: string[];
  dist?: string;
}

export interface SimBrowser {
  ctx: BrowserContext;
  sw: Worker;
  extensionId: string;
  profile: string;
  close(): Promise<void>;
}

export function simArgs(sim: Sim): string[] {
  const extra = EXTRA_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${sim.port}`);
  return [
    `--host-resolver-rules=${resolverRules(sim.port, { extra })}`,
    `--ignore-certificate-errors-spki-list=${sim.certs.good.spki}`,
  ];
}

export async function launchSimBrowser(sim: Sim, opts: LaunchOpts = {}): Promise<SimBrowser> {
  return launchWithExtension({
    ...(opts.dist ? { dist: opts.dist } : {}),
    ...(opts.extraExtensions ? { extraExtensions: opts.extraExtensions } : {}),
    ...(opts.blockCookies ? { preferences: { profile: { default_content_setting_values: { cookies: 2 } } } } : {}),
    headless: opts.headless ?? true,
    viewport: { width: 1200, height: 800 },
    args: [...simArgs(sim), ...(opts.proxy ? [`--proxy-server=${opts.proxy}`] : []), ...(opts.args ?? [])],
  });
}

export const PAGES = {
  console: 'https://ecs.console.aliyun.com/',
  shop: 'https://www.taobao.com/',
  yuque: 'https://www.yuque.com/dashboard',
  myTaobao: 'https://www.taobao.com/my/',
  consoleSession: 'https://ecs.console.aliyun.com/session',
  baidu: 'https://www.baidu.com/',
  qq: 'https://www.qq.com/',
} as const;

/**
 * Open `url` in `page` like a person (a navigation, or a reload when it is already open), then wait until the page's resources settled
 * (window.__settled ≥ window.__total) or `settleMs` passed. Navigation errors (offline, proxy, certificate,
 * redirect loop) are returned, not thrown: they are what the scenario is about.
 */
export async function visit(
  page: Page,
  url: string,
  settleMs = 15_000,
): Promise<{ ok: boolean; error?: string; status?: number }> {
  try {
    // Opening the page that is already shown = the person presses reload (F5): a 'reload' transition, which
    // the extension's loop detector treats as a fresh start (three link/typed visits to one URL within 10 s
    // look like a client-side redirect loop to it).
    const r =
      page.url() === url
        ? await page.reload({ waitUntil: 'load', timeout: 20_000 })
        : await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    await page
      .waitForFunction(
        () => {
          const w = window as unknown as { __settled?: number; __total?: number };
          return w.__total === undefined || (w.__settled ?? 0) >= w.__total;
        },
        undefined,
        { timeout: settleMs },
      )
      .catch(() => undefined);
    return { ok: true, status: r?.status() ?? 0 };
  } catch (e) {
    // Chromium may still be running a second redirect chain or committing its error page: let it finish,
    // then park the tab on about:blank so the next navigation is not "interrupted by chrome-error://".
    await new Promise((r) => setTimeout(r, 400));
    await page.goto('about:blank').catch(() => undefined);
    return { ok: false, error: String((e as Error).message).split('\n')[0] };
  }
}

export interface PopupReading {
  verdict: string;
  cause: string;
  phase: string;
  headline: string;
}

/** Open the popup as a tab and read its root element once it is ready. */
export async function readPopup(
  ctx: BrowserContext,
  extensionId: string,
  page?: Page,
): Promise<PopupReading & { page: Page }> {
  const p = page ?? (await ctx.newPage());
  await p.goto(`chrome-extension://${extensionId}/src/popup/index.html`);
  await p.waitForSelector('main[data-phase="ready"], main[data-phase="error"], main[data-phase="access"]', {
    timeout: 15_000,
  });
  const r = await p.evaluate(() => {
    const m = document.querySelector('main')!;
    return {
      verdict: m.dataset.verdict ?? '',
      cause: m.dataset.cause ?? '',
      phase: m.dataset.phase ?? '',
      headline: (document.querySelector('h1,h2,.headline')?.textContent ?? '').trim().slice(0, 200),
    };
  });
  return { ...r, page: p };
}

/**
 * Reopen the popup until it shows `want` (verdict and, when given, cause) or the deadline passes; returns
 * the last reading either way (callers assert on it, so a mismatch shows what the popup did say).
 */
export async function pollPopup(
  ctx: BrowserContext,
  extensionId: string,
  want: { verdict: string; cause?: string },
  timeoutMs = 20_000,
): Promise<PopupReading> {
  const deadline = Date.now() + timeoutMs;
  const page = await ctx.newPage();
  let last: PopupReading = { verdict: '', cause: '', phase: '', headline: '' };
  try {
    for (;;) {
      try {
        const { page: _p, ...r } = await readPopup(ctx, extensionId, page);
        last = r;
        if (r.verdict === want.verdict && (want.cause === undefined || r.cause === want.cause)) return r;
      } catch {
        /* popup not ready yet: retry */
      }
      if (Date.now() > deadline) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Switch the simulator's mode through its HTTP control API (what `npm run sim` users do with curl). */
export async function setModeHttp(sim: Sim, mode: string): Promise<void> {
  const r = await fetch(`${sim.controlUrl}/mode`, {
    method: 'POST',
    body: JSON.stringify({ mode }),
    headers: { 'content-type': 'application/json' },
  });
  if (!r.ok) throw new Error(`sim mode ${mode}: HTTP ${r.status} ${await r.text()}`);
}
