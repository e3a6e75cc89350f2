/**
 * The collector's HTTP surface (Hono). createApp() is a factory: the store, the clock and the salt are injected
 * so tests control time and both stores run the same suite.
 *
 *   POST /v1/reports   JSON CrowdBatch → 202 {accepted, counted} | 400/401/403/413/415/429/503 {error}
 *   GET  /v1/status    StatusResponse
 *   GET  /             the status page (status-page.ts): both languages, no external assets, refreshes itself
 *   GET  /healthz      {ok, store, mode[, detail]} — 503 "degraded" while the store is unreachable
 *
 * Counting (docs/crowd-protocol.md, "Deployment modes"): a report becomes a VOTE for its service in the
 * collector's current minute; one voter votes at most once per service per minute.
 *   public  the voter is the client address (IPv6 by /64), hashed with the day's salt; the reporter token is
 *           ignored, so rotating tokens multiplies nothing. Rate limit per voter, before the body is read.
 *   team    reports need a team key (Authorization: Bearer …); the voter is the reporter token (hashed), so
 *           colleagues behind one office address are different voters. Rate limit per token, and per address.
 */
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  MAX_BODY_BYTES,
  MINUTE_MS,
  tokenDay,
  validateBatch,
  type CollectorMode,
  type CrowdService,
  type StatusResponse,
  type StatusRules,
} from '../../src/core/crowd/protocol';
import { addressKeys } from './address';
import { defaultRules } from './rules';
import { readStatus } from './status';
import { statusPage } from './status-page';
import { RATE_WINDOW_MS, type Store, type Vote } from './store';

/** Reports whose minute is older than this (by the collector's clock) are accepted but not counted. */
export const STALE_AFTER_MS = 15 * MINUTE_MS;
/** Team mode: requests per address per minute = this × the per-token limit (an office behind one NAT). */
export const TEAM_ADDRESS_FACTOR = 100;

export interface AppOptions {
  store: Store;
  /** ms since epoch; injected so tests control time. */
  clock?: () => number;
  /**
   * Secret the daily salt is derived from (HMAC(secret, day)). When absent, the salt of each day is random, kept
   * in the store (so instances sharing a Redis agree) and deleted after two days.
   */
  salt?: string;
  /** Honour X-Forwarded-For (its last entry: the address your proxy appended). */
  trustProxy?: boolean;
  /** Exact origins allowed besides chrome-extension:// and moz-extension://. */
  corsOrigins?: readonly string[];
  /** 'public' (default) or 'team'. */
  mode?: CollectorMode;
  /** Team mode: the accepted team keys (several, so a key can be replaced without downtime). */
  teamKeys?: readonly string[];
  /** Team mode: GET /v1/status (and the page's data) also needs a team key. */
  statusNeedsKey?: boolean;
  /** POST /v1/reports per voter (public) or per reporter token (team) per minute; 0 disables. Default 60. */
  rateLimit?: number;
  rules?: Partial<StatusRules>;
  /** Cache GET /v1/status this long (ms). Default 5000; 0 = no cache. */
  statusCacheMs?: number;
  /** How often the status page refreshes itself, seconds. Default 15. */
  pageRefreshS?: number;
  /** Called with one line when something goes wrong inside (default: console.error). */
  log?: (line: string) => void;
}

type Env = { Bindings: Partial<HttpBindings> | undefined };

const EXTENSION_ORIGIN = /^(?:chrome-extension:\/\/[a-z0-9]{1,64}|moz-extension:\/\/[0-9a-f-]{1,64})$/;

export function isAllowedOrigin(origin: string, extra: readonly string[]): boolean {
  return EXTENSION_ORIGIN.test(origin) || extra.includes(origin);
}

/** Truncated HMAC-SHA256(salt of the day, value): 16 hex digits. The value itself is never stored. */
export function hashWithSalt(salt: string, value: string): string {
  return createHmac('sha256', salt).update(value).digest('hex').slice(0, 16);
}

/** Constant-time check of a presented key against the configured ones (compared as SHA-256 digests). */
export function keyMatches(presented: string, keys: readonly string[]): boolean {
  const p = createHash('sha256').update(presented).digest();
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(p, createHash('sha256').update(k).digest()) || ok;
  return ok;
}

export function createApp(opts: AppOptions): Hono<Env> {
  const store = opts.store;
  const clock = opts.clock ?? Date.now;
  const corsOrigins = opts.corsOrigins ?? [];
  const mode: CollectorMode = opts.mode ?? 'public';
  const teamKeys = opts.teamKeys ?? [];
  if (mode === 'team' && teamKeys.length === 0) throw new Error('team mode needs at least one team key');
  const rateLimit = opts.rateLimit ?? 60;
  const addressLimit = mode === 'team' ? rateLimit * TEAM_ADDRESS_FACTOR : rateLimit;
  const rules: StatusRules = { ...defaultRules(mode), ...opts.rules };
  const statusCacheMs = opts.statusCacheMs ?? 5000;
  const log = opts.log ?? ((line: string) => console.error(line));
  const page = statusPage({ refreshS: opts.pageRefreshS ?? 15 });

  let saltDay = -1;
  let saltValue: Promise<string> | null = null;
  const hashCache = new Map<string, string>();
  async function hashed(value: string, now: number): Promise<string> {
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
    const hit = hashCache.get(value);
    if (hit) return hit;
    const h = hashWithSalt(await saltValue, value);
    if (hashCache.size >= 50_000) hashCache.clear();
    hashCache.set(value, h);
    return h;
  }

  function clientAddress(c: Context<Env>): string {
    if (opts.trustProxy) {
      const xff = c.req.header('x-forwarded-for');
      if (xff) {
        const last = xff.split(',').pop()?.trim();
        if (last) return last;
      }
    }
    return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
  }

  /** null when the request may pass; else the refusal. Team mode only. */
  function keyRefusal(c: Context<Env>): Response | null {
    const auth = c.req.header('authorization');
    const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (!m) return fail(c, 401, 'team key required: this is a team collector (Authorization: Bearer <team key>)');
    if (!keyMatches(m[1]!, teamKeys)) return fail(c, 403, 'team key not accepted');
    return null;
  }

  const fail = (c: Context<Env>, status: 400 | 401 | 403 | 404 | 413 | 415 | 429 | 503, error: string) =>
    c.json({ error }, status);

  async function limited(c: Context<Env>, key: string, limit: number, now: number, what: string) {
    if (limit <= 0) return null;
    const win = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
    if ((await store.hit(key, win)) <= limit) return null;
    c.header('Retry-After', String(Math.max(1, Math.ceil((win + RATE_WINDOW_MS - now) / 1000))));
    return fail(c, 429, `rate limit: at most ${limit} requests per minute per ${what}`);
  }

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
    c.header('Access-Control-Expose-Headers', 'Retry-After'); // else the extension cannot read it
    c.header('Vary', 'Origin');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      c.header('Access-Control-Max-Age', '86400');
      return c.body(null, 204);
    }
    return next();
  });

  app.get('/healthz', async (c) => {
    const h = await store.health();
    return h.ok
      ? c.json({ ok: true, state: 'ok', store: store.kind, mode })
      : c.json({ ok: false, state: 'degraded', store: store.kind, mode, detail: h.detail }, 503);
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
    if (mode === 'team') {
      const refused = keyRefusal(c);
      if (refused) return refused;
    }

    // Rate limit per address (group) before the body is read or any count is touched.
    const keys = addressKeys(clientAddress(c));
    const voterHash = await hashed(`v:${keys.voter}`, now);
    const tooMany = await limited(c, `a:${voterHash}`, addressLimit, now, 'address');
    if (tooMany) return tooMany;

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
    const reports = v.batch.reports;

    let voter = voterHash;
    if (mode === 'team') {
      voter = await hashed(`t:${reports[0]!.token}`, now);
      const perToken = await limited(c, `t:${voter}`, rateLimit, now, 'reporter');
      if (perToken) return perToken;
    }
    const net = await hashed(`n:${keys.net}`, now);
    const cur = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const votes: Vote[] = [];
    const voted = new Set<CrowdService>();
    for (const r of reports) {
      if (r.minute < cur - STALE_AFTER_MS || voted.has(r.service)) continue; // a backlog must not look like a spike
      voted.add(r.service);
      votes.push({ service: r.service, minute: cur, voter, net, phase: r.phase, verdict: r.verdict });
    }
    const counted = votes.length ? await store.ingest(votes) : 0;
    return c.json({ accepted: reports.length, counted }, 202);
  });

  let cached: { at: number; body: StatusResponse } | null = null;
  async function status(now: number): Promise<StatusResponse> {
    if (cached && statusCacheMs > 0 && now >= cached.at && now - cached.at < statusCacheMs) return cached.body;
    const body = await readStatus(store, now, mode, rules);
    cached = { at: now, body };
    return body;
  }

  app.get('/v1/status', async (c) => {
    if (mode === 'team' && opts.statusNeedsKey) {
      const refused = keyRefusal(c);
      if (refused) return refused;
    }
    const body = await status(clock());
    c.header(
      'Cache-Control',
      `${opts.statusNeedsKey ? 'private' : 'public'}, max-age=${Math.floor(statusCacheMs / 1000)}`,
    );
    return c.json(body);
  });

  app.get('/', (c) => {
    c.header('Content-Security-Policy', page.csp);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-cache');
    return c.html(page.html);
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
