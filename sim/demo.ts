/**
 * `npm run demo`: the 2023-11-12 outage, replayed against the built extension in Chromium.
 * healthy browsing → ak-outage (valid keys refused, console 5xx, sign-in bouncing) → screenshots → recovery
 * → healthy browsing → screenshots. PNGs go to artifacts/demo/; their absolute paths are printed at the end,
 * one per line. Headless without a DISPLAY, a visible window with one. Builds dist/chrome first if missing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchSimBrowser, PAGES, readBadge, visit } from './browser';
import { RECOVERY_QUIET_MS } from '../src/core/engine/thresholds';
import { startSim } from './server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'artifacts', 'demo');
const DOCS_SHOT = join(ROOT, 'docs', 'demo-provider.png');

function ensureBuild(): void {
  if (existsSync(join(ROOT, 'dist', 'chrome', 'manifest.json'))) return;
  console.log('[demo] dist/chrome missing: running npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** Open the popup as a tab at popup size, wait for `verdict` (any when omitted), screenshot it. */
async function popupShot(
  ctx: BrowserContext,
  id: string,
  file: string,
  verdict?: string,
): Promise<{ verdict: string; cause: string }> {
  const p = await ctx.newPage();
  await p.setViewportSize({ width: 400, height: 640 });
  const deadline = Date.now() + 20_000;
  let got: { verdict: string; cause: string };
  for (;;) {
    await p.goto(`chrome-extension://${id}/src/popup/index.html`);
    await p.waitForSelector('main[data-phase="ready"], main[data-phase="error"]', { timeout: 15_000 });
    got = await p.evaluate(() => ({
      verdict: document.querySelector('main')!.dataset.verdict ?? '',
      cause: document.querySelector('main')!.dataset.cause ?? '',
    }));
    if (!verdict || got.verdict === verdict || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 300));
  await p.screenshot({ path: file, fullPage: true });
  await p.close();
  return got;
}

async function pageShot(page: Page, file: string): Promise<void> {
  await page.bringToFront().catch(() => undefined);
  await page.screenshot({ path: file, fullPage: false });
}

async function main(): Promise<void> {
  ensureBuild();
  mkdirSync(OUT, { recursive: true });
  const headless = !process.env.DISPLAY;
  const sim = await startSim();
  console.log(
    `[demo] simulator on 127.0.0.1:${sim.port} (control: ${sim.controlUrl}/mode); Chromium ${headless ? 'headless' : 'in a window'}`,
  );
  const b = await launchSimBrowser(sim, { headless });
  const shots: string[] = [];
  const shot = (name: string) => {
    const f = join(OUT, name);
    shots.push(f);
    return f;
  };
  try {
    const consoleTab = await b.ctx.newPage();
    const shopTab = await b.ctx.newPage();
    const loginTab = await b.ctx.newPage();

    // 17:30 — a normal afternoon.
    console.log('[demo] 1/3 healthy browsing');
    await visit(consoleTab, PAGES.console);
    await visit(shopTab, PAGES.shop);
    await visit(loginTab, PAGES.consoleSession);
    await pageShot(consoleTab, shot('01-console-healthy.png'));
    let v = await popupShot(b.ctx, b.extensionId, shot('02-popup-healthy.png'), 'healthy');
    console.log(`[demo]     popup: ${v.verdict}/${v.cause}`);

    // 17:39 — the AccessKey service starts rejecting valid keys.
    console.log('[demo] 2/3 ak-outage (2023-11-12 17:39)');
    sim.setMode('ak-outage');
    await visit(consoleTab, PAGES.console);
    await visit(shopTab, PAGES.shop);
    await visit(loginTab, PAGES.consoleSession); // sign-in bounces until the browser gives up
    await visit(consoleTab, PAGES.console); // reload
    await pageShot(consoleTab, shot('03-console-ak-outage.png'));
    const providerShot = shot('04-popup-ak-outage-provider.png');
    v = await popupShot(b.ctx, b.extensionId, providerShot, 'provider');
    const badge = await readBadge(b.sw);
    console.log(`[demo]     popup: ${v.verdict}/${v.cause}; badge ${JSON.stringify(badge.text)} — ${badge.title}`);
    if (v.verdict === 'provider') {
      mkdirSync(dirname(DOCS_SHOT), { recursive: true });
      copyFileSync(providerShot, DOCS_SHOT);
    } else {
      console.error(
        `[demo] WARNING: the popup did not show the provider verdict (got ${v.verdict}/${v.cause}); docs/demo-provider.png not updated`,
      );
      process.exitCode = 1;
    }

    // 18:35 — recovery.
    console.log('[demo] 3/3 recovery');
    sim.setMode('healthy');
    const recoveredAt = Date.now();
    await visit(consoleTab, PAGES.console);
    await visit(shopTab, PAGES.shop);
    // A verdict ends when what it blamed has been quiet for RECOVERY_QUIET_MS and works again: the person
    // keeps working for a minute (silence alone is not recovery).
    console.log(
      `[demo]     waiting ${Math.round(RECOVERY_QUIET_MS / 1000)} s of quiet, as the engine requires before calling it over…`,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, RECOVERY_QUIET_MS + 1000 - (Date.now() - recoveredAt))));
    for (let i = 0; i < 3; i++) {
      await visit(consoleTab, PAGES.console);
      await visit(shopTab, PAGES.shop);
    }
    await pageShot(consoleTab, shot('05-console-recovered.png'));
    v = await popupShot(b.ctx, b.extensionId, shot('06-popup-after-recovery.png'), 'healthy');
    console.log(`[demo]     popup: ${v.verdict}/${v.cause}`);
  } finally {
    await b.close();
    await sim.close();
  }
  if (existsSync(DOCS_SHOT)) shots.push(DOCS_SHOT);
  console.log('[demo] screenshots:');
  for (const f of shots) console.log(f);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
