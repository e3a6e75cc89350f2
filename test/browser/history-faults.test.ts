/**
 * Storage faults in real Chromium, with the production build:
 * - the browser is killed (SIGKILL) while the worker is flushing a steady stream of requests: after a restart
 *   on the same profile the database opens, nothing is corrupted (every record whole, the index agrees with the
 *   store) and every record that was committed before the kill is still there;
 * - a v1 database with real data (a recorded HAR of the corpus) is upgraded by the worker: every record kept,
 *   the fields nothing reads stripped, and the popup shows the verdict the data calls for;
 * - IndexedDB cannot be opened (a newer schema left behind, as after a downgrade): the worker keeps working from
 *   memory and the popup says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BASE_ARGS,
  CHROMIUM,
  DIST_CHROME,
  ROOT,
  getServiceWorker,
  handlers,
  readStore,
  requireBuild,
  resolverRules,
  serviceWorkerControl,
  startServer,
  until,
  type TestServer,
} from './harness';
import { STORED_OUTCOME_FIELDS } from '../../src/background/history';
import { readHar } from '../../src/core/har/read';
import { serviceOf } from '../../src/core/catalogue/match';
import type { PopupState } from '../../src/core/messages';
import type { RequestOutcome } from '../../src/core/types';

/** A page that keeps fetching from the provider's hosts until told to stop (24 requests in flight). */
const TRAFFIC_PAGE = `<!doctype html><link rel="icon" href="data:,"><script>
window.__run = true; window.__n = 0;
async function loop() {
  while (window.__run) {
    const i = window.__n++;
    const path = i % 10 === 0 ? '/missing.png' : i % 25 === 0 ? '/err' : '/ok.png';
    try { await fetch('http://img' + (i % 8) + '.alicdn.com' + path + '?i=' + i, { cache: 'no-store', mode: 'no-cors' }); } catch (e) {}
  }
}
for (let k = 0; k < 24; k++) loop();
</script>`;

interface Run {
  ctx: BrowserContext;
  sw: Worker;
  extensionId: string;
}

let server: TestServer;
let profile: string;
let run: Run | null = null;

async function launch(): Promise<Run> {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...BASE_ARGS,
      `--disable-extensions-except=${DIST_CHROME}`,
      `--load-extension=${DIST_CHROME}`,
      `--host-resolver-rules=${resolverRules(server.port)}`,
    ],
  });
  const sw = await getServiceWorker(ctx);
  return { ctx, sw, extensionId: new URL(sw.url()).host };
}

/** The browser process of this profile (not a renderer or utility process: those carry --type=). */
function browserPid(): number {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.includes(`--user-data-dir=${profile}`) && !args.some((a) => a.startsWith('--type='))) return Number(pid);
  }
  throw new Error('browser process not found');
}

const key = (o: { t: number; host: string; path: string; status: number }) => `${o.t} ${o.host} ${o.path} ${o.status}`;

/** IndexedDB of the extension, from an extension page that does not wake the worker (no script of ours runs). */
async function extensionPage(r: Run): Promise<Page> {
  const p = await r.ctx.newPage();
  await p.goto(`chrome-extension://${r.extensionId}/manifest.json`);
  return p;
}

/**
 * Replace the extension's database, from a page of its origin, while the worker is stopped: deleted, then opened
 * at `version` (v1: with the v1 stores and `outcomes` written into them; other versions: empty).
 */
async function replaceDatabase(r: Run, version: number, outcomes: object[] = []): Promise<void> {
  const ext = await extensionPage(r);
  await ext.evaluate(
    ({ version, records }) =>
      new Promise<void>((resolve, reject) => {
        const del = indexedDB.deleteDatabase('faultline');
        del.onerror = () => reject(del.error);
        del.onsuccess = () => {
          const open = indexedDB.open('faultline', version);
          open.onerror = () => reject(open.error);
          open.onupgradeneeded = () => {
            if (version !== 1) return;
            const db = open.result;
            db.createObjectStore('outcomes', { autoIncrement: true }).createIndex('t', 't');
            db.createObjectStore('observations', { autoIncrement: true }).createIndex('t', 't');
            db.createObjectStore('meta');
          };
          open.onsuccess = () => {
            if (!records.length) {
              open.result.close();
              resolve();
              return;
            }
            const tx = open.result.transaction('outcomes', 'readwrite');
            for (const o of records) tx.objectStore('outcomes').add(o);
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        };
      }),
    { version, records: outcomes },
  );
  await ext.close();
}

async function popupState(r: Run): Promise<{ page: Page; state: PopupState }> {
  const page = await r.ctx.newPage();
  await page.goto(`chrome-extension://${r.extensionId}/src/popup/index.html`);
  await page.waitForSelector('main[data-phase="ready"]', { timeout: 30_000 });
  const state = (await page.evaluate(() =>
    (
      globalThis as unknown as { chrome: { runtime: { sendMessage(m: object): Promise<unknown> } } }
    ).chrome.runtime.sendMessage({ type: 'ui/get-state' }),
  )) as PopupState;
  return { page, state };
}

beforeAll(async () => {
  requireBuild();
  server = await startServer({
    'www.taobao.com /traffic': handlers.html(TRAFFIC_PAGE),
    'www.taobao.com /': handlers.html('<!doctype html><link rel="icon" href="data:,"><p>shop</p>'),
    '/ok.png': handlers.png(),
    '/err': handlers.status(503),
  });
  profile = mkdtempSync(join(tmpdir(), 'faultline-faults-'));
  run = await launch();
});

afterAll(async () => {
  await run?.ctx.close().catch(() => undefined);
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('history under storage faults (real Chromium)', () => {
  it('browser killed mid-flush: nothing corrupted, everything committed before the kill is there', async () => {
    const r = run!;
    const page = await r.ctx.newPage();
    await page.goto('http://www.taobao.com/traffic');
    // Let the stream run until a few thousand requests are stored (flushes go on back to back).
    await until(
      async () => (await readStore<RequestOutcome>(r.sw, 'outcomes')).length >= 800,
      60_000,
      'traffic stored',
    );
    // What another connection can read is committed: all of it must survive the kill.
    const committed = await readStore<RequestOutcome>(r.sw, 'outcomes');
    const pending = await page.evaluate(() => (window as unknown as { __n: number }).__n);
    process.kill(browserPid(), 'SIGKILL');
    await r.ctx.close().catch(() => undefined);
    run = null;
    expect(pending).toBeGreaterThan(committed.length); // requests were still flowing: a flush was due or running

    run = await launch();
    const after = await readStore<RequestOutcome>(run.sw, 'outcomes');
    const have = new Set(after.map(key));
    const lost = committed.filter((o) => !have.has(key(o)));
    expect(lost, 'committed records lost').toEqual([]);
    // Every record whole: the stored fields only, the required ones present.
    for (const o of after) {
      for (const k of Object.keys(o)) expect(STORED_OUTCOME_FIELDS as readonly string[]).toContain(k);
      expect(typeof o.t).toBe('number');
      expect(o.host).toMatch(/^img[0-7]\.alicdn\.com$|^www\.taobao\.com$/);
      expect(['ok', 'http.4xx', 'http.5xx', 'aborted']).toContain(o.kind);
    }
    // Every key agrees with its record, and the history is writable again.
    const counts = await run.sw.evaluate(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const req = indexedDB.open('faultline');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const tx = req.result.transaction('outcomes');
            const a = tx.objectStore('outcomes').count();
            const keys = tx.objectStore('outcomes').getAllKeys();
            const values = tx.objectStore('outcomes').getAll();
            tx.oncomplete = () => {
              req.result.close();
              // Keys agree with the records: [t, n], in time order.
              const ok = (keys.result as unknown[]).filter(
                (k, i) => Array.isArray(k) && k[0] === (values.result[i] as { t: number }).t,
              ).length;
              resolve([a.result, ok]);
            };
          };
        }),
    );
    expect(counts[0]).toBe(after.length);
    expect(counts[1]).toBe(after.length);
    const { page: popup, state } = await popupState(run);
    expect(state.history).toMatchObject({ storage: 'indexeddb' });
    expect(await popup.locator('[data-testid="history-health"]').count()).toBe(0);
    await popup.close();
    const p2 = await run.ctx.newPage();
    await p2.goto('http://www.taobao.com/');
    await until(
      async () => (await readStore<RequestOutcome>(run!.sw, 'outcomes')).length > after.length,
      30_000,
      'new requests stored after the restart',
    );
    await p2.close();
  });

  it('upgrade from schema v1 with real data: every record kept, unread fields stripped, same verdict', async () => {
    const r = run!;
    // A recorded outage (corpus HAR), moved to "a minute ago", stored the way the v1 worker stored it.
    const har = readHar(JSON.parse(readFileSync(join(ROOT, 'test/corpus/har/outage.har'), 'utf8')), serviceOf);
    if (!har.ok) throw new Error('corpus HAR unreadable');
    const shift = Date.now() - 60_000 - har.last;
    const v1 = har.outcomes.map((o, i) => ({
      ...o,
      t: o.t + shift,
      source: 'browser',
      tabId: 3 + (i % 2),
      initiator: 'www.taobao.com',
    }));
    const expected = (
      JSON.parse(readFileSync(join(ROOT, 'test/corpus/expected.json'), 'utf8')) as Record<
        string,
        { verdict: string; cause: string }
      >
    )['outage']!;

    const ctl = await serviceWorkerControl(r.ctx, r.extensionId);
    await ctl.stop();
    await replaceDatabase(r, 1, v1);
    // Opening the popup wakes the worker: it opens (and upgrades) the database, seeds its window from it.
    const { page: popup, state } = await popupState(r);
    const stored = await readStore<Record<string, unknown>>(r.sw, 'outcomes');
    expect(stored).toHaveLength(v1.length);
    for (const [i, s] of stored.entries()) {
      const { tabId: _tab, initiator: _init, ...rest } = v1[i]!;
      expect(s).toEqual(rest);
    }
    await until(
      async () => {
        const { state: s } = await popupState(r).then(async (x) => (await x.page.close(), x));
        return s.diagnosis.verdict === expected.verdict && s.diagnosis.cause === expected.cause;
      },
      15_000,
      `popup shows ${expected.verdict}/${expected.cause} from the upgraded data (first: ${state.diagnosis.verdict}/${state.diagnosis.cause})`,
    );
    await popup.close();
  });

  it('IndexedDB that cannot open: keeps diagnosing from memory and the popup says so', async () => {
    const r = run!;
    const ctl = await serviceWorkerControl(r.ctx, r.extensionId);
    await ctl.stop();
    // A database of a newer schema (left by a newer version of the extension): this version cannot open it.
    await replaceDatabase(r, 99);
    const { page: popup, state } = await popupState(r);
    expect(state.history).toMatchObject({ storage: 'memory' });
    const note = popup.locator('[data-testid="history-health"]');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.getAttribute('data-storage')).toBe('memory');
    expect(await note.textContent()).toMatch(/memory only/i);
    // Still diagnosing: new traffic is counted (in memory).
    const p = await r.ctx.newPage();
    await p.goto('http://www.taobao.com/');
    await until(
      async () => {
        const { page: pp, state: s } = await popupState(r);
        await pp.close();
        return s.stored > state.stored;
      },
      20_000,
      'traffic counted in memory',
    );
    await p.close();
    await popup.close();
  });
});
