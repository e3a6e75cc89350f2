/**
 * A fake provider that logs every request it answers (HTTP + HTTPS; the status feed is https-only), and what the
 * browser tests of pictures, loops and active checks (and the content-script bench) use around it: a launcher
 * that can seed the profile's Preferences (e.g. cookies blocked), and readers for the worker's observations, the
 * popup's state, the settings and storage.session. Built on test/browser/harness.ts.
 */
import type { Worker } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlers, launchWithExtension, readStore, type Handler, type Launched } from './harness';
import type { Observation } from '../../src/core/types';
import type { PopupState } from '../../src/core/messages';

export { handlers, type Handler };

export interface LoggedRequest {
  t: number;
  scheme: 'http' | 'https';
  method: string;
  host: string;
  /** Path with query, as sent. */
  url: string;
  path: string;
  referer?: string;
  cookie?: string;
  origin?: string;
}

export interface LoggingServer {
  port: number;
  httpsPort: number;
  log: LoggedRequest[];
  routes: Record<string, Handler>;
  close(): Promise<void>;
}

let certCache: { key: Buffer; cert: Buffer } | undefined;
/** A throw-away self-signed certificate (Chromium runs with --ignore-certificate-errors). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=status.aliyun.com',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  certCache = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  rmSync(dir, { recursive: true, force: true });
  return certCache;
}

/**
 * One handler table answered on an HTTP port and an HTTPS port. Routes: "host path" (exact), then "path"
 * (any host), mutable while the test runs; unmatched → 404. Every request is logged with method and headers.
 */
export async function startLoggingServer(
  routes: Record<string, Handler>,
  opts: { https?: boolean } = {},
): Promise<LoggingServer> {
  const log: LoggedRequest[] = [];
  const handle = (scheme: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const path = (req.url ?? '/').split('?')[0]!;
    const e: LoggedRequest = { t: Date.now(), scheme, method: req.method ?? 'GET', host, url: req.url ?? '/', path };
    if (req.headers.referer) e.referer = req.headers.referer;
    if (req.headers.cookie) e.cookie = req.headers.cookie;
    if (req.headers.origin) e.origin = req.headers.origin;
    log.push(e);
    const h = routes[`${host} ${path}`] ?? routes[path];
    if (h) h(req, res);
    else handlers.status(404, 'not found')(req, res);
  };
  const http = createServer(handle('http'));
  http.keepAliveTimeout = 1000;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  let https: ReturnType<typeof createHttpsServer> | undefined;
  if (opts.https !== false) {
    https = createHttpsServer(selfSigned(), handle('https'));
    await new Promise<void>((r) => https!.listen(0, '127.0.0.1', r));
  }
  const closeOne = (s: { closeAllConnections(): void; close(cb: () => void): void }) =>
    new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    });
  return {
    port: (http.address() as AddressInfo).port,
    httpsPort: https ? (https.address() as AddressInfo).port : 0,
    log,
    routes,
    close: async () => {
      await closeOne(http);
      if (https) await closeOne(https);
    },
  };
}

/**
 * Like harness.launchWithExtension, but the profile can be seeded first (Default/Preferences), e.g.
 * `{ profile: { default_content_setting_values: { cookies: 2 } } }` = cookies blocked for every site.
 */
export async function launch(
  opts: { args?: string[]; preferences?: object; withExtension?: boolean; dist?: string } = {},
): Promise<Launched> {
  return launchWithExtension({ ...opts, viewport: { width: 1280, height: 800 } });
}

/** All observations stored in the worker's IndexedDB ('observations' store). */
export function readObservations(sw: Worker): Promise<Observation[]> {
  return readStore<Observation>(sw, 'observations');
}

/** What the popup shows: its page's root carries data-verdict / data-cause once the state arrived. */
export async function popupVerdict(r: Launched): Promise<{ verdict: string; cause: string }> {
  const { verdict, cause } = await popupReading(r);
  return { verdict, cause };
}

/** The popup once ready: its root's data-verdict / data-cause and its text. */
export async function popupReading(r: Launched): Promise<{ verdict: string; cause: string; text: string }> {
  const p = await r.ctx.newPage();
  try {
    await p.goto(`chrome-extension://${r.extensionId}/src/popup/index.html`);
    const root = p.locator('main.fl[data-phase="ready"]');
    await root.waitFor({ timeout: 10_000 });
    return {
      verdict: (await root.getAttribute('data-verdict')) ?? '',
      cause: (await root.getAttribute('data-cause')) ?? '',
      text: (await root.textContent()) ?? '',
    };
  } finally {
    await p.close();
  }
}

/** The popup's full state, asked over the popup's own message ('ui/get-state') from an extension page. */
export async function popupState(r: Launched): Promise<PopupState> {
  const p = await r.ctx.newPage();
  try {
    await p.goto(`chrome-extension://${r.extensionId}/src/options/index.html`);
    return (await p.evaluate(() =>
      (
        globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).chrome.runtime.sendMessage({ type: 'ui/get-state' }),
    )) as PopupState;
  } finally {
    await p.close();
  }
}

/** Poll the popup's state until `ok` holds; returns it (throws with the last diagnosis at the deadline). */
export async function waitForDiagnosis(
  r: Launched,
  ok: (s: PopupState) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PopupState> {
  const deadline = Date.now() + timeoutMs;
  let last: PopupState | undefined;
  for (;;) {
    last = await popupState(r).catch(() => undefined);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) {
      const d = last?.diagnosis;
      throw new Error(
        `timed out after ${timeoutMs} ms: ${what}; last diagnosis: ${JSON.stringify(d && { verdict: d.verdict, cause: d.cause, evidence: d.evidence.map((e) => e.id) })}`,
      );
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Write the extension's settings (storage.local 'settings', read through migrate by the worker). */
export async function setSettings(sw: Worker, patch: Record<string, unknown>): Promise<void> {
  await sw.evaluate(async (p) => {
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

/** A value of storage.session, read in the worker. */
export async function readSession(sw: Worker, key: string): Promise<unknown> {
  return sw.evaluate(async (k) => {
    const c = (
      globalThis as unknown as {
        chrome: { storage: { session: { get(k: string): Promise<Record<string, unknown>> } } };
      }
    ).chrome;
    return (await c.storage.session.get(k))[k];
  }, key);
}
