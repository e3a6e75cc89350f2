/**
 * Crowd mode's one queue (src/core/crowd/queue.ts, pure) driven through its effects (src/background/crowd.ts
 * CrowdSender) with a fake fetch, clock, storage, alarm and random source; the collector's answers parsed
 * (src/core/crowd/parse.ts); the popup's crowd sentences (src/core/crowd/summary.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CrowdSender,
  STATUS_CACHE_MS,
  crowdSettings,
  type CrowdDeps,
  type CrowdSettings,
  type FetchLike,
} from '../../src/background/crowd';
import { BACKOFF_BASE_MS, CROWD_STATE_KEY, FLUSH_AFTER_MS, MAX_QUEUE } from '../../src/core/crowd/queue';
import { collectorBase, parseRetryAfter, parseStatus } from '../../src/core/crowd/parse';
import { crowdFocus, crowdSummary, type CrowdView } from '../../src/core/crowd/summary';
import {
  CROWD_SERVICES,
  DAY_MS,
  MAX_BATCH_REPORTS,
  MAX_BODY_BYTES,
  REPORT_KINDS,
  validateBatch,
  type CrowdBatch,
  type ServiceCrowdStatus,
} from '../../src/core/crowd/protocol';
import type { Diagnosis, FailureKind, Phase, RequestOutcome, ServiceId, Verdict } from '../../src/core/types';
import { defaults } from '../../src/core/settings';
import { FIXTURES } from '../fixtures/popup-states';
import { fakeAlarm, memoryKV } from './crowd-fakes';

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
let settings: CrowdSettings | null = { enabled: true, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };

function makeClient(over: Partial<CrowdDeps> = {}) {
  const kv = (over.kv as ReturnType<typeof memoryKV> | undefined) ?? memoryKV();
  const f = fakeFetch();
  const rnd = fakeRandom();
  const logs: string[] = [];
  const alarm = fakeAlarm();
  const client = new CrowdSender({
    settings: () => settings,
    fetch: f.fn,
    now: () => now,
    kv,
    alarm,
    random: rnd.fn,
    version: '0.1.0',
    log: (l) => logs.push(l),
    ...over,
  });
  return { client, kv, fetch: f, rnd, logs, alarm };
}

/** A diagnosis with this verdict (no services: the status is not fetched). */
function diag(verdict: Verdict): Diagnosis {
  return {
    verdict,
    cause: 'none',
    services: [],
    evidence: [],
    advice: [],
    since: null,
    at: now,
  } as unknown as Diagnosis;
}

/** Note one outcome, then the diagnosis that follows; true when a report about it is queued. */
function offer(c: CrowdSender, o: RequestOutcome, verdict: Verdict = 'provider'): boolean {
  const before = c.queued().length;
  c.note(o);
  c.afterDiagnosis(diag(verdict));
  return c.queued().length > before;
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
  settings = { enabled: true, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
});

// ---------- tests ----------

describe('crowd mode off', () => {
  it('sends nothing and queues nothing', async () => {
    settings = { enabled: false, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
    const { client, fetch, kv } = makeClient();
    for (let i = 0; i < 20; i++) expect(offer(client, distinct(i), 'provider')).toBe(false);
    expect(client.queued().length).toBe(0);
    expect((await client.flush()).outcome).toBe('off');
    expect(await client.fetchStatus(['oss'])).toBeNull();
    expect(client.nextFlushDelay()).toBeNull();
    await client.settled();
    expect(fetch.calls).toHaveLength(0);
    const stored = await kv.get(CROWD_STATE_KEY);
    expect(stored === undefined || (stored as { queue: unknown[] }).queue.length === 0).toBe(true);
  });

  it('turning it off drops the queue, the dedupe memory and the token', async () => {
    const { client, fetch, kv } = makeClient({ fetch: fakeFetch(() => ({ status: 503 })).fn });
    for (let i = 0; i < 5; i++) offer(client, distinct(i), 'provider');
    await client.flush(); // 503: kept, token made
    expect(client.queued().length).toBe(5);
    settings = { enabled: false, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
    expect(offer(client, distinct(6), 'provider')).toBe(false);
    expect(client.queued().length).toBe(0);
    await client.settled();
    const stored = (await kv.get(CROWD_STATE_KEY)) as { queue: unknown[]; seen: unknown[]; token: unknown };
    expect(stored.queue).toEqual([]);
    expect(stored.seen).toEqual([]);
    expect(stored.token).toBeNull();
    // On again: nothing old comes back.
    settings = { enabled: true, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
    expect((await client.flush()).outcome).toBe('empty');
    expect(fetch.calls).toHaveLength(0);
  });

  it('unknown settings (not loaded yet): nothing queued or sent, nothing stored dropped', async () => {
    const kv = memoryKV();
    const a = makeClient({ kv });
    offer(a.client, distinct(0), 'provider');
    await a.client.settled();
    settings = null;
    const b = makeClient({ kv });
    await b.client.ready;
    expect(offer(b.client, distinct(1), 'provider')).toBe(false);
    expect((await b.client.flush()).outcome).toBe('off');
    expect(b.fetch.calls).toHaveLength(0);
    expect(b.client.queued().length).toBe(1);
  });

  it('a collector URL that is not http(s) counts as off', async () => {
    settings = { enabled: true, collectorUrl: 'ftp://x', teamKey: '' };
    const { client, fetch } = makeClient();
    expect(client.popupView().enabled).toBe(false);
    expect(offer(client, outcome(), 'provider')).toBe(false);
    await client.flush();
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('offer', () => {
  it('uses makeReport: no catalogue service, site, probes, HAR imports, ok/aborted, healthy or user-side verdicts', () => {
    const { client } = makeClient();
    expect(offer(client, outcome({ service: null }), 'provider')).toBe(false);
    expect(offer(client, outcome({ service: 'site' }), 'provider')).toBe(false);
    expect(offer(client, outcome({ source: 'probe' }), 'provider')).toBe(false);
    expect(offer(client, outcome({ source: 'har' }), 'provider')).toBe(false);
    expect(offer(client, outcome({ kind: 'aborted' }), 'provider')).toBe(false);
    expect(offer(client, outcome({ kind: 'ok', phase: 'ok', status: 200 }), 'provider')).toBe(false);
    expect(offer(client, outcome(), 'healthy')).toBe(false);
    expect(offer(client, outcome(), 'user')).toBe(false); // "it is your side": says nothing about the provider
    expect(offer(client, outcome({ t: now - 20 * MIN }), 'provider')).toBe(false); // too old to count
    expect(client.queued().length).toBe(0);
    expect(offer(client, outcome(), 'unclear')).toBe(true); // dropped ones may come back with another verdict
    const r = client.queued()[0];
    expect(r).toMatchObject({
      service: 'oss',
      phase: 'application',
      type: 'http.5xx',
      region: 'cn-hangzhou',
      status: '5xx',
      verdict: 'unclear',
    });
    expect(r && 'token' in r).toBe(false);
    // Noted but not yet diagnosed: queued without a verdict, not sendable.
    client.note(outcome({ service: 'cdn', host: 'img.alicdn.com' }));
    expect(client.queued()[1]!.verdict).toBeNull();
    expect(client.nextFlushDelay()).toBe(FLUSH_AFTER_MS);
  });

  it('dedupes locally: one report per service + phase + type + minute, even after it was sent', async () => {
    const { client } = makeClient();
    expect(offer(client, outcome(), 'provider')).toBe(true);
    expect(offer(client, outcome({ t: now - 2000, host: 'other.oss-cn-beijing.aliyuncs.com' }), 'provider')).toBe(
      false,
    );
    expect(offer(client, outcome({ kind: 'tcp.reset', phase: 'connection', status: 0 }), 'provider')).toBe(true);
    expect(offer(client, outcome({ kind: 'http.5xx', phase: 'connection' }), 'provider')).toBe(true);
    expect(offer(client, outcome({ service: 'cdn', host: 'img.alicdn.com' }), 'provider')).toBe(true);
    expect(offer(client, outcome({ t: now - 1000 - MIN }), 'provider')).toBe(true); // previous minute
    expect(client.queued().length).toBe(5);
    now += FLUSH_AFTER_MS;
    await client.flush();
    expect(client.queued().length).toBe(0);
    expect(offer(client, outcome({ t: T0 - 500 }), 'provider')).toBe(false); // same minute as the first, already sent
  });

  it('is bounded: the oldest reports are dropped beyond MAX_QUEUE', () => {
    const { client } = makeClient();
    for (let i = 0; i < MAX_QUEUE + 100; i++) offer(client, distinct(i), 'provider');
    expect(client.queued().length).toBe(MAX_QUEUE);
    const q = client.queued();
    const first = distinct(100);
    expect(q[0]).toMatchObject({ service: first.service, type: first.kind });
  });

  it('the per-event path queues without waiting: 20 000 notes, one verdict, a bounded queue', async () => {
    const { client, kv } = makeClient();
    for (let i = 0; i < 20_000; i++) client.note(distinct(i % 5000));
    expect(client.queued().length).toBe(MAX_QUEUE);
    expect(client.queued().every((r) => r.verdict === null)).toBe(true);
    client.afterDiagnosis(diag('provider'));
    expect(client.queued().every((r) => r.verdict === 'provider')).toBe(true);
    await client.settled();
    expect(kv.writes).toBeLessThanOrEqual(3); // coalesced, not one write per event
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
    expect(() => offer(client, outcome(), 'provider')).not.toThrow();
    await expect(client.flush()).resolves.toMatchObject({ outcome: 'off' });
  });
});

describe('flush', () => {
  it('batches: 250 offers → 3 POSTs of at most 100, each a valid batch', async () => {
    const { client, fetch } = makeClient();
    for (let i = 0; i < 250; i++) expect(offer(client, distinct(i), 'provider')).toBe(true);
    expect(client.nextFlushDelay()).toBe(0); // ≥ one full batch: due now
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
      expect(Object.keys(headers).map((k) => k.toLowerCase())).toEqual(['content-type']); // no team key set
      expect(new TextEncoder().encode(String(c.init.body)).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(client.nextFlushDelay()).toBeNull();
  });

  it('waits FLUSH_AFTER_MS after the oldest report so one request carries many', () => {
    const { client } = makeClient();
    offer(client, outcome(), 'provider');
    expect(client.nextFlushDelay()).toBe(FLUSH_AFTER_MS);
    now += 10_000;
    expect(client.nextFlushDelay()).toBe(FLUSH_AFTER_MS - 10_000);
    now += FLUSH_AFTER_MS;
    expect(client.nextFlushDelay()).toBe(0);
  });

  it('backs off exponentially on 5xx and network errors, keeping the batch', async () => {
    let reply: Reply = { status: 503, body: '{"error":"store unavailable, try again later"}' };
    const f = fakeFetch(() => reply);
    const { client } = makeClient({ fetch: f.fn });
    for (let i = 0; i < 3; i++) offer(client, distinct(i), 'provider');
    const delays: number[] = [];
    for (let k = 0; k < 4; k++) {
      const r = await client.flush();
      expect(r.outcome).toBe('retry-later');
      expect(r.queued).toBe(3);
      delays.push(client.retryAt - now);
      expect(client.nextFlushDelay()).toBe(client.retryAt - now);
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
    offer(client, outcome(), 'provider');
    expect((await client.flush()).outcome).toBe('retry-later');
    expect(client.retryAt).toBe(now + 42_000);
    expect(client.queued().length).toBe(1);
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
    const { client } = makeClient({ fetch: f.fn, timing: { requestTimeoutMs: 20 } });
    offer(client, outcome(), 'provider');
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
    for (let i = 0; i < 150; i++) offer(client, distinct(i), 'provider');
    const r = await client.flush();
    expect(r).toMatchObject({ outcome: 'sent', sent: 50, counted: 7, dropped: 100, queued: 0 });
    expect(f.calls).toHaveLength(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/refused a batch of 100 \(400\): reports\[3\]\.service/);
    expect(logs[0]).not.toMatch(/\n/);
    expect(client.retryAt).toBe(0);
  });

  it('drops reports too old to be counted instead of sending them', async () => {
    const { client, fetch } = makeClient();
    offer(client, outcome(), 'provider');
    now += 16 * MIN;
    const r = await client.flush();
    expect(r).toMatchObject({ outcome: 'empty', dropped: 1, queued: 0 });
    expect(fetch.calls).toHaveLength(0);
  });

  it('concurrent flushes share one run', async () => {
    const { client, fetch } = makeClient();
    offer(client, outcome(), 'provider');
    const [a, b] = await Promise.all([client.flush(), client.flush()]);
    expect(a).toBe(b);
    expect(fetch.calls).toHaveLength(1);
  });

  it('stops sending as soon as crowd mode is turned off mid-flush', async () => {
    const f = fakeFetch(() => {
      settings = { enabled: false, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
      return { status: 202, body: '{"accepted":100,"counted":100}' };
    });
    const { client } = makeClient({ fetch: f.fn });
    for (let i = 0; i < 250; i++) offer(client, distinct(i), 'provider');
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
    for (let i = 0; i < 7; i++) offer(a.client, distinct(i), 'provider');
    await a.client.flush(); // 500 → back-off, token made
    await a.client.settled();
    const retryAt = a.client.retryAt;
    expect(retryAt).toBeGreaterThan(now);

    const b = makeClient({ kv });
    await b.client.ready;
    expect(b.client.queued().length).toBe(7);
    expect(b.client.queued()).toEqual(a.client.queued());
    expect(b.client.retryAt).toBe(retryAt);
    expect((await b.client.flush()).outcome).toBe('backoff');
    expect(offer(b.client, distinct(0), 'provider')).toBe(false); // dedupe memory survived too
    now = retryAt;
    expect(await b.client.flush()).toMatchObject({ outcome: 'sent', sent: 7 });
    // Same UTC day: the stored token is reused, no new random bytes drawn.
    expect(b.rnd.calls()).toBe(0);
    expect(bodies(b.fetch.calls)[0]!.reports[0]!.token).toBe(hex(fakeRandom().fn(16)));
    await b.client.settled();
    const c = makeClient({ kv });
    await c.client.ready;
    expect(c.client.queued().length).toBe(0);
  });

  it('offers made before the stored state is read are kept after the stored ones', async () => {
    const kv = memoryKV();
    const a = makeClient({ kv });
    offer(a.client, distinct(0), 'provider');
    offer(a.client, distinct(1), 'provider');
    await a.client.settled();
    const b = makeClient({ kv });
    offer(b.client, distinct(1), 'provider'); // duplicate of a stored one
    offer(b.client, distinct(2), 'provider');
    await b.client.settled();
    expect(b.client.queued().map((r) => r.service)).toEqual(
      [distinct(0), distinct(1), distinct(2)].map((o) => o.service),
    );
  });

  it('a broken or hand-edited stored value is ignored, never trusted', async () => {
    const kv = memoryKV();
    await kv.set(CROWD_STATE_KEY, {
      v: 2,
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
        {
          r: {
            service: 'cdn',
            phase: 'dns',
            type: 'dns.failed',
            region: null,
            status: 'none',
            minute: T0 - (T0 % MIN),
            verdict: 'user', // never sent
            version: '0.1.0',
          },
          at: T0,
        },
        'garbage',
      ],
      seen: 'nope',
      backoffUntil: -5,
      failures: 'x',
      token: { token: 'not-hex', day: 1 },
    });
    const { client, fetch } = makeClient({ kv });
    await client.ready;
    expect(client.queued().length).toBe(1);
    expect(client.retryAt).toBe(0);
    await client.flush();
    const sent = bodies(fetch.calls)[0]!;
    expect(validateBatch(sent).ok).toBe(true);
    expect(sent.reports[0]!.token).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(sent)).not.toMatch(/smuggled|not-hex/);

    for (const junk of ['total garbage', { v: 1, queue: [{ r: {}, at: T0 }] }]) {
      const kv2 = memoryKV();
      await kv2.set(CROWD_STATE_KEY, junk);
      const d = makeClient({ kv: kv2 });
      await d.client.ready;
      expect(d.client.queued().length).toBe(0);
    }
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
      offer(client, distinct(i), 'provider');
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
      offer(x.client, outcome(), 'provider');
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
      offer(
        client,
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

function row(
  service: ServiceCrowdStatus['service'],
  voters15: number,
  baseline15: number,
  state: ServiceCrowdStatus['state'],
) {
  return {
    service,
    state,
    reports: { m5: voters15, m15: voters15 + 1, m60: voters15 + 2 },
    voters15,
    voters60: voters15 + 3,
    networks15: Math.ceil(voters15 / 2),
    baseline15,
    baselineNetworks15: baseline15,
    perMinute: [0, 1, voters15],
    byPhase15: voters15 ? { application: voters15 } : {},
    byVerdict15: voters15 ? { provider: voters15 } : {},
  } satisfies ServiceCrowdStatus;
}

describe('fetchStatus', () => {
  const status = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      v: 1,
      at: T0,
      mode: 'public',
      rules: {},
      services: [row('oss', 127, 1.5, 'outage'), row('cdn', 1, 0, 'normal'), row('login', 9, 0.5, 'elevated')],
      ...over,
    });

  it('GETs /v1/status without credentials and returns the services asked', async () => {
    const f = fakeFetch(() => ({ status: 200, body: status() }));
    const { client } = makeClient({ fetch: f.fn });
    const s = await client.fetchStatus(['oss', 'cdn', 'site', 'drive']);
    expect(s).toEqual([row('oss', 127, 1.5, 'outage'), row('cdn', 1, 0, 'normal')]);
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
    expect(await client.fetchStatus(['login'])).toEqual([row('login', 9, 0.5, 'elevated')]);
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
    const good = row('mtop', 2, 0.25, 'normal');
    const bad = status({
      services: [
        { ...row('oss', 1, 0, 'normal'), reports: { m5: '4', m15: 1, m60: 1 } },
        { ...row('cdn', 1, 0, 'normal'), voters15: -1 },
        { ...row('login', 1, 0, 'normal'), baseline15: Infinity },
        { ...row('docs', 1, 0, 'normal'), state: 'on fire' },
        { ...row('oss', 1, 0, 'normal'), service: 'evil' },
        { ...row('drive', 1, 0, 'normal'), reports: null },
        { ...row('dingtalk', 1, 0, 'normal'), perMinute: 'up' },
        { ...row('payments', 1, 0, 'normal'), byPhase15: { path: 1 } },
        null,
        { ...good, extra: '/smuggled' },
        row('mtop', 9, 9, 'outage'),
      ],
    });
    expect(parseStatus(bad)).toEqual([good]); // only the protocol's fields are kept
    // Failures are not cached: the next call asks again.
    let n = 0;
    const { client } = makeClient({
      fetch: fakeFetch(() => (++n === 1 ? { status: 503 } : { status: 200, body: status() })).fn,
    });
    expect(await client.fetchStatus(['oss'])).toBeNull();
    expect((await client.fetchStatus(['oss']))?.[0]?.voters15).toBe(127);
  });
});

describe('collectorBase', () => {
  it('accepts the setting with or without the endpoint path', () => {
    expect(collectorBase('https://collector.example.com/v1/reports')).toBe('https://collector.example.com');
    expect(collectorBase('https://collector.example.com/')).toBe('https://collector.example.com');
    expect(collectorBase('')).toBeNull(); // no collector: crowd mode cannot send
    expect(collectorBase('https://example.com/faultline/v1/status?x=1#y')).toBe('https://example.com/faultline');
    expect(collectorBase('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(collectorBase('not a url')).toBeNull();
    expect(collectorBase('javascript:alert(1)')).toBeNull();
  });
});

describe('crowdSummary (popup sentences)', () => {
  const view: CrowdView = {
    enabled: true,
    services: [
      row('oss', 127, 2.2, 'outage'),
      row('mtop', 1, 0.1, 'normal'),
      row('cdn', 0, 0, 'normal'),
      row('login', 9, 1, 'elevated'),
    ],
  };

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
    expect(crowdSummary({ enabled: true, services: [] }, ['oss'], 'en')).toEqual([]);
    expect(crowdSummary({ enabled: false, services: [row('oss', 1, 0, 'normal')] }, ['oss'], 'en')).toEqual([]);
    expect(crowdSummary(view, ['drive', 'site'], 'en')).toEqual([]);
    expect(crowdSummary(view, [], 'en')).toEqual([]);
  });

  it('focus: services failing here first, then crowd spikes elsewhere; at most 4 lines', () => {
    const p = FIXTURES.provider;
    const ids: ServiceId[] = crowdFocus(p.diagnosis.services, p.crowd);
    expect(ids.slice(0, 3).sort(), 'the services failing here first').toEqual(['console', 'openapi', 'oss']);
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

describe('effects the options page and the worker rely on', () => {
  it('crowd mode is on only with a collector address: there is no default collector', () => {
    expect(crowdSettings(defaults())).toEqual({ enabled: false, collectorUrl: '', teamKey: '' });
    expect(crowdSettings({ ...defaults(), crowdEnabled: true })!.enabled).toBe(false);
    expect(crowdSettings({ ...defaults(), crowdEnabled: true, collectorUrl: 'https://c.example/' })!.enabled).toBe(
      true,
    );
    expect(crowdSettings(null)).toBeNull();
  });

  it('the preview is byte for byte the next request, token included; off and empty say so', async () => {
    settings = { enabled: false, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
    const { client, fetch } = makeClient();
    expect(await client.preview()).toMatchObject({ state: 'off', body: null, url: null });
    settings = { enabled: true, collectorUrl: `${BASE}/v1/reports`, teamKey: '' };
    expect(await client.preview()).toMatchObject({ state: 'empty', url: `${BASE}/v1/reports`, body: null });
    for (let i = 0; i < 120; i++) offer(client, distinct(i), 'provider');
    client.note(outcome({ service: 'drive', host: 'www.aliyundrive.com' })); // no verdict yet
    const p = await client.preview();
    expect(p).toMatchObject({ state: 'batch', reports: 100, queued: 120, pending: 1, teamKey: false });
    expect(p.bytes).toBe(new TextEncoder().encode(p.body!).length);
    expect(validateBatch(JSON.parse(p.body!)).ok).toBe(true);
    await client.flush();
    expect(String(fetch.calls[0]!.init.body)).toBe(p.body);
    expect(fetch.calls).toHaveLength(2); // 100 + 20; the unstamped one waits
    expect((await client.preview()).last).toEqual({ at: now, ok: true, message: '202' });
  });

  it('a team key goes in the Authorization header of every request, and a refusal shows in the preview', async () => {
    settings = { enabled: true, collectorUrl: `${BASE}/`, teamKey: 'team-key-0123456789abcdef' };
    const f = fakeFetch((c) =>
      c.init.method === 'GET'
        ? { status: 200, body: JSON.stringify({ v: 1, services: [row('oss', 3, 0, 'normal')] }) }
        : { status: 403, body: '{"error":"team key not accepted"}' },
    );
    const { client, logs } = makeClient({ fetch: f.fn });
    offer(client, outcome(), 'provider');
    expect((await client.preview()).teamKey).toBe(true);
    expect(await client.flush()).toMatchObject({ dropped: 1, queued: 0 });
    expect(await client.fetchStatus(['oss'])).toHaveLength(1);
    for (const c of f.calls) {
      expect((c.init.headers as Record<string, string>).authorization).toBe('Bearer team-key-0123456789abcdef');
    }
    expect(logs).toEqual(['crowd: collector refused a batch of 1 (403): team key not accepted']);
    expect((await client.preview()).last).toEqual({ at: now, ok: false, message: '403 team key not accepted' });
  });

  it('schedules its alarm when something becomes sendable, never sooner than the minimum', async () => {
    const { client, alarm } = makeClient({ timing: { minAlarmMs: 30_000, flushAfterMs: 1000 } });
    client.note(outcome());
    await client.settled();
    expect(alarm.sets).toEqual([]); // no verdict yet: nothing to send
    client.afterDiagnosis(diag('unclear'));
    await new Promise((r) => setTimeout(r, 0));
    expect(alarm.sets).toEqual([now + 30_000]);
    client.afterDiagnosis(diag('unclear'));
    await new Promise((r) => setTimeout(r, 0));
    expect(alarm.sets).toHaveLength(1); // already scheduled in time
  });
});

it('MAX_BATCH_REPORTS is what the batching test assumes', () => {
  expect(MAX_BATCH_REPORTS).toBe(100);
});
