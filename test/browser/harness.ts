/**
 * Shared real-browser harness: Debian Chromium (headless) with the BUILT dist/chrome loaded, a local fake
 * provider, the service worker, force-stopping it over CDP, and reading the stored history from IndexedDB;
 * Firefox ESR over WebDriver BiDi (puppeteer-core) with a privileged (parent-process) context for what BiDi
 * cannot do: open moz-extension pages, read the event page's state, withdraw host permissions.
 * Tests assume `npm run build` ran first; test builds (dist/<target>-test) are built on demand (`testBuild`).
 */
import { chromium, type BrowserContext, type CDPSession, type Page, type Worker } from 'playwright-core';
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from 'puppeteer-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestOutcome } from '../../src/core/types';
import { GECKO_ID } from '../../manifest.config';

export { startServer, handlers, closedPort, type TestServer, type Handler } from './server';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const DIST_CHROME = join(ROOT, 'dist', 'chrome');
export const DIST_FIREFOX = join(ROOT, 'dist', 'firefox');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const BLOCKER_EXT = join(HERE, 'fixtures', 'blocker-ext');

export function requireBuild(dir: string = DIST_CHROME): void {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`${dir}/manifest.json is missing: run \`npm run build\` before the browser tests`);
  }
}

/** Newest modification time of the files that make a build. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'public', 'manifest.config.ts', 'vite.config.ts', 'package.json']) walk(join(ROOT, p));
  return newest;
}

/**
 * The test build of a target, dist/<target>-test (FAULTLINE_TEST=1, see vite.config.ts: the same code with the
 * engine's recovery wait shortened and high ports trusted), built when missing or older than the sources.
 * Returns its directory.
 */
export function testBuild(target: 'chrome' | 'firefox'): string {
  const dir = join(ROOT, 'dist', `${target}-test`);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest) && statSync(manifest).mtimeMs >= newestSource()) return dir;
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, FAULTLINE_TARGET: target, FAULTLINE_TEST: '1', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    },
  );
  if (r.status !== 0) throw new Error(`test build of ${target} failed: ${r.stderr}`);
  return dir;
}

/** Provider host names the fake server answers for (mapped to 127.0.0.1:PORT). */
export const PROVIDER_HOST_PATTERNS = [
  '*.taobao.com',
  '*.alicdn.com',
  '*.aliyuncs.com',
  '*.aliyun.com',
  '*.tmall.com',
  '*.alibaba.com',
  '*.alipay.com',
  '*.mmstat.com',
];

/**
 * --host-resolver-rules: specific rules first (refused, NOTFOUND), then providers → the server, then
 * everything else fails to resolve (no real network in tests).
 */
export function resolverRules(
  port: number,
  opts: { refusedPort?: number; notFound?: string[]; extra?: string[] } = {},
): string {
  const rules: string[] = [];
  for (const h of opts.notFound ?? ['nx.aliyun.com']) rules.push(`MAP ${h} ~NOTFOUND`);
  if (opts.refusedPort) rules.push(`MAP refused.taobao.com 127.0.0.1:${opts.refusedPort}`);
  rules.push(...(opts.extra ?? []));
  for (const p of PROVIDER_HOST_PATTERNS) {
    rules.push(`MAP ${p} 127.0.0.1:${port}`);
    if (p.startsWith('*.')) rules.push(`MAP ${p.slice(2)} 127.0.0.1:${port}`);
  }
  rules.push('MAP * ~NOTFOUND');
  return rules.join(', ');
}

export interface Launched {
  ctx: BrowserContext;
  sw: Worker;
  extensionId: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** More unpacked extensions to load beside ours (e.g. the blocker fixture). */
  extraExtensions?: string[];
  args?: string[];
  /** Which build to load (default dist/chrome). */
  dist?: string;
  /** false: the same browser without our extension (baselines). */
  withExtension?: boolean;
  /** Written as the profile's Default/Preferences before launch (e.g. cookies blocked). */
  preferences?: object;
  headless?: boolean;
  viewport?: { width: number; height: number };
}

/** The flags every launch needs on this machine (platform-facts.md): no background networking, no sandbox as root. */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium with a fresh profile and the built extension loaded unpacked (both flags are needed). */
export async function launchWithExtension(opts: LaunchOptions = {}): Promise<Launched & { profile: string }> {
  const withExt = opts.withExtension !== false;
  const dist = opts.dist ?? DIST_CHROME;
  if (withExt) requireBuild(dist);
  const exts = [dist, ...(opts.extraExtensions ?? [])].join(',');
  const profile = mkdtempSync(join(tmpdir(), 'faultline-chromium-'));
  if (opts.preferences) {
    mkdirSync(join(profile, 'Default'), { recursive: true });
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify(opts.preferences));
  }
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: opts.headless ?? true,
    ...(opts.viewport ? { viewport: opts.viewport } : {}),
    args: [
      ...BASE_ARGS,
      ...(withExt ? [`--disable-extensions-except=${exts}`, `--load-extension=${exts}`] : []),
      ...(opts.args ?? []),
    ],
  });
  const close = async () => {
    await ctx.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  if (!withExt) return { ctx, sw: undefined as unknown as Worker, extensionId: '', close, profile };
  try {
    const sw = await getServiceWorker(ctx);
    return { ctx, sw, extensionId: new URL(sw.url()).host, close, profile };
  } catch (e) {
    await close();
    throw e;
  }
}

const isOurs = (w: Worker) =>
  w.url().startsWith('chrome-extension://') && w.url().endsWith('/service-worker-loader.js');

/**
 * The extension's service worker, after the barrier: something is evaluated in it, so its script has run and
 * its listeners are registered (page requests made before that are lost on a fresh profile).
 * Note: after ServiceWorker.stopWorker and a wake-up, Playwright keeps the SAME Worker object and evaluates
 * in the new instance (measured); do not wait for a new 'serviceworker' event. Evaluating on a stopped
 * worker hangs until something wakes it.
 */
export async function getServiceWorker(ctx: BrowserContext, timeoutMs = 20_000): Promise<Worker> {
  const deadline = Date.now() + timeoutMs;
  let sw: Worker | undefined;
  while (!sw) {
    sw = ctx.serviceWorkers().find(isOurs);
    if (sw) break;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('the extension service worker did not start');
    await ctx.waitForEvent('serviceworker', { timeout: Math.min(left, 1000) }).catch(() => undefined);
  }
  await sw.evaluate(() => (globalThis as { chrome?: { runtime?: { id?: string } } }).chrome?.runtime?.id);
  return sw;
}

export interface WorkerControl {
  cdp: CDPSession;
  /** The blank page holding the CDP session (close it when done). */
  page: Page;
  /** Stop the extension's service worker now; resolves when the browser reports it stopped. */
  stop(): Promise<void>;
  /** Current running status reported by CDP (e.g. 'running', 'stopped'). */
  status(): string | undefined;
}

interface SwVersion {
  versionId: string;
  registrationId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
}

/**
 * CDP control of the extension's service worker. The ServiceWorker domain is not available on the browser
 * session (Chromium 156: "'ServiceWorker.enable' wasn't found"), so it is enabled on a session of a blank page,
 * where it reports every worker of the profile, the extension's included.
 */
export async function serviceWorkerControl(ctx: BrowserContext, extensionId: string): Promise<WorkerControl> {
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  const versions = new Map<string, SwVersion>();
  cdp.on(
    'ServiceWorker.workerVersionUpdated' as never,
    ((e: { versions: SwVersion[] }) => {
      for (const v of e.versions)
        if (v.scriptURL.startsWith(`chrome-extension://${extensionId}/`)) versions.set(v.versionId, v);
    }) as never,
  );
  await cdp.send('ServiceWorker.enable' as never);
  const current = () => [...versions.values()].filter((v) => v.status === 'activated').pop();
  await until(() => current() !== undefined, 10_000, 'CDP reported no version of the extension worker');
  return {
    cdp,
    page,
    status: () => current()?.runningStatus,
    async stop() {
      const v = current()!;
      await cdp.send('ServiceWorker.stopWorker' as never, { versionId: v.versionId } as never);
      // Generous: on a loaded two-core machine the stop can take seconds (no cost when it is quick).
      await until(() => current()?.runningStatus === 'stopped', 30_000, 'worker did not stop');
    },
  };
}

/** Kept as a named export for later scenario tests. */
export async function stopServiceWorker(ctx: BrowserContext, extensionId: string): Promise<void> {
  const c = await serviceWorkerControl(ctx, extensionId);
  await c.stop();
  await c.cdp.detach().catch(() => undefined);
  await c.page.close().catch(() => undefined);
}

/**
 * Every record of one store of the extension's IndexedDB, read with the raw API (no test hook in the product).
 * Self-contained: evaluated in the worker (Chromium) or in an extension page (Firefox, `page.evaluate(getAll, s)`).
 */
export const getAll = (name: string): Promise<unknown[]> =>
  new Promise<unknown[]>((resolveP, reject) => {
    const req = indexedDB.open('faultline');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const get = db.transaction(name).objectStore(name).getAll();
      get.onsuccess = () => {
        db.close();
        resolveP(get.result);
      };
      get.onerror = () => reject(get.error);
    };
  });

/** Every record of one store of the worker's IndexedDB. */
export async function readStore<T>(sw: Worker, store: 'outcomes' | 'observations'): Promise<T[]> {
  return (await sw.evaluate(getAll, store)) as T[];
}

/** All stored outcomes. */
export function readOutcomes(sw: Worker): Promise<RequestOutcome[]> {
  return readStore<RequestOutcome>(sw, 'outcomes');
}

/** One value of the history's 'meta' store (e.g. 'lastColdStart', 'lastPrune'), read in the worker. */
export async function readMeta(sw: Worker, key: string): Promise<unknown> {
  return sw.evaluate(
    (k) =>
      new Promise<unknown>((resolveP, reject) => {
        const req = indexedDB.open('faultline');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const get = db.transaction('meta').objectStore('meta').get(k);
          get.onsuccess = () => {
            db.close();
            resolveP(get.result);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    key,
  );
}

/** The toolbar badge text and title, read in the worker. */
export async function readBadge(sw: Worker): Promise<{ text: string; title: string }> {
  return sw.evaluate(async () => {
    const c = (
      globalThis as unknown as {
        chrome: { action: { getBadgeText(d: object): Promise<string>; getTitle(d: object): Promise<string> } };
      }
    ).chrome;
    return { text: await c.action.getBadgeText({}), title: await c.action.getTitle({}) };
  });
}

/** Poll `fn` until it returns true (or a truthy value); throws with `what` at the deadline. */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ───────────────────────────── Firefox ESR over WebDriver BiDi ─────────────────────────────

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';
/** Fixed moz-extension UUID of the installed extension (pref extensions.webextensions.uuids). */
export const FIREFOX_UUID = '5b0b7b1e-4f1d-4c55-9a39-6f61a1f7c0de';
export { GECKO_ID };

/** What the parent process saw of the extension since recordActivity() (ms since epoch). */
export interface FirefoxActivity {
  starts: number[];
  suspends: number[];
  writes: { t: number; keys: string[] }[];
}

export interface LaunchedFirefox {
  browser: FirefoxBrowser;
  /** moz-extension://UUID/ of the installed extension (a new UUID after each uninstall + install). */
  base(): string;
  /** Install `dir` as a temporary add-on (BiDi webExtension.install); uninstall the previous one first. */
  install(dir: string): Promise<void>;
  uninstall(): Promise<void>;
  /**
   * Run `body` (the body of an async function) in the browser's privileged parent-process window (Services,
   * gBrowser, WebExtensionPolicy…); its JSON-serialisable result is returned.
   */
  chrome<T>(body: string): Promise<T>;
  /** Open an extension page (e.g. 'src/popup/index.html') in a new tab from the privileged context. */
  openPage(path: string): Promise<FirefoxPage>;
  /** An open tab showing this extension page (e.g. one the extension opened itself), waiting for it. */
  findPage(path: string, timeoutMs?: number, skip?: Set<FirefoxPage>): Promise<FirefoxPage>;
  /** The event page's state: 'running', 'suspending', 'stopped' or 'starting'. */
  backgroundState(): Promise<string>;
  /**
   * From now on, record in the parent process (wakes nothing, changes nothing) when the event page starts and
   * is suspended, and every storage.session write (set/remove, even of an identical value) with its keys.
   */
  recordActivity(): Promise<void>;
  activity(): Promise<FirefoxActivity>;
  /** The toolbar badge (text, tooltip), read in the parent process: wakes nothing. */
  badge(): Promise<{ text: string; title: string }>;
  /** Withdraw or grant the extension's host permissions, as about:addons → Permissions does. */
  setHostAccess(granted: boolean): Promise<void>;
  setPref(name: string, value: number | boolean | string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Firefox ESR, headless, driven over BiDi, with --remote-allow-system-access (a privileged context is reachable
 * through BiDi's moz:scope "chrome"). Every host name resolves to 127.0.0.1 and ports 80/443 go to `port`
 * (network.socket.forcePort), so pages keep their real URLs; certificates are accepted; DNS-over-HTTPS off;
 * optional-permission prompts answered yes (a permissions.request from a click is granted).
 */
export async function launchFirefox(
  opts: {
    port?: number;
    prefs?: Record<string, string | number | boolean>;
    /**
     * What an administrator provisions for the extension's `storage.managed`, the way Firefox reads it on Linux:
     * a managed-storage native manifest, `~/.mozilla/managed-storage/<extension id>.json` — here under a
     * temporary HOME given to this Firefox only (the system-wide alternatives, /usr/lib/mozilla/managed-storage
     * and policies.json in the installation, would touch the machine).
     */
    managedStorage?: Record<string, unknown>;
  } = {},
) {
  if (!existsSync(FIREFOX)) throw new Error(`Firefox not found at ${FIREFOX}`);
  const profile = mkdtempSync(join(tmpdir(), 'faultline-firefox-'));
  let env: Record<string, string | undefined> | undefined;
  if (opts.managedStorage) {
    const home = join(profile, 'home');
    mkdirSync(join(home, '.mozilla', 'managed-storage'), { recursive: true });
    const manifest = {
      name: GECKO_ID,
      description: 'Faultline test policy',
      type: 'storage',
      data: opts.managedStorage,
    };
    writeFileSync(join(home, '.mozilla', 'managed-storage', `${GECKO_ID}.json`), JSON.stringify(manifest));
    env = { ...process.env, HOME: home };
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    ...(env ? { env } : {}),
    acceptInsecureCerts: true,
    userDataDir: profile,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'network.dns.forceResolve': '127.0.0.1',
      ...(opts.port ? { 'network.socket.forcePort': `80=${opts.port};443=${opts.port}` } : {}),
      'network.trr.mode': 5,
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
      'extensions.webextOptionalPermissionPrompts': false,
      'dom.security.https_first': false,
      'dom.security.https_only_mode': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      ...opts.prefs,
    },
  });
  const conn = (browser as unknown as { connection: unknown }).connection as {
    send(method: string, params: object): Promise<{ result: Record<string, unknown> }>;
  };
  const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const chromeContext = (tree.result.contexts as { context: string }[])[0]!.context;
  let base = `moz-extension://${FIREFOX_UUID}/`;
  let installed: string | null = null;

  async function chrome<T>(body: string): Promise<T> {
    const { result } = await conn.send('script.evaluate', {
      expression: `(async () => { ${body} })().then((v) => JSON.stringify(v === undefined ? null : v))`,
      target: { context: chromeContext },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    if (result.type !== 'success') {
      throw new Error(`privileged script failed: ${JSON.stringify(result.exceptionDetails ?? result).slice(0, 500)}`);
    }
    return JSON.parse((result.result as { value: string }).value) as T;
  }

  const policy = `WebExtensionPolicy.getByID(${JSON.stringify(GECKO_ID)})`;
  const self: LaunchedFirefox = {
    browser,
    base: () => base,
    chrome,
    async install(dir) {
      await self.uninstall();
      installed = await browser.installExtension(dir);
      // Firefox forgets an uninstalled extension's UUID (and with it its storage): read the new one.
      base = `moz-extension://${await chrome<string>(`return ${policy}.mozExtensionHostname;`)}/`;
    },
    async uninstall() {
      if (installed) await browser.uninstallExtension(installed).catch(() => undefined);
      installed = null;
    },
    async openPage(path) {
      // Twice in about ten full runs here (a loaded machine, right after an install) the new tab was never seen
      // with its address within 30 s. Whatever puppeteer missed about that tab, another tab is a fresh chance:
      // up to three tabs, 10 s each; the error says what the pages answered and which tabs the browser has.
      const before = new Set(await browser.pages());
      let last: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        await chrome(`gBrowser.selectedTab = gBrowser.addTab(${JSON.stringify(base + path)}, {
          triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });`);
        try {
          return await self.findPage(path, 10_000, before);
        } catch (e) {
          last = e;
        }
      }
      const tabs = await chrome<string[]>('return gBrowser.tabs.map((t) => t.linkedBrowser.currentURI.spec);').catch(
        () => [],
      );
      throw new Error(`${String(last)}; the browser's tabs: ${tabs.join(' ')}`);
    },
    async findPage(path, timeoutMs = 30_000, skip = new Set()) {
      const url = base + path;
      // puppeteer lists an extension tab (as about:blank: it cannot navigate there itself); find it by its
      // location, asking each page with a deadline (a page still loading may not answer at once).
      const hrefOf = (p: FirefoxPage) =>
        Promise.race([
          p.evaluate(() => location.href).catch(() => ''),
          new Promise<string>((r) => setTimeout(() => r(''), 2_000)),
        ]);
      // All pages are asked at once: one page busy loading must not hold up the search for 2 s per round.
      let seen: string[] = [];
      return (await until(
        async () => {
          const pages = (await browser.pages()).filter((p) => !skip.has(p));
          const hrefs = await Promise.all(pages.map(hrefOf));
          seen = hrefs;
          return pages[hrefs.indexOf(url)] ?? null;
        },
        timeoutMs,
        `extension page ${path} open`,
        200,
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}; the new pages answered: ${seen.map((h) => h || '(nothing)').join(' ')}`);
      }))!;
    },
    backgroundState: () => chrome<string>(`return ${policy}?.extension?.backgroundState ?? 'none';`),
    async recordActivity() {
      await chrome(`
        const { extensionStorageSession } = ChromeUtils.importESModule('resource://gre/modules/ExtensionStorage.sys.mjs');
        const ext = ${policy}.extension;
        const log = (window.__faultlineActivity = { starts: [], suspends: [], writes: [] });
        extensionStorageSession.registerListener(ext, (changes) => log.writes.push({ t: Date.now(), keys: Object.keys(changes) }));
        ext.on('background-script-started', () => log.starts.push(Date.now()));
        ext.on('background-script-suspend', () => log.suspends.push(Date.now()));`);
    },
    activity: () => chrome<FirefoxActivity>('return window.__faultlineActivity;'),
    badge: () =>
      chrome<{ text: string; title: string }>(`
        const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
        const action = ExtensionParent.apiManager.global.browserActionFor(${policy}.extension).action;
        return { text: action.getProperty(null, 'badgeText') ?? '', title: action.getProperty(null, 'title') ?? '' };`),
    async setHostAccess(granted) {
      await chrome(`
        const { ExtensionPermissions } = ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs');
        const ext = ${policy}.extension;
        const perms = { permissions: [], origins: ext.manifest.host_permissions };
        if (${granted}) await ExtensionPermissions.add(ext.id, perms, ext);
        else await ExtensionPermissions.remove(ext.id, perms, ext);`);
    },
    async setPref(name, value) {
      const kind = typeof value === 'number' ? 'Int' : typeof value === 'boolean' ? 'Bool' : 'String';
      await chrome(`Services.prefs.set${kind}Pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`);
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  return self;
}
