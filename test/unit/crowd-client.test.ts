/**
 * Crowd mode client (src/core/crowd/client.ts) with a fake fetch, clock, KV and random source, and the popup's
 * crowd sentences (src/core/crowd/summary.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  CROWD_STATE_KEY,
  CrowdClient,
  FLUSH_AFTER_MS,
  MAX_QUEUE,
  STATUS_CACHE_MS,
  collectorBase,
  parseRetryAfter,
  parseStatus,
  type CrowdKV,
  type CrowdSettings,
  type FetchLike,
} from '../../src/core/crowd/client';
import { crowdFocus, crowdSummary, toPopupCrowd } from '../../src/core/crowd/summary';
import {
  CROWD_SERVICES,
  DAY_MS,
  MAX_BATCH_REPORTS,
  MAX_BODY_BYTES,
  REPORT_KINDS,
  validateBatch,
  type CrowdBatch,
} from '../../src/core/crowd/protocol';
import type { FailureKind, Phase, RequestOutcome, ServiceId } from '../../src/core/types';
import { FIXTURES } from '../../src/ui/fixtures';

const MIN = 60_000;
const T0 = Date.UTC(2025, 5, 10, 12, 0, 30);
const BASE = 'http://localhost:8787';

// ---------- fakes ----------

type Reply = { status: number; body?: string; headers?: Record<string, string> } | Error | 'hang';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(
  handler: (call: Call, n: number) => Reply = () => ({ status: 202, body: '{"accepted":1,"counted":1}' }),
) {
  const calls: Call[] = [];
  const fn: FetchLike = async (url, init) => {
    const call = { url, init };
    calls.push(call);
    const r = handler(call, calls.length);
    if (r === 'hang') {
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    }
    if (r instanceof Error) throw r;
    const headers = new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      status: r.status,
      headers: { get: (k: string) => headers.get(k.toLowerCase()) ?? null },
      text: async () => r.body ?? '',
    };
  };
  return { fn, calls };
}

function memoryKV(): CrowdKV & { data: Map<string, string>; writes: number } {
  const data = new Map<string, string>();
  const kv = {
    data,
    writes: 0,
    async get(k: string) {
      const v = data.get(k);
      return v === undefined ? undefined : JSON.parse(v);
    },
    async set(k: string, v: unknown) {
      kv.writes++;
      data.set(k, JSON.stringify(v));
    },
  };
  return kv;
}

/** A random source that never repeats (a counter mixed into every byte), and counts its calls. */
function fakeRandom(seed = 1) {
  let n = 0;
  const fn = (len: number) => {
    n++;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = (seed * 131 + n * 37 + i * 17) & 0xff;
    return out;
  };
  return { fn, calls: () => n };
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

let now = T0;
let settings: CrowdSettings | null = { crowdEnabled: true, collectorUrl: `${BASE}/v1/reports` };

function makeClient(over: Partial<ConstructorParameters<typeof CrowdClient>[0]> = {}) {
  const kv = (over.kv as ReturnType<typeof memoryKV> | undefined) ?? memoryKV();
  const f = fakeFetch();
  const rnd = fakeRandom();
  const logs: string[] = [];
  const client = new CrowdClient({
    settings: () => settings,
    fetch: f.fn,
    now: () => now,
    kv,
    random: rnd.fn,
    version: '0.1.0',
    log: (l) => logs.push(l),
    ...over,
  });
  return { client, kv, fetch: f, rnd, logs };
}

function outcome(over: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t: now - 1000,
    ms: 48,
    host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
    service: 'oss',
    path: '/private/customer-photos/{id}.jpg',
    type: 'xhr',
    method: 'PUT',
    status: 503,
    kind: 'http.5xx',
    phase: 'application',
    code: 'InternalError',
    ids: { ossRequestId: '6550A8F3E1B2C3D4E5F60718' },
    tabId: 7,
    keyTag: 'k-abc123',
    setCookies: ['SESSIONID'],
    sentCookies: ['login_aliyunid_ticket'],
    error: 'net::ERR_FAILED',
    source: 'browser',
    ...over,
  };
}

/** The i-th distinct (service, type) combination: 14 × 25 = 350 per minute. */
function distinct(i: number): RequestOutcome {
  const service = CROWD_SERVICES[i % CROWD_SERVICES.length]!;
  const kind = REPORT_KINDS[Math.floor(i / CROWD_SERVICES.length) % REPORT_KINDS.length]!;
  const minuteShift = Math.floor(i / (CROWD_SERVICES.length * REPORT_KINDS.length));
  return outcome({ service, kind, phase: 'connection', t: now - 1000 - minuteShift * MIN });
}

function bodies(calls: Call[]): CrowdBatch[] {
  return calls.filter((c) => c.init.method === 'POST').map((c) => JSON.parse(String(c.init.body)) as CrowdBatch);
}

beforeEach(() => {
  now = T0;
  settings = { crowdEnabled: true, collectorUrl: `${BASE}/v1/reports` };
});

// ---------- tests ----------

describe('crowd mode off', () => {
  it('sends nothing and queues nothing', async () => {
    settings = { crowdEnabled: false, collectorUrl: `${BASE}/v1/reports` };
    const { client, fetch, kv } = makeClient();
    for (let i = 0; i < 20; i++) expect(client.offer(distinct(i), 'provider')).toBeNull();
    expect(client.queued).toBe(0);
    expect((await client.flush()).outcome).toBe('off');
    expect(await client.fetchStatus(['oss'])).toBeNull();
    expect(client.nextFlushDelay(now)).toBeNull();
    await client.settled();
    expect(fetch.calls).toHaveLength(0);
    const stored = await kv.get(CROWD_STATE_KEY);
    expect(stored === undefined || (stored as { queue: unknown[] }).queue.length === 0).toBe(true);
  });

  it('turning it off drops the queue, the dedupe memory and the token', async () => {
    const { client, fetch, kv } = makeClient({ fetch: fakeFetch(() => ({ status: 503 })).fn });
    for (let i = 0; i < 5; i++) client.offer(distinct(i), 'provider');
    await client.flush(); // 503: kept, token made
    expect(client.queued).toBe(5);
    settings = { crowdEnabled: false, collectorUrl: `${BASE}/v1/reports` };
    expect(client.offer(distinct(6), 'provider')).toBeNull();
    expect(client.queued).toBe(0);
    await client.settled();
    const stored = (await kv.get(CROWD_STATE_KEY)) as { queue: unknown[]; seen: unknown[]; token: unknown };
    expect(stored.queue).toEqual([]);
    expect(stored.seen).toEqual([]);
    expect(stored.token).toBeNull();
    // On again: nothing old comes back.
    settings = { crowdEnabled: true, collectorUrl: `${BASE}/v1/reports` };
    expect((await client.flush()).outcome).toBe('empty');
    expect(fetch.calls).toHaveLength(0);
  });

  it('unknown settings (not loaded yet): nothing queued or sent, nothing stored dropped', async () => {
    const kv = memoryKV();
    const a = makeClient({ kv });
    a.client.offer(distinct(0), 'provider');
    await a.client.settled();
    settings = null;
    const b = makeClient({ kv });
    await b.client.ready;
    expect(b.client.offer(distinct(1), 'provider')).toBeNull();
    expect((await b.client.flush()).outcome).toBe('off');
    expect(b.fetch.calls).toHaveLength(0);
    expect(b.client.queued).toBe(1);
  });

  it('a collector URL that is not http(s) counts as off', async () => {
    settings = { crowdEnabled: true, collectorUrl: 'ftp://x' };
    const { client, fetch } = makeClient();
    expect(client.enabled()).toBe(false);
    expect(client.offer(outcome(), 'provider')).toBeNull();
    await client.flush();
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('offer', () => {
  it('uses makeReport: no catalogue service, site, probes, HAR imports, ok/aborted and healthy are not reported', () => {
    const { client } = makeClient();
    expect(client.offer(outcome({ service: null }), 'provider')).toBeNull();
    expect(client.offer(outcome({ service: 'site' }), 'provider')).toBeNull();
    expect(client.offer(outcome({ source: 'probe' }), 'provider')).toBeNull();
    expect(client.offer(outcome({ source: 'har' }), 'provider')).toBeNull();
    expect(client.offer(outcome({ kind: 'aborted' }), 'provider')).toBeNull();
    expect(client.offer(outcome({ kind: 'ok', phase: 'ok', status: 200 }), 'provider')).toBeNull();
    expect(client.offer(outcome(), 'healthy')).toBeNull();
    expect(client.offer(outcome({ t: now - 20 * MIN }), 'provider')).toBeNull(); // too old to count
    expect(client.queued).toBe(0);
    const r = client.offer(outcome(), 'unclear');
    expect(r).toMatchObject({
      service: 'oss',
      phase: 'application',
      type: 'http.5xx',
      region: 'cn-hangzhou',
      status: '5xx',
      verdict: 'unclear',
    });
    expect(r && 'token' in r).toBe(false);
  });

  it('dedupes locally: one report per service + phase + type + minute, even after it was sent', async () => {
    const { client } = makeClient();
    expect(client.offer(outcome(), 'provider')).not.toBeNull();
    expect(client.offer(outcome({ t: now - 2000, host: 'other.oss-cn-beijing.aliyuncs.com' }), 'provider')).toBeNull();
    expect(client.offer(outcome({ kind: 'tcp.reset', phase: 'connection', status: 0 }), 'provider')).not.toBeNull();
    expect(client.offer(outcome({ kind: 'http.5xx', phase: 'connection' }), 'provider')).not.toBeNull();
    expect(client.offer(outcome({ service: 'cdn', host: 'img.alicdn.com' }), 'provider')).not.toBeNull();
    expect(client.offer(outcome({ t: now - 1000 - MIN }), 'provider')).not.toBeNull(); // previous minute
    expect(client.queued).toBe(5);
    now += FLUSH_AFTER_MS;
    await client.flush();
    expect(client.queued).toBe(0);
    expect(client.offer(outcome({ t: T0 - 500 }), 'provider')).toBeNull(); // same minute as the first, already sent
  });

  it('is bounded: the oldest reports are dropped beyond MAX_QUEUE', () => {
    const { client } = makeClient();
    for (let i = 0; i < MAX_QUEUE + 100; i++) client.offer(distinct(i), 'provider');
    expect(client.queued).toBe(MAX_QUEUE);
    const q = client.queue();
    const first = distinct(100);
    expect(q[0]).toMatchObject({ service: first.service, type: first.kind });
  });

  it('is cheap: 20 000 offers in well under a second', () => {
    const { client } = makeClient();
    const t = performance.now();
    for (let i = 0; i < 20_000; i++) client.offer(distinct(i % 5000), 'provider');
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('never throws, even when settings or storage do', async () => {
    const { client } = makeClient({
      settings: () => {
        throw new Error('boom');
      },
      kv: {
        get: async () => Promise.reject(new Error('no storage')),
        set: async () => Promise.reject(new Error('no storage')),
      } as never,
    });
    expect(() => client.offer(outcome(), 'provider')).not.toThrow();
    await expect(client.flush()).resolves.toMatchObject({ outcome: 'off' });
  });
});

describe('flush', () => {
  it('batches: 250 offers → 3 POSTs of at most 100, each a valid batch', async () => {
    const { client, fetch } = makeClient();
    for (let i = 0; i < 250; i++) expect(client.offer(distinct(i), 'provider')).not.toBeNull();
    expect(client.nextFlushDelay(now)).toBe(0); // ≥ one full batch: due now
    const r = await client.flush();
    expect(r).toMatchObject({ outcome: 'sent', sent: 250, dropped: 0, queued: 0 });
    const b = bodies(fetch.calls);
    expect(b.map((x) => x.reports.length)).toEqual([100, 100, 50]);
    for (const x of b) expect(validateBatch(x).ok).toBe(true);
    for (const c of fetch.calls) {
      expect(c.url).toBe(`${BASE}/v1/reports`);
      expect(c.init.method).toBe('POST');
      expect(c.init.credentials).toBe('omit');
      expect(c.init.redirect).toBe('error');
      expect(c.init.signal).toBeDefined();
      const headers = c.init.headers as Record<string, string>;
      expect(headers['content-type']).toBe('application/json');
      expect(Object.keys(headers).map((k) => k.toLowerCase())).toEqual(['content-type']);
      expect(new TextEncoder().encode(String(c.init.body)).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(client.nextFlushDelay(now)).toBeNull();
  });

  it('waits FLUSH_AFTER_MS after the oldest report so one request carries many', () => {
    const { client } = makeClient();
    client.offer(outcome(), 'provider');
    expect(client.nextFlushDelay(now)).toBe(FLUSH_AFTER_MS);
    expect(client.nextFlushDelay(now + 10_000)).toBe(FLUSH_AFTER_MS - 10_000);
    expect(client.nextFlushDelay(now + FLUSH_AFTER_MS + 5)).toBe(0);
  });

  it('backs off exponentially on 5xx and network errors, keeping the batch', async () => {
    let reply: Reply = { status: 503, body: '{"error":"store unavailable, try again later"}' };
    const f = fakeFetch(() => reply);
    const { client } = makeClient({ fetch: f.fn });
    for (let i = 0; i < 3; i++) client.offer(distinct(i), 'provider');
    const delays: number[] = [];
    for (let k = 0; k < 4; k++) {
      const r = await client.flush();
      expect(r.outcome).toBe('retry-later');
      expect(r.queued).toBe(3);
      delays.push(client.retryAt - now);
      expect(client.nextFlushDelay(now)).toBe(client.retryAt - now);
      // Before the back-off ends nothing is sent.
      const calls = f.calls.length;
      now += 1000;
      expect((await client.flush()).outcome).toBe('backoff');
      expect(f.calls.length).toBe(calls);
      now = client.retryAt;
      if (k === 1) reply = new Error('fetch failed'); // network errors back off the same way
    }
    expect(delays).toEqual([BACKOFF_BASE_MS, 2 * BACKOFF_BASE_MS, 4 * BACKOFF_BASE_MS, 8 * BACKOFF_BASE_MS]);
    reply = { status: 202, body: '{"accepted":3,"counted":3}' };
    expect(await client.flush()).toMatchObject({ outcome: 'sent', sent: 3, counted: 3, queued: 0 });
    expect(client.retryAt).toBe(0);
  });

  it('honours Retry-After on 429 (seconds and HTTP date)', async () => {
    let reply: Reply = { status: 429, headers: { 'Retry-After': '42' }, body: '{"error":"rate limit"}' };
    const f = fakeFetch(() => reply);
    const { client } = makeClient({ fetch: f.fn });
    client.offer(outcome(), 'provider');
    expect((await client.flush()).outcome).toBe('retry-later');
    expect(client.retryAt).toBe(now + 42_000);
    expect(client.queued).toBe(1);
    now = client.retryAt;
    reply = { status: 429, headers: { 'retry-after': new Date(now + 90_000).toUTCString() } };
    await client.flush();
    expect(client.retryAt).toBeGreaterThan(now + 89_000);
    expect(client.retryAt).toBeLessThanOrEqual(now + 90_000);
    expect(parseRetryAfter('abc', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
  });

  it('a request that hangs times out and backs off', async () => {
    const f = fakeFetch(() => 'hang');
    const { client } = makeClient({ fetch: f.fn, timeoutMs: 20 });
    client.offer(outcome(), 'provider');
    const r = await client.flush();
    expect(r.outcome).toBe('retry-later');
    expect(r.queued).toBe(1);
    expect(client.retryAt).toBe(now + BACKOFF_BASE_MS);
  });

  it('400 drops the batch (one log line) and goes on with the next', async () => {
    const f = fakeFetch((_c, n) =>
      n === 1
        ? { status: 400, body: '{"error":"reports[3].service: unknown service \\"foo\\""}' }
        : { status: 202, body: '{"accepted":50,"counted":7}' },
    );
    const { client, logs } = makeClient({ fetch: f.fn });
    for (let i = 0; i < 150; i++) client.offer(distinct(i), 'provider');
    const r = await client.flush();
    expect(r).toMatchObject({ outcome: 'sent', sent: 50, counted: 7, dropped: 100, queued: 0 });
    expect(f.calls).toHaveLength(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/rejected a batch of 100 \(400\): reports\[3\]\.service/);
    expect(logs[0]).not.toMatch(/\n/);
    expect(client.retryAt).toBe(0);
  });

  it('drops reports too old to be counted instead of sending them', async () => {
    const { client, fetch } = makeClient();
    client.offer(outcome(), 'provider');
    now += 16 * MIN;
    const r = await client.flush();
    expect(r).toMatchObject({ outcome: 'empty', dropped: 1, queued: 0 });
    expect(fetch.calls).toHaveLength(0);
  });

  it('concurrent flushes share one run', async () => {
    const { client, fetch } = makeClient();
    client.offer(outcome(), 'provider');
    const [a, b] = await Promise.all([client.flush(), client.flush()]);
    expect(a).toBe(b);
    expect(fetch.calls).toHaveLength(1);
  });

  it('stops sending as soon as crowd mode is turned off mid-flush', async () => {
    const f = fakeFetch(() => {
      settings = { crowdEnabled: false, collectorUrl: `${BASE}/v1/reports` };
      return { status: 202, body: '{"accepted":100,"counted":100}' };
    });
    const { client } = makeClient({ fetch: f.fn });
    for (let i = 0; i < 250; i++) client.offer(distinct(i), 'provider');
    const r = await client.flush();
    expect(r.outcome).toBe('off');
    expect(f.calls).toHaveLength(1);
    expect(r.queued).toBe(0);
  });
});

describe('persistence', () => {
  it('a restarted worker (new client on the same KV) resumes the queue, back-off and token', async () => {
    const kv = memoryKV();
    const a = makeClient({ kv, fetch: fakeFetch(() => ({ status: 500 })).fn });
    for (let i = 0; i < 7; i++) a.client.offer(distinct(i), 'provider');
    await a.client.flush(); // 500 → back-off, token made
    await a.client.settled();
    const retryAt = a.client.retryAt;
    expect(retryAt).toBeGreaterThan(now);

    const b = makeClient({ kv });
    await b.client.ready;
    expect(b.client.queued).toBe(7);
    expect(b.client.queue()).toEqual(a.client.queue());
    expect(b.client.retryAt).toBe(retryAt);
    expect((await b.client.flush()).outcome).toBe('backoff');
    expect(b.client.offer(distinct(0), 'provider')).toBeNull(); // dedupe memory survived too
    now = retryAt;
    expect(await b.client.flush()).toMatchObject({ outcome: 'sent', sent: 7 });
    // Same UTC day: the stored token is reused, no new random bytes drawn.
    expect(b.rnd.calls()).toBe(0);
    expect(bodies(b.fetch.calls)[0]!.reports[0]!.token).toBe(hex(fakeRandom().fn(16)));
    await b.client.settled();
    const c = makeClient({ kv });
    await c.client.ready;
    expect(c.client.queued).toBe(0);
  });

  it('offers made before the stored state is read are kept after the stored ones', async () => {
    const kv = memoryKV();
    const a = makeClient({ kv });
    a.client.offer(distinct(0), 'provider');
    a.client.offer(distinct(1), 'provider');
    await a.client.settled();
    const b = makeClient({ kv });
    b.client.offer(distinct(1), 'provider'); // duplicate of a stored one
    b.client.offer(distinct(2), 'provider');
    await b.client.settled();
    expect(b.client.queue().map((r) => r.service)).toEqual(
      [distinct(0), distinct(1), distinct(2)].map((o) => o.service),
    );
  });

  it('a broken or hand-edited stored value is ignored, never trusted', async () => {
    const kv = memoryKV();
    await kv.set(CROWD_STATE_KEY, {
      v: 1,
      queue: [
        {
          r: {
            service: 'oss',
            phase: 'dns',
            type: 'dns.failed',
            region: null,
            status: 'none',
            minute: T0 - (T0 % MIN),
            verdict: 'provider',
            version: '0.1.0',
          },
          at: T0,
        },
        {
          r: {
            service: 'oss',
            phase: 'dns',
            type: 'dns.failed',
            region: null,
            status: 'none',
            minute: T0 - (T0 % MIN),
            verdict: 'provider',
            version: '0.1.0',
            path: '/smuggled',
          },
          at: T0,
        },
        { r: { service: 'evil', phase: 'dns' }, at: T0 },
        'garbage',
      ],
      seen: 'nope',
      backoffUntil: -5,
      failures: 'x',
      token: { token: 'not-hex', day: 1 },
    });
    const { client, fetch } = makeClient({ kv });
    await client.ready;
    expect(client.queued).toBe(1);
    expect(client.retryAt).toBe(0);
    await client.flush();
    const sent = bodies(fetch.calls)[0]!;
    expect(validateBatch(sent).ok).toBe(true);
    expect(sent.reports[0]!.token).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(sent)).not.toMatch(/smuggled|not-hex/);

    const kv2 = memoryKV();
    await kv2.set(CROWD_STATE_KEY, 'total garbage');
    const d = makeClient({ kv: kv2 });
    await d.client.ready;
    expect(d.client.queued).toBe(0);
  });
});

describe('reporter token', () => {
  it('is 128 random bits from the injected source and rotates at the UTC day boundary', async () => {
    const rnd = fakeRandom(7);
    const { client, fetch } = makeClient({ random: rnd.fn });
    const endOfDay = Math.floor(T0 / DAY_MS) * DAY_MS + DAY_MS - 2 * MIN;
    now = endOfDay;
    const tokens: string[] = [];
    const sendOne = async (i: number) => {
      client.offer(distinct(i), 'provider');
      await client.flush();
      tokens.push(bodies(fetch.calls).at(-1)!.reports[0]!.token);
    };
    await sendOne(0);
    now += MIN; // 23:59, same day
    await sendOne(1);
    expect(tokens[1]).toBe(tokens[0]);
    expect(rnd.calls()).toBe(1);
    now += 2 * MIN; // 00:01 next day
    await sendOne(2);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(rnd.calls()).toBe(2);
    // Exactly the random bytes: nothing stable (version, clock, settings, URL) goes into it.
    const replay = fakeRandom(7);
    expect(tokens[0]).toBe(hex(replay.fn(16)));
    expect(tokens[2]).toBe(hex(replay.fn(16)));
    for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{32}$/);
  });

  it('two installs with the same settings, version and clock get unrelated tokens', async () => {
    const a = makeClient({ random: fakeRandom(1).fn });
    const b = makeClient({ random: fakeRandom(2).fn });
    for (const x of [a, b]) {
      x.client.offer(outcome(), 'provider');
      await x.client.flush();
    }
    const ta = bodies(a.fetch.calls)[0]!.reports[0]!.token;
    const tb = bodies(b.fetch.calls)[0]!.reports[0]!.token;
    expect(ta).not.toBe(tb);
  });
});

describe('privacy of what is sent', () => {
  it('bodies carry only the protocol fields: no host, path, query, cookies, ids, user agent', async () => {
    const { client, fetch } = makeClient();
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0.0.0';
    const phases: Phase[] = ['dns', 'connection', 'tls', 'application', 'client'];
    const kinds: FailureKind[] = ['dns.name_not_resolved', 'tcp.reset', 'tls.failed', 'http.5xx', 'blocked.extension'];
    for (let i = 0; i < phases.length; i++) {
      client.offer(
        outcome({
          phase: phases[i]!,
          kind: kinds[i]!,
          path: '/bucket/secret-object.jpg?Signature=abc&OSSAccessKeyId=LTAI5tXYZ',
          host: 'secret-bucket.oss-cn-hangzhou.aliyuncs.com',
          redirectTo: 'login.aliyun.com/login.htm',
          error: ua,
        }),
        'provider',
      );
    }
    await client.flush();
    const raw = fetch.calls.map((c) => String(c.init.body)).join('\n');
    expect(raw).not.toMatch(
      /aliyuncs|aliyun\.com|secret|bucket|Signature|LTAI|AccessKey|cookie|SESSIONID|login_aliyunid|Mozilla|Chrome|ERR_|6550A8F3|k-abc123|InternalError|example\.com|\/private|\?|htm/i,
    );
    for (const b of bodies(fetch.calls)) {
      expect(Object.keys(b).sort()).toEqual(['reports', 'v']);
      for (const r of b.reports) {
        expect(Object.keys(r).sort()).toEqual([
          'minute',
          'phase',
          'region',
          'service',
          'status',
          'token',
          'type',
          'verdict',
          'version',
        ]);
        expect(r.region).toBe('cn-hangzhou');
      }
    }
    for (const c of fetch.calls) {
      const h = Object.keys((c.init.headers as Record<string, string>) ?? {}).map((k) => k.toLowerCase());
      expect(h).not.toContain('cookie');
      expect(h).not.toContain('user-agent');
      expect(c.init.credentials).toBe('omit');
    }
  });
});

describe('fetchStatus', () => {
  const status = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      v: 1,
      at: T0,
      rules: {},
      services: [
        {
          service: 'oss',
          reports: { m5: 40, m15: 127, m60: 130 },
          reporters15: 120,
          addresses15: 100,
          baseline15: 1.5,
          state: 'outage',
          byPhase15: {},
          byVerdict15: {},
        },
        {
          service: 'cdn',
          reports: { m5: 0, m15: 1, m60: 2 },
          reporters15: 1,
          addresses15: 1,
          baseline15: 0,
          state: 'normal',
          byPhase15: {},
          byVerdict15: {},
        },
        { service: 'login', reports: { m5: 1, m15: 2, m60: 3 }, baseline15: 0.5, state: 'elevated' },
      ],
      ...over,
    });

  it('GETs /v1/status without credentials and returns the services asked', async () => {
    const f = fakeFetch(() => ({ status: 200, body: status() }));
    const { client } = makeClient({ fetch: f.fn });
    const s = await client.fetchStatus(['oss', 'cdn', 'site', 'drive']);
    expect(s).toEqual([
      { id: 'oss', last5: 40, last15: 127, last60: 130, baseline: 1.5, state: 'outage' },
      { id: 'cdn', last5: 0, last15: 1, last60: 2, baseline: 0, state: 'normal' },
    ]);
    expect(f.calls[0]!.url).toBe(`${BASE}/v1/status`);
    expect(f.calls[0]!.init.method).toBe('GET');
    expect(f.calls[0]!.init.credentials).toBe('omit');
    expect(f.calls[0]!.init.body).toBeUndefined();
  });

  it('is cached for 60 s; concurrent calls share one request', async () => {
    const f = fakeFetch(() => ({ status: 200, body: status() }));
    const { client } = makeClient({ fetch: f.fn });
    await Promise.all([client.fetchStatus(['oss']), client.fetchStatus(['cdn'])]);
    expect(f.calls).toHaveLength(1);
    now += STATUS_CACHE_MS - 1;
    expect(await client.fetchStatus(['login'])).toEqual([
      { id: 'login', last5: 1, last15: 2, last60: 3, baseline: 0.5, state: 'elevated' },
    ]);
    expect(f.calls).toHaveLength(1);
    now += 2;
    await client.fetchStatus(['oss']);
    expect(f.calls).toHaveLength(2);
  });

  it('malformed answers give null (or skip the bad entries), never throw', async () => {
    const cases: Reply[] = [
      { status: 200, body: '{"v":1,"services":[' },
      { status: 200, body: '<html>502 Bad Gateway</html>' },
      { status: 200, body: 'null' },
      { status: 200, body: '[]' },
      { status: 200, body: '{"v":2,"services":[]}' },
      { status: 200, body: '{"v":1,"services":{}}' },
      { status: 500, body: status() },
      { status: 200, body: 'x'.repeat(300 * 1024) },
      new Error('fetch failed'),
    ];
    for (const c of cases) {
      const { client } = makeClient({ fetch: fakeFetch(() => c).fn });
      await expect(client.fetchStatus(['oss'])).resolves.toBeNull();
    }
    const bad = status({
      services: [
        { service: 'oss', reports: { m5: '4', m15: 1, m60: 1 }, baseline15: 0, state: 'normal' },
        { service: 'cdn', reports: { m5: 1, m15: -1, m60: 1 }, baseline15: 0, state: 'normal' },
        { service: 'login', reports: { m5: 1, m15: 1, m60: 1 }, baseline15: Infinity, state: 'normal' },
        { service: 'docs', reports: { m5: 1, m15: 1, m60: 1 }, baseline15: 0, state: 'on fire' },
        { service: 'evil', reports: { m5: 1, m15: 1, m60: 1 }, baseline15: 0, state: 'normal' },
        { service: 'drive', reports: null, baseline15: 0, state: 'normal' },
        null,
        { service: 'mtop', reports: { m5: 1, m15: 2, m60: 3 }, baseline15: 0.25, state: 'normal' },
        { service: 'mtop', reports: { m5: 9, m15: 9, m60: 9 }, baseline15: 9, state: 'outage' },
      ],
    });
    expect(parseStatus(bad)).toEqual([{ id: 'mtop', last5: 1, last15: 2, last60: 3, baseline: 0.25, state: 'normal' }]);
    // Failures are not cached: the next call asks again.
    let n = 0;
    const { client } = makeClient({
      fetch: fakeFetch(() => (++n === 1 ? { status: 503 } : { status: 200, body: status() })).fn,
    });
    expect(await client.fetchStatus(['oss'])).toBeNull();
    expect((await client.fetchStatus(['oss']))?.[0]?.last15).toBe(127);
  });
});

describe('collectorBase', () => {
  it('accepts the setting with or without the endpoint path', () => {
    expect(collectorBase('https://collector.faultline.dev/v1/reports')).toBe('https://collector.faultline.dev');
    expect(collectorBase('https://collector.faultline.dev/')).toBe('https://collector.faultline.dev');
    expect(collectorBase('https://example.com/faultline/v1/status?x=1#y')).toBe('https://example.com/faultline');
    expect(collectorBase('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(collectorBase('not a url')).toBeNull();
    expect(collectorBase('javascript:alert(1)')).toBeNull();
  });
});

describe('crowdSummary (popup sentences)', () => {
  const view = toPopupCrowd(true, [
    { id: 'oss', last5: 50, last15: 127, last60: 140, baseline: 2.2, state: 'outage' },
    { id: 'mtop', last5: 0, last15: 1, last60: 1, baseline: 0.1, state: 'normal' },
    { id: 'cdn', last5: 0, last15: 0, last60: 0, baseline: 0, state: 'normal' },
    { id: 'login', last5: 3, last15: 9, last60: 10, baseline: 1, state: 'elevated' },
  ]);

  it('says how many people reported failures in the last 15 minutes, and the usual number', () => {
    const en = crowdSummary(view, ['cdn', 'oss', 'mtop', 'login'], 'en');
    expect(en.map((l) => l.service)).toEqual(['oss', 'login', 'mtop', 'cdn']);
    expect(en[0]!.text).toBe(
      '127 people reported Object Storage (OSS) failures in the last 15 minutes — usually about 2',
    );
    expect(en[0]!.stateLabel).toBe('Likely outage');
    expect(en[2]!.text).toBe(
      '1 person reported mtop API gateway failures in the last 15 minutes — usually almost none',
    );
    expect(en[3]!.text).toBe('Nobody reported CDN and images (alicdn) failures in the last 15 minutes');
    const zh = crowdSummary(view, ['cdn', 'oss', 'mtop', 'login'], 'zh_CN');
    expect(zh[0]!.text).toBe('过去 15 分钟有 127 人报告对象存储 OSS 故障——平时约 2 人');
    expect(zh[1]!.text).toBe('过去 15 分钟有 9 人报告登录与单点登录故障——平时约 1 人');
    expect(zh[2]!.text).toBe('过去 15 分钟有 1 人报告 mtop 接口网关故障——平时几乎没有');
    expect(zh[1]!.stateLabel).toBe('报告偏多');
    for (const l of [...en, ...zh]) expect(l.text).not.toMatch(/\$\d|crowd_/);
  });

  it('says nothing when crowd mode is off, without data, or for services it does not know', () => {
    expect(crowdSummary(undefined, ['oss'], 'en')).toEqual([]);
    expect(crowdSummary({ ...view, enabled: false }, ['oss'], 'en')).toEqual([]);
    expect(crowdSummary(toPopupCrowd(true, null), ['oss'], 'en')).toEqual([]);
    expect(
      crowdSummary(
        toPopupCrowd(false, [{ id: 'oss', last5: 1, last15: 1, last60: 1, baseline: 0, state: 'normal' }]),
        ['oss'],
        'en',
      ),
    ).toEqual([]);
    expect(crowdSummary(view, ['drive', 'site'], 'en')).toEqual([]);
    expect(crowdSummary(view, [], 'en')).toEqual([]);
  });

  it('focus: services failing here first, then crowd spikes elsewhere; at most 4 lines', () => {
    const p = FIXTURES.provider;
    const ids: ServiceId[] = crowdFocus(p.diagnosis.services, p.crowd);
    expect(ids.slice(0, 3)).toEqual(['console', 'openapi', 'oss']);
    const lines = crowdSummary(p.crowd, ids, 'en');
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatchObject({ service: 'oss', state: 'outage' });
    expect(lines.every((l) => l.stateLabel.length > 0)).toBe(true);
  });

  it('fixtures: the provider fixture has crowd mode on with a spike; the others have it off', () => {
    expect(FIXTURES.provider.crowd?.enabled).toBe(true);
    expect(FIXTURES.provider.crowd?.services.some((s) => s.state === 'outage')).toBe(true);
    for (const v of ['user', 'healthy', 'unclear'] as const) {
      expect(FIXTURES[v].crowd?.enabled).toBe(false);
      expect(
        crowdSummary(FIXTURES[v].crowd, crowdFocus(FIXTURES[v].diagnosis.services, FIXTURES[v].crowd), 'zh_CN'),
      ).toEqual([]);
    }
  });
});

it('MAX_BATCH_REPORTS is what the batching test assumes', () => {
  expect(MAX_BATCH_REPORTS).toBe(100);
});
