/**
 * Chromium driven over raw CDP (--remote-debugging-pipe), for what Playwright cannot measure: whether the
 * browser stops the extension's idle service worker. Playwright (like any CDP client that attaches to the
 * service-worker target) keeps the worker alive; here nothing attaches to it. Targets are only discovered
 * (Target.setDiscoverTargets), so the worker's starts and stops are seen as targetCreated / targetDestroyed.
 * Pages can be opened and attached to (that does not keep the worker alive), e.g. to read the popup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BASE_ARGS, CHROMIUM } from './harness';

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

/** One start-to-stop span of the extension's service worker (ms since epoch; `stopped` null while running). */
export interface WorkerSpan {
  started: number;
  stopped: number | null;
}

export interface RawChromium {
  /** Extension id, known once its worker was seen. */
  extensionId(): string | undefined;
  /** Every span of the extension's service worker so far, oldest first. */
  spans: WorkerSpan[];
  /** Extension pages seen (the first URL of each target), e.g. the welcome page opened on install. */
  pages: { targetId: string; url: string }[];
  send<T = unknown>(method: string, params?: object, sessionId?: string): Promise<T>;
  /** Open a page and attach to it (flat session); returns the session id and the target id. */
  open(url: string): Promise<{ sessionId: string; targetId: string }>;
  /** Attach to an open page (flat session); returns the session id. */
  attach(targetId: string): Promise<string>;
  /** Evaluate an expression in an attached page (awaits promises, returns by value). */
  evaluate<T>(sessionId: string, expression: string): Promise<T>;
  closeTarget(targetId: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchRawChromium(opts: { dist: string; args?: string[] }): Promise<RawChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'faultline-rawcdp-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      ...BASE_ARGS,
      '--headless=new',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      `--disable-extensions-except=${opts.dist}`,
      `--load-extension=${opts.dist}`,
      ...(opts.args ?? []),
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const spans: WorkerSpan[] = [];
  const pages: { targetId: string; url: string }[] = [];
  const workers = new Set<string>();
  let extId: string | undefined;
  let nextId = 0;
  let buf = '';

  const onTarget = (method: string, p: { targetInfo?: TargetInfo; targetId?: string }) => {
    if (method === 'Target.targetDestroyed') {
      if (p.targetId && workers.delete(p.targetId)) {
        const open = spans.find((s) => s.stopped === null);
        if (open) open.stopped = Date.now();
      }
      return;
    }
    const ti = p.targetInfo;
    if (!ti || !ti.url.startsWith('chrome-extension://')) return;
    if (ti.type === 'service_worker' && !workers.has(ti.targetId)) {
      workers.add(ti.targetId);
      extId = new URL(ti.url).host;
      spans.push({ started: Date.now(), stopped: null });
    } else if (ti.type === 'page' && !pages.some((p) => p.targetId === ti.targetId)) {
      pages.push({ targetId: ti.targetId, url: ti.url });
    }
  };

  fromBrowser.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    for (let i = buf.indexOf('\0'); i >= 0; i = buf.indexOf('\0')) {
      const msg = JSON.parse(buf.slice(0, i)) as {
        id?: number;
        method?: string;
        params?: object;
        result?: unknown;
        error?: { message: string };
      };
      buf = buf.slice(i + 1);
      if (msg.id !== undefined) {
        const w = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) w?.reject(new Error(msg.error.message));
        else w?.resolve(msg.result);
      } else if (msg.method?.startsWith('Target.')) onTarget(msg.method, msg.params as never);
    }
  });

  const send = <T>(method: string, params: object = {}, sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });

  const attach = async (targetId: string): Promise<string> =>
    (await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true })).sessionId;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await send('Target.setDiscoverTargets', { discover: true });

  return {
    extensionId: () => extId,
    spans,
    pages,
    send,
    attach,
    async open(url) {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url });
      return { sessionId: await attach(targetId), targetId };
    },
    async evaluate<T>(sessionId: string, expression: string) {
      const r = await send<{ result: { value?: T }; exceptionDetails?: { text: string } }>(
        'Runtime.evaluate',
        { expression, awaitPromise: true, returnByValue: true },
        sessionId,
      );
      if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
      return r.result.value as T;
    },
    async closeTarget(targetId) {
      await send('Target.closeTarget', { targetId }).catch(() => undefined);
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      for (const w of pending.values()) w.reject(new Error('browser closed'));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
