/**
 * The collector's HTTP surface (Hono). createApp() is a factory: the store, the clock and the salt are injected
 * so tests control time and both stores run the same suite.
 *
 *   POST /v1/reports   JSON CrowdBatch → 202 {accepted, counted} | 400/403/413/415/429/503 {error}
 *   GET  /v1/status    StatusResponse
 *   GET  /healthz      {ok, store}
 */
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { createHmac } from 'node:crypto';
import {
  MAX_BODY_BYTES,
  MINUTE_MS,
  PROTOCOL_VERSION,
  tokenDay,
  validateBatch,
  type StatusResponse,
  type StatusRules,
} from '../../src/core/crowd/protocol';
import { DEFAULT_RULES, toStatus } from './rules';
import { RATE_WINDOW_MS, type IngestReport, type Store } from './store';

/** Reports whose minute is older than this (by the collector's clock) are accepted but not counted. */
export const STALE_AFTER_MS = 15 * MINUTE_MS;

export interface AppOptions {
  store: Store;
  /** ms since epoch; injected so tests control time. */
  clock?: () => number;
  /**
   * Secret the daily address salt is derived from (HMAC(secret, day)). When absent, the salt of each day is
   * random, kept in the store (so instances sharing a Redis agree) and deleted after two days.
   */
  salt?: string;
  /** Honour X-Forwarded-For (its last entry: the address your proxy appended). */
  trustProxy?: boolean;
  /** Exact origins allowed besides chrome-extension:// and moz-extension://. */
  corsOrigins?: readonly string[];
  /** POST /v1/reports requests per client address per minute; 0 disables. Default 60. */
  rateLimit?: number;
  rules?: Partial<StatusRules>;
  /** Cache GET /v1/status this long (ms). Default 5000; 0 = no cache. */
  statusCacheMs?: number;
  /** Called with one line when something goes wrong inside (default: console.error). */
  log?: (line: string) => void;
}

type Env = { Bindings: Partial<HttpBindings> | undefined };

const EXTENSION_ORIGIN = /^(?:chrome-extension:\/\/[a-z0-9]{1,64}|moz-extension:\/\/[0-9a-f-]{1,64})$/;

export function isAllowedOrigin(origin: string, extra: readonly string[]): boolean {
  return EXTENSION_ORIGIN.test(origin) || extra.includes(origin);
}

/** Truncated HMAC-SHA256(salt of the day, address): 16 hex digits. The address itself is never stored. */
export function hashAddress(salt: string, address: string): string {
  return createHmac('sha256', salt).update(address).digest('hex').slice(0, 16);
}

export function normaliseAddress(a: string): string {
  const s = a.trim().toLowerCase();
  return s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
}

export function createApp(opts: AppOptions): Hono<Env> {
  const store = opts.store;
  const clock = opts.clock ?? Date.now;
  const corsOrigins = opts.corsOrigins ?? [];
  const rateLimit = opts.rateLimit ?? 60;
  const rules: StatusRules = { ...DEFAULT_RULES, ...opts.rules };
  const statusCacheMs = opts.statusCacheMs ?? 5000;
  const log = opts.log ?? ((line: string) => console.error(line));

  let saltDay = -1;
  let saltValue: Promise<string> | null = null;
  const hashCache = new Map<string, string>();
  async function addressHash(address: string, now: number): Promise<string> {
    const day = tokenDay(now);
    if (day !== saltDay || !saltValue) {
      saltDay = day;
      saltValue =
        opts.salt !== undefined
          ? Promise.resolve(createHmac('sha256', opts.salt).update(`faultline-salt:${day}`).digest('hex'))
          : store.dailySalt(day);
      saltValue.catch(() => {
        saltValue = null;
      });
      hashCache.clear();
    }
    const hit = hashCache.get(address);
    if (hit) return hit;
    const h = hashAddress(await saltValue, address);
    if (hashCache.size >= 10_000) hashCache.clear();
    hashCache.set(address, h);
    return h;
  }

  function clientAddress(c: Context<Env>): string {
    if (opts.trustProxy) {
      const xff = c.req.header('x-forwarded-for');
      if (xff) {
        const parts = xff.split(',');
        const last = parts[parts.length - 1]?.trim();
        if (last) return normaliseAddress(last);
      }
    }
    const remote = c.env?.incoming?.socket?.remoteAddress;
    return remote ? normaliseAddress(remote) : 'unknown';
  }

  const fail = (c: Context<Env>, status: 400 | 403 | 404 | 413 | 415 | 429 | 500 | 503, error: string) =>
    c.json({ error }, status);

  const app = new Hono<Env>();

  app.onError((err, c) => {
    log(
      `collector: ${c.req.method} ${c.req.path}: ${err instanceof Error ? err.message : String(err)}`.replace(
        /\s*\n\s*/g,
        ' ',
      ),
    );
    return fail(c, 503, 'store unavailable, try again later');
  });
  app.notFound((c) => fail(c, 404, `not found: ${c.req.method} ${c.req.path}`));

  // CORS: extension origins and configured origins only. Other browser origins are refused outright (403).
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) {
      if (c.req.method === 'OPTIONS') return c.body(null, 204);
      return next();
    }
    if (!isAllowedOrigin(origin, corsOrigins)) return fail(c, 403, `origin not allowed: ${origin}`);
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Vary', 'Origin');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '86400');
      return c.body(null, 204);
    }
    return next();
  });

  app.get('/healthz', async (c) => {
    const ok = await store.ping();
    return c.json({ ok, store: store.kind }, ok ? 200 : 503);
  });

  app.post('/v1/reports', async (c) => {
    const now = clock();
    // Size cap first, from the header, before reading anything.
    const lenHeader = c.req.header('content-length');
    if (lenHeader !== undefined) {
      const len = Number(lenHeader);
      if (!Number.isFinite(len) || len < 0) return fail(c, 400, 'content-length: not a number');
      if (len > MAX_BODY_BYTES) return fail(c, 413, `body too large: ${len} bytes (limit ${MAX_BODY_BYTES})`);
    }
    const ctype = c.req.header('content-type') ?? '';
    if (!/^application\/json(?:\s*;|$)/i.test(ctype)) return fail(c, 415, 'content-type: expected application/json');

    const addr = await addressHash(clientAddress(c), now);
    if (rateLimit > 0) {
      const win = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
      const n = await store.hit(addr, win);
      if (n > rateLimit) {
        c.header('Retry-After', String(Math.max(1, Math.ceil((win + RATE_WINDOW_MS - now) / 1000))));
        return fail(c, 429, `rate limit: at most ${rateLimit} requests per minute per address`);
      }
    }

    const text = await readLimited(c.req.raw, MAX_BODY_BYTES, lenHeader !== undefined);
    if (text === null) return fail(c, 413, `body too large (limit ${MAX_BODY_BYTES} bytes)`);
    if (text.length === 0) return fail(c, 400, 'body: empty');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return fail(c, 400, `body: malformed JSON (${(err as Error).message.split('\n')[0]})`);
    }
    const v = validateBatch(json);
    if (!v.ok) return fail(c, 400, v.error);

    const cur = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const items: IngestReport[] = [];
    for (const r of v.batch.reports) {
      if (r.minute < cur - STALE_AFTER_MS) continue; // a backlog must not look like a spike
      items.push({
        service: r.service,
        phase: r.phase,
        verdict: r.verdict,
        token: r.token,
        minute: Math.min(r.minute, cur),
      });
    }
    const counted = items.length ? await store.ingest(items, addr) : 0;
    return c.json({ accepted: v.batch.reports.length, counted }, 202);
  });

  let cached: { at: number; body: StatusResponse } | null = null;
  app.get('/v1/status', async (c) => {
    const now = clock();
    if (cached && statusCacheMs > 0 && now >= cached.at && now - cached.at < statusCacheMs) {
      return c.json(cached.body);
    }
    const counts = await store.counts(now, rules.baselineDays);
    const body: StatusResponse = {
      v: PROTOCOL_VERSION,
      at: now,
      rules,
      services: counts.map((x) => toStatus(x, rules)),
    };
    cached = { at: now, body };
    c.header('Cache-Control', `public, max-age=${Math.floor(statusCacheMs / 1000)}`);
    return c.json(body);
  });

  return app;
}

/** Read a request body as text, or null when it exceeds `max` bytes (stops reading as soon as it does). */
async function readLimited(req: Request, max: number, lengthKnown: boolean): Promise<string | null> {
  if (lengthKnown) {
    const text = await req.text();
    return Buffer.byteLength(text) > max ? null : text;
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
