/**
 * Send one probe and turn the answer into a probe observation. Never throws: network errors, timeouts,
 * garbage bodies and a misbehaving fetch all become ok:false with a short detail. Every probe goes out without
 * credentials, without referrer, bypassing the HTTP cache; nothing of the request URL is put in the result
 * except `req.target` (host, queried name, or host + path shape).
 */
import { probeSkew, skewLevel } from './clock';
import { parseDoh, rcodeName } from './doh';
import { openAlarms, parseStatusFeed } from './status-page';
import type { ProbeDeps, ProbeObservation, ProbeRequest, ProbeResult } from './types';

export const DEFAULT_TIMEOUT_MS = 8_000;
/** Bodies read (DoH answer, status feed) are cut at this many characters. */
export const MAX_BODY_CHARS = 512 * 1024;

class Timeout extends Error {}

/** Fetch options per probe kind. */
export function fetchInit(req: ProbeRequest): RequestInit {
  const base: RequestInit = {
    method: req.method,
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  };
  switch (req.probe) {
    case 'control':
      return { ...base, mode: 'no-cors', redirect: 'follow' };
    case 'cookieless-retry':
      // manual: a redirect (often to a login page) must not turn into a misleading 200.
      return { ...base, method: 'GET', mode: 'cors', redirect: 'manual' };
    case 'clock':
      // follow: an opaque redirect would hide the Date header. Readable because catalogue hosts have host permission.
      return { ...base, mode: 'cors', redirect: 'follow' };
    case 'dns':
    case 'status-page':
      return { ...base, method: 'GET', mode: 'cors', redirect: 'follow' };
  }
}

/** The storable part of a result (core/types.ts Observation, kind 'probe'). */
export function toObservation(r: ProbeResult): ProbeObservation {
  const o: ProbeObservation = { kind: 'probe', t: r.t, probe: r.probe, target: r.target, ok: r.ok };
  if (r.skewMs !== undefined) o.skewMs = r.skewMs;
  if (r.exists !== undefined) o.exists = r.exists;
  if (r.alarms !== undefined) o.alarms = r.alarms;
  if (r.detail !== undefined) o.detail = r.detail;
  return o;
}

export async function runProbe(req: ProbeRequest, deps: ProbeDeps): Promise<ProbeResult> {
  let t: number;
  try {
    t = deps.now();
  } catch {
    t = 0;
  }
  const base: ProbeResult = { kind: 'probe', t, probe: req.probe, target: req.target, ok: false };
  try {
    return await runUnsafe(req, deps, base);
  } catch (e) {
    return { ...base, ok: false, detail: e instanceof Timeout ? 'timeout' : 'error' };
  }
}

async function runUnsafe(req: ProbeRequest, deps: ProbeDeps, base: ProbeResult): Promise<ProbeResult> {
  const timeoutMs =
    req.timeoutMs > 0 ? req.timeoutMs : deps.timeoutMs && deps.timeoutMs > 0 ? deps.timeoutMs : DEFAULT_TIMEOUT_MS;
  const ctrl = deps.abortController();
  let timer: unknown;
  const timeout = new Promise<never>((_, reject) => {
    timer = deps.setTimeout(() => {
      ctrl.abort();
      reject(new Timeout());
    }, timeoutMs);
  });
  // The timeout covers the whole probe (headers and body), even if fetch ignores the signal.
  const work = (async (): Promise<ProbeResult> => {
    let res: Response;
    try {
      res = await deps.fetch(req.url, { ...fetchInit(req), signal: ctrl.signal });
    } catch (e) {
      if (ctrl.signal.aborted) throw new Timeout();
      return { ...base, ok: false, detail: describeError(e) };
    }
    if (!res || typeof res !== 'object') return { ...base, ok: false, detail: 'no response' };
    return await interpret(req, res, deps, base);
  })();
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    try {
      deps.clearTimeout(timer);
    } catch {
      /* ignore */
    }
  }
}

function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && (e as { name: unknown }).name === 'AbortError') return 'aborted';
  return 'network error';
}

function statusOf(res: Response): number {
  return typeof res.status === 'number' && Number.isFinite(res.status) ? res.status : 0;
}

function header(res: Response, name: string): string | null {
  try {
    return typeof res.headers?.get === 'function' ? res.headers.get(name) : null;
  } catch {
    return null;
  }
}

async function readJson(res: Response): Promise<unknown> {
  if (typeof res.text !== 'function') return undefined;
  const body = await res.text();
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body);
  } catch {
    return undefined;
  }
}

function discard(res: Response): void {
  try {
    const b = res.body as { cancel?: () => Promise<void> } | null | undefined;
    if (b && typeof b.cancel === 'function') b.cancel().catch(() => undefined);
  } catch {
    /* ignore */
  }
}

async function interpret(req: ProbeRequest, res: Response, deps: ProbeDeps, base: ProbeResult): Promise<ProbeResult> {
  const status = statusOf(res);
  switch (req.probe) {
    case 'control': {
      discard(res);
      // no-cors: an opaque response (status 0) means the site answered. Any HTTP answer counts as reachable.
      if (res.type === 'opaque' || status > 0)
        return { ...base, ok: true, status, detail: res.type === 'opaque' ? 'opaque' : `HTTP ${status}` };
      return { ...base, ok: false, status, detail: res.type === 'error' ? 'network error' : 'no answer' };
    }
    case 'cookieless-retry': {
      discard(res);
      if (res.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
        return { ...base, ok: false, inconclusive: true, status, detail: 'redirect' };
      }
      if (res.type === 'opaque' || status === 0)
        return { ...base, ok: false, inconclusive: true, status, detail: 'opaque' };
      return { ...base, ok: status < 400, status, detail: `HTTP ${status}` };
    }
    case 'clock': {
      discard(res);
      const received = deps.now();
      const skewMs = probeSkew(header(res, 'date'), base.t, received);
      if (skewMs === null) return { ...base, ok: false, status, detail: 'no Date header' };
      return { ...base, ok: true, status, skewMs, detail: `skew ${skewLevel(skewMs)}` };
    }
    case 'dns': {
      if (status !== 200) {
        discard(res);
        return { ...base, ok: false, status, detail: `resolver HTTP ${status}` };
      }
      const a = parseDoh(await readJson(res));
      if (a.rcode === null) return { ...base, ok: false, status, detail: 'bad answer' };
      const r: ProbeResult = {
        ...base,
        ok: true,
        status,
        rcode: a.rcode,
        detail: a.rcode === 0 ? `NOERROR ${a.answers} answers` : rcodeName(a.rcode),
      };
      if (a.exists !== null) r.exists = a.exists;
      return r;
    }
    case 'status-page': {
      if (status !== 200) {
        discard(res);
        return { ...base, ok: false, status, detail: `HTTP ${status}` };
      }
      const feed = parseStatusFeed(await readJson(res));
      if (!feed.ok) return { ...base, ok: false, status, detail: 'unreadable feed' };
      // The engine reads `alarms` (a number); `detail` is for people reading the history.
      const alarms = openAlarms(feed.events, base.t);
      return {
        ...base,
        ok: true,
        status,
        events: feed.events,
        alarms,
        detail: `${feed.events.length} events, ${alarms} open alarms`,
      };
    }
  }
}
