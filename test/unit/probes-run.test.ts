import { describe, expect, it } from 'vitest';
import { fetchInit, runProbe, toObservation } from '../../src/core/probes/run';
import type { ProbeDeps, ProbeRequest } from '../../src/core/probes/types';

const NOW = 1_700_000_000_000; // a whole second
const H = 3600_000;

interface Call {
  url: string;
  init: RequestInit | undefined;
}

/** A fake clock that advances by `step` ms per read, fake timers fired by hand, and a scripted fetch. */
function harness(respond: (url: string, init?: RequestInit) => unknown, step = 0) {
  let t = NOW;
  const calls: Call[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const deps: ProbeDeps = {
    fetch: ((url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return respond(url, init);
    }) as unknown as typeof fetch,
    now: () => {
      const v = t;
      t += step;
      return v;
    },
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => undefined,
    abortController: () => new AbortController(),
  };
  return { deps, calls, timers };
}

const req = (p: Partial<ProbeRequest> & Pick<ProbeRequest, 'probe'>): ProbeRequest => ({
  key: `${p.probe}:x`,
  target: 'www.baidu.com',
  url: 'https://www.baidu.com/',
  method: 'HEAD',
  timeoutMs: 4000,
  ...p,
});
const opaque = () =>
  Promise.resolve({ type: 'opaque', status: 0, ok: false, headers: new Headers(), body: null } as unknown as Response);
const json = (body: unknown, status = 200) =>
  Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));

describe('control probe', () => {
  it('no-cors, no credentials, no cache, HEAD; an opaque answer is reachable', async () => {
    const h = harness(opaque);
    const r = await runProbe(req({ probe: 'control' }), h.deps);
    expect(r).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'control',
      target: 'www.baidu.com',
      ok: true,
      status: 0,
      detail: 'opaque',
    });
    expect(h.calls).toHaveLength(1);
    const init = h.calls[0]!.init!;
    expect({
      mode: init.mode,
      credentials: init.credentials,
      cache: init.cache,
      method: init.method,
      referrerPolicy: init.referrerPolicy,
    }).toEqual({
      mode: 'no-cors',
      credentials: 'omit',
      cache: 'no-store',
      method: 'HEAD',
      referrerPolicy: 'no-referrer',
    });
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(h.timers.map((x) => x.ms)).toEqual([4000]);
  });
  it('a rejected fetch is unreachable', async () => {
    const h = harness(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await runProbe(req({ probe: 'control' }), h.deps)).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'control',
      target: 'www.baidu.com',
      ok: false,
      detail: 'network error',
    });
  });
  it('times out even when fetch ignores the abort signal', async () => {
    const h = harness(() => new Promise(() => undefined));
    const p = runProbe(req({ probe: 'control' }), h.deps);
    await Promise.resolve();
    expect(h.timers).toHaveLength(1);
    h.timers[0]!.fn();
    expect(await p).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'control',
      target: 'www.baidu.com',
      ok: false,
      detail: 'timeout',
    });
    expect(h.calls[0]!.init!.signal!.aborted).toBe(true);
  });
  it('times out when fetch honours the signal', async () => {
    const h = harness(
      (_u, init) =>
        new Promise((_, rej) =>
          init!.signal!.addEventListener('abort', () => rej(new DOMException('aborted', 'AbortError'))),
        ),
    );
    const p = runProbe(req({ probe: 'control' }), h.deps);
    h.timers[0]!.fn();
    expect((await p).detail).toBe('timeout');
  });
});

describe('runProbe never throws', () => {
  const garbage: (() => unknown)[] = [
    () => Promise.resolve(undefined),
    () => Promise.resolve(null),
    () => Promise.resolve(42),
    () => Promise.resolve({}),
    () => Promise.resolve({ status: 'x', headers: 5, text: () => Promise.reject(new Error('boom')) }),
    () => {
      throw new Error('sync throw');
    },
    () => undefined,
    () => Promise.reject('a string'),
  ];
  for (const probe of ['control', 'cookieless-retry', 'dns', 'clock', 'status-page'] as const) {
    it(`${probe}: garbage from fetch → ok:false`, async () => {
      for (const g of garbage) {
        const h = harness(g);
        const r = await runProbe(req({ probe }), h.deps);
        expect(r.ok).toBe(false);
        expect(r.kind).toBe('probe');
        expect(typeof r.detail).toBe('string');
      }
    });
  }
  it('a throwing clock gives t = 0, not an exception', async () => {
    const h = harness(opaque);
    h.deps.now = () => {
      throw new Error('no clock');
    };
    const r = await runProbe(req({ probe: 'clock', url: 'https://a.alicdn.com/' }), h.deps);
    expect(r).toMatchObject({ t: 0, ok: false });
  });
});

describe('cookie-less retry', () => {
  const retry = req({
    probe: 'cookieless-retry',
    target: 'img.alicdn.com/{id}.jpg',
    url: 'https://img.alicdn.com/O1CN01abc.jpg',
    method: 'GET',
    timeoutMs: 8000,
  });
  it('GET without credentials; 4xx/5xx fail, < 400 succeeds', async () => {
    for (const [status, ok] of [
      [200, true],
      [204, true],
      [400, false],
      [403, false],
      [503, false],
    ] as const) {
      const h = harness(() => Promise.resolve(new Response(status === 204 ? null : 'x', { status })));
      const r = await runProbe(retry, h.deps);
      expect(r).toEqual({
        kind: 'probe',
        t: NOW,
        probe: 'cookieless-retry',
        target: 'img.alicdn.com/{id}.jpg',
        ok,
        status,
        detail: `HTTP ${status}`,
      });
      expect(h.calls[0]!.init).toMatchObject({
        method: 'GET',
        credentials: 'omit',
        mode: 'cors',
        redirect: 'manual',
        cache: 'no-store',
      });
    }
  });
  it('a visible 3xx is inconclusive too', async () => {
    const r = await runProbe(retry, harness(() => Promise.resolve(new Response(null, { status: 302 }))).deps);
    expect(r).toMatchObject({ ok: false, inconclusive: true, status: 302, detail: 'redirect' });
  });
  it('a redirect is inconclusive, and the stored observation keeps no URL', async () => {
    const h = harness(() =>
      Promise.resolve({ type: 'opaqueredirect', status: 0, headers: new Headers() } as unknown as Response),
    );
    const signed = {
      ...retry,
      url: 'https://b.oss-cn-hangzhou.aliyuncs.com/x.png?OSSAccessKeyId=LTAIsecret&Signature=sig',
      target: 'b.oss-cn-hangzhou.aliyuncs.com/x.png',
    };
    const r = await runProbe(signed, h.deps);
    expect(r).toMatchObject({ ok: false, inconclusive: true, detail: 'redirect' });
    const o = toObservation(r);
    expect(o).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'cookieless-retry',
      target: 'b.oss-cn-hangzhou.aliyuncs.com/x.png',
      ok: false,
      detail: 'redirect',
    });
    expect(JSON.stringify(o)).not.toMatch(/LTAI|Signature|\?/);
  });
});

describe('dns probe', () => {
  const dns = req({
    probe: 'dns',
    target: 'img.alicdn.com',
    name: 'img.alicdn.com',
    url: 'https://doh.pub/resolve?name=img.alicdn.com&type=A',
    method: 'GET',
    timeoutMs: 8000,
  });
  it('exists / NXDOMAIN / SERVFAIL / garbage / HTTP error', async () => {
    const run = async (body: unknown, status = 200) => runProbe(dns, harness(() => json(body, status)).deps);
    expect(await run({ Status: 0, Answer: [{ name: 'img.alicdn.com.', type: 1, data: '1.2.3.4' }] })).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'dns',
      target: 'img.alicdn.com',
      ok: true,
      status: 200,
      rcode: 0,
      exists: true,
      detail: 'NOERROR 1 answers',
    });
    expect(await run({ Status: 3 })).toMatchObject({ ok: true, exists: false, rcode: 3, detail: 'NXDOMAIN' });
    const servfail = await run({ Status: 2 });
    expect(servfail).toMatchObject({ ok: true, rcode: 2, detail: 'SERVFAIL' });
    expect('exists' in servfail).toBe(false);
    expect(await run('<html>blocked</html>')).toMatchObject({ ok: false, detail: 'bad answer' });
    expect(await run({ Status: 0 }, 502)).toMatchObject({ ok: false, status: 502, detail: 'resolver HTTP 502' });
  });
  it('asks without credentials and without custom headers (no CORS preflight)', async () => {
    const h = harness(() => json({ Status: 3 }));
    await runProbe(dns, h.deps);
    expect(h.calls[0]!.url).toBe('https://doh.pub/resolve?name=img.alicdn.com&type=A');
    expect(h.calls[0]!.init).toMatchObject({ method: 'GET', credentials: 'omit', mode: 'cors' });
    expect(h.calls[0]!.init!.headers).toBeUndefined();
  });
});

describe('clock probe', () => {
  const clock = req({
    probe: 'clock',
    target: 'bucket.oss-cn-hangzhou.aliyuncs.com',
    url: 'https://bucket.oss-cn-hangzhou.aliyuncs.com/',
    method: 'HEAD',
    timeoutMs: 8000,
  });
  it('a local clock 3 hours slow: skew = Date − local midpoint', async () => {
    const date = new Date(NOW + 3 * H).toUTCString();
    const h = harness(() => Promise.resolve(new Response(null, { status: 403, headers: { date } })), 400);
    const r = await runProbe(clock, h.deps);
    // sent at NOW, received at NOW + 400 → midpoint NOW + 200.
    expect(r).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'clock',
      target: 'bucket.oss-cn-hangzhou.aliyuncs.com',
      ok: true,
      status: 403,
      skewMs: 3 * H - 200,
      detail: 'skew signed-requests-fail',
    });
    expect(h.calls[0]!.init).toMatchObject({ method: 'HEAD', credentials: 'omit', redirect: 'follow' });
  });
  it('no Date header → ok:false', async () => {
    const r = await runProbe(clock, harness(() => Promise.resolve(new Response(null, { status: 200 }))).deps);
    expect(r).toMatchObject({ ok: false, detail: 'no Date header' });
    expect(r.skewMs).toBeUndefined();
  });
});

describe('status-page probe', () => {
  const sp = req({
    probe: 'status-page',
    target: 'status.aliyun.com',
    url: 'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-hangzhou',
    method: 'GET',
    timeoutMs: 8000,
  });
  it('parses events', async () => {
    const body = {
      success: true,
      data: [
        { id: 1, title: 'ECS', eventType: 'ALARM', startTime: 1699782240 },
        { id: 2, title: 'OSS', eventType: 'NOTIFICATION', startTime: 1699782300 },
        // an alarm that has ended is history, not an open alarm
        { id: 3, title: 'RDS', eventType: 'ALARM', startTime: 1699700000, endTime: 1699710000 },
      ],
    };
    const r = await runProbe(sp, harness(() => json(body)).deps);
    expect(r).toMatchObject({ ok: true, status: 200, alarms: 1, detail: '3 events, 1 open alarms' });
    expect(r.events).toEqual([
      { id: '1', title: 'ECS', severity: 'alarm', start: 1699782240000, end: null },
      { id: '2', title: 'OSS', severity: 'notice', start: 1699782300000, end: null },
      { id: '3', title: 'RDS', severity: 'alarm', start: 1699700000000, end: 1699710000000 },
    ]);
    expect(toObservation(r)).toEqual({
      kind: 'probe',
      t: NOW,
      probe: 'status-page',
      target: 'status.aliyun.com',
      ok: true,
      alarms: 1,
      detail: '3 events, 1 open alarms',
    });
  });
  it('an unreadable feed or an HTTP error is ok:false', async () => {
    expect(await runProbe(sp, harness(() => json({ success: false })).deps)).toMatchObject({
      ok: false,
      detail: 'unreadable feed',
    });
    expect(await runProbe(sp, harness(() => json('<html>', 503)).deps)).toMatchObject({
      ok: false,
      status: 503,
      detail: 'HTTP 503',
    });
  });
});

describe('fetchInit', () => {
  it('every probe omits credentials and referrer and bypasses the cache', () => {
    for (const probe of ['control', 'cookieless-retry', 'dns', 'clock', 'status-page'] as const) {
      expect(fetchInit(req({ probe }))).toMatchObject({
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    }
  });
});
