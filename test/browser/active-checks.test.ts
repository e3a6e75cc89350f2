/**
 * In real Chromium with the built extension: the active checks (ProbeDriver → src/core/probes).
 *  - While browsing is healthy, no probe leaves the browser: the fake server sees no control, status-feed,
 *    DoH or retry request, the probe budget never opens an incident, no probe observation is stored.
 *  - Then the provider fails (pictures reset, mtop 503, one name does not resolve) while the control sites
 *    answer: the probes arrive — each control site once, one DoH query, one cookie-less retry, one status
 *    feed read — within the per-minute budget, no more on further failing pages, and the popup says provider
 *    with the control sites working as evidence.
 *  - Everything failing (control sites refused too) → user.
 *  - Provider responses 3 hours ahead (Date) plus OSS 403s → user / clock-skew.
 * Control sites are set through the extension's settings (storage.local 'settings') to http URLs mapped to the
 * fake server (no TLS); the status feed is https-only, so status.aliyun.com (and doh.pub) go to its HTTPS port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closedPort, resolverRules, until, type Launched } from './harness';
import {
  handlers,
  launch,
  popupVerdict,
  readObservations,
  readSession,
  setSettings,
  startLoggingServer,
  waitForDiagnosis,
  type Handler,
  type LoggedRequest,
  type LoggingServer,
} from './logged-provider';
import type { Observation } from '../../src/core/types';
import { MAX_PER_MINUTE } from '../../src/core/probes/budget';
import { STATUS_FEED_PATH } from '../../src/core/probes/status-page';

type ProbeObs = Extract<Observation, { kind: 'probe' }>;

const CONTROLS = ['http://www.baidu.com/favicon.ico', 'http://www.qq.com/favicon.ico'];
const CONTROL_HOSTS = ['www.baidu.com', 'www.qq.com'];
/** Evidence ids of the control sites (from control traffic, or from the control probes). */
const CONTROL_OK = /^control(-probe)?-ok$/;
const CONTROL_FAILING = /^control(-probe)?-failing$/;

const page = (n: number, extra = '') =>
  handlers.html(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>p${n}</title></head><body>
${['a', 'b', 'c', 'd', 'e'].map((c) => `<img src="http://img.alicdn.com/ok/p${n}${c}.png?x=SECRET">`).join('')}${extra}
<script>window.__api = fetch('http://h5api.m.taobao.com/h5/mtop.item.detail/1.0/?data=SECRET').then((r) => r.status, () => 0);</script>
</body></html>`);

/** The official feed: one open alarm (shape 1 of docs/active-checks.md). */
const FEED = () => ({
  success: true,
  code: 200,
  data: [
    {
      productId: 'cdn',
      title: 'CDN access errors in cn-hangzhou',
      currentStateSeverity: 'ALARM',
      startTime: Math.floor(Date.now() / 1000) - 60,
      endTime: null,
    },
  ],
});

/** Is this logged request a probe (and which)? Page traffic always carries a Referer; probes never do. */
function probeKind(x: LoggedRequest): string | null {
  if (CONTROL_HOSTS.includes(x.host)) return 'control';
  if (x.host === 'status.aliyun.com') return 'status-page';
  if (x.host === 'doh.pub') return 'dns';
  if (x.host === 'img.alicdn.com' && !x.referer) return 'cookieless-retry';
  if (x.method === 'HEAD') return 'clock';
  return null;
}
const probesSeen = (log: LoggedRequest[]) => log.filter((x) => probeKind(x) !== null);

async function storedProbes(r: Launched): Promise<ProbeObs[]> {
  return (await readObservations(r.sw)).filter((o): o is ProbeObs => o.kind === 'probe');
}

async function configure(r: Launched, controls: string[]): Promise<void> {
  await setSettings(r.sw, { controlSites: controls, statusChecks: true, dnsChecks: true });
  await until(
    async () =>
      JSON.stringify(
        (
          await r.sw.evaluate(() =>
            (
              globalThis as unknown as {
                chrome: {
                  storage: { local: { get(k: string): Promise<Record<string, { controlSites?: string[] }>> } };
                };
              }
            ).chrome.storage.local.get('settings'),
          )
        ).settings?.controlSites,
      ) === JSON.stringify(controls),
    5_000,
    'settings stored',
  );
}

async function visit(p: Page, url: string): Promise<void> {
  await p.goto(url);
  await p.waitForFunction(() => (window as unknown as { __api?: Promise<number> }).__api !== undefined);
  await p.evaluate(() => (window as unknown as { __api: Promise<number> }).__api);
  await p.waitForLoadState('load');
}

describe('probes: none while healthy, then within budget while failing', () => {
  let server: LoggingServer;
  let r: Launched;
  let failing = false;

  beforeAll(async () => {
    const ok = handlers.png();
    const img: Handler = (req, res) => (failing ? handlers.reset()(req, res) : ok(req, res));
    const api: Handler = (req, res) =>
      failing
        ? handlers.json({ ret: ['FAIL_SYS_SERVICE_INNER_FAULT::服务异常'] }, 503)(req, res)
        : handlers.json({ ret: ['SUCCESS::调用成功'], data: {} })(req, res);
    const routes: Record<string, Handler> = {
      '/favicon.ico': handlers.png(),
      'h5api.m.taobao.com /h5/mtop.item.detail/1.0/': api,
      [`status.aliyun.com ${STATUS_FEED_PATH}`]: (req, res) => handlers.json(FEED())(req, res),
      'doh.pub /resolve': handlers.json({
        Status: 3,
        TC: false,
        RD: true,
        RA: true,
        Question: [{ name: 'nx.aliyun.com.', type: 1 }],
      }),
    };
    for (let n = 1; n <= 8; n++) {
      routes[`www.taobao.com /p${n}`] = page(n, n === 6 ? '<img src="http://nx.aliyun.com/x.png">' : '');
      for (const c of 'abcde') routes[`img.alicdn.com /ok/p${n}${c}.png`] = img;
    }
    server = await startLoggingServer(routes);
    r = await launch({
      args: [
        '--ignore-certificate-errors',
        `--host-resolver-rules=${resolverRules(server.port, {
          extra: [
            `MAP status.aliyun.com 127.0.0.1:${server.httpsPort}`,
            `MAP doh.pub 127.0.0.1:${server.httpsPort}`,
            ...CONTROL_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${server.port}`),
          ],
        })}`,
      ],
    });
    await configure(r, CONTROLS);
  });

  afterAll(async () => {
    await r?.close();
    await server?.close();
  });

  it('healthy browsing sends no probe at all', async () => {
    const p = await r.ctx.newPage();
    for (let n = 1; n <= 4; n++) {
      await visit(p, `http://www.taobao.com/p${n}`);
      await new Promise((res) => setTimeout(res, 500)); // browsing, not a burst: several recomputes in between
    }
    await waitForDiagnosis(r, (s) => s.diagnosis.verdict === 'healthy', 10_000, 'healthy');
    // The verdict was not healthy at first (too few requests): the driver ran then and must still send nothing.
    // Wait for every recompute of the last events to have happened (throttle 250 ms, snapshot 1 s).
    await new Promise((res) => setTimeout(res, 1500));
    expect(server.log.filter((x) => x.host === 'www.taobao.com').length).toBe(4);
    expect(server.log.filter((x) => x.host === 'img.alicdn.com').length).toBe(20);
    expect(probesSeen(server.log), 'probe requests while healthy').toEqual([]);
    expect(
      server.log.filter((x) => !['www.taobao.com', 'img.alicdn.com', 'h5api.m.taobao.com'].includes(x.host)),
    ).toEqual([]);
    expect(await storedProbes(r)).toEqual([]);
    const st = (await readSession(r.sw, 'faultline.probes')) as { sent: number[]; incident: unknown } | undefined;
    expect(st?.incident ?? null, 'the budget never opened an incident').toBeNull();
    expect(st?.sent ?? []).toEqual([]);
    await p.close();
  });

  it('when the provider fails, the probes arrive within the budget and the popup blames the provider', async () => {
    failing = true;
    const before = server.log.length;
    const t0 = Date.now();
    const p = await r.ctx.newPage();
    await visit(p, 'http://www.taobao.com/p5');
    await visit(p, 'http://www.taobao.com/p6'); // + one name that does not resolve → a DoH query
    const byKind = () => {
      const m: Record<string, LoggedRequest[]> = {};
      for (const x of probesSeen(server.log.slice(before))) (m[probeKind(x)!] ??= []).push(x);
      return m;
    };
    await until(
      () => {
        const m = byKind();
        return (
          m.control?.length === 2 &&
          m['status-page']?.length === 1 &&
          m.dns?.length === 1 &&
          (m['cookieless-retry']?.length ?? 0) >= 1
        );
      },
      15_000,
      'control, status, DoH and retry probes at the server',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nseen: ${JSON.stringify(byKind())}`);
    });
    const firstRound = Date.now() - t0;

    // The popup: provider — the CDN's pictures reset (10 of 10) while the control sites answer, and the
    // official feed lists an open alarm: an outage, with the status page and the working controls as evidence.
    const s = await waitForDiagnosis(
      r,
      (x) => x.diagnosis.verdict === 'provider' && x.diagnosis.evidence.some((e) => CONTROL_OK.test(e.id)),
      10_000,
      'provider with control-ok',
    );
    expect(s.diagnosis.cause).toBe('outage');
    expect(s.diagnosis.evidence.map((e) => e.id)).toContain('status-page');
    expect(await popupVerdict(r)).toEqual({ verdict: 'provider', cause: 'outage' });

    // More failing pages: the per-target intervals (control 2 min, status 5 min, DNS 2 min, retry 1 min per
    // host) hold; nothing more is sent.
    await visit(p, 'http://www.taobao.com/p7');
    await visit(p, 'http://www.taobao.com/p8');
    await new Promise((res) => setTimeout(res, 1500));
    const m = byKind();
    const all = probesSeen(server.log.slice(before));
    expect(m.control!.map((x) => `${x.method} ${x.host}${x.path}`).sort()).toEqual([
      'HEAD www.baidu.com/favicon.ico',
      'HEAD www.qq.com/favicon.ico',
    ]);
    expect(m['status-page']!.map((x) => `${x.scheme} ${x.method} ${x.url}`)).toEqual([
      `https GET ${STATUS_FEED_PATH}?regionId=cn-hangzhou`,
    ]);
    expect(m.dns!.map((x) => x.url)).toEqual(['/resolve?name=nx.aliyun.com&type=A']);
    expect(m['cookieless-retry']!).toHaveLength(1); // one host failing (img.alicdn.com); mtop is never replayed
    expect(m['cookieless-retry']![0]!.url, 'retried without its query string').not.toContain('?');
    expect(m.clock ?? [], 'no clock probe without an auth failure').toEqual([]);
    // Probes carry no cookie and no referrer.
    for (const x of all) {
      expect(x.cookie, `${x.host} cookie`).toBeUndefined();
      expect(x.referer, `${x.host} referer`).toBeUndefined();
    }
    expect(all.length).toBe(5);
    expect(all.length).toBeLessThanOrEqual(MAX_PER_MINUTE);
    expect(Math.max(...all.map((x) => x.t)) - Math.min(...all.map((x) => x.t)), 'all in the first minute').toBeLessThan(
      60_000,
    );

    // The driver's own books agree with what the server saw.
    const st = (await readSession(r.sw, 'faultline.probes')) as { sent: number[]; incident: { probes: number } | null };
    expect(st.incident?.probes).toBe(all.length);
    let obs: ProbeObs[] = [];
    await until(async () => (obs = await storedProbes(r)).length >= all.length, 5_000, 'probe observations stored');
    expect(obs.map((o) => o.probe).sort()).toEqual(['control', 'control', 'cookieless-retry', 'dns', 'status-page']);
    const byProbe = Object.fromEntries(obs.map((o) => [o.probe + ':' + o.target, o]));
    expect(byProbe['control:www.baidu.com']!.ok).toBe(true);
    expect(byProbe['control:www.qq.com']!.ok).toBe(true);
    expect(byProbe['dns:nx.aliyun.com']!).toMatchObject({ ok: true, exists: false });
    expect(byProbe['status-page:status.aliyun.com']!).toMatchObject({
      ok: true,
      alarms: 1,
      detail: '1 events, 1 open alarms',
    });
    const retry = obs.find((o) => o.probe === 'cookieless-retry')!;
    expect(retry.ok, 'the picture fails without cookies too').toBe(false);
    expect(retry.target).toMatch(/^img\.alicdn\.com\/ok\//);
    expect(JSON.stringify(obs)).not.toContain('SECRET');
    console.log(
      `[active checks] first round complete after ${firstRound} ms; probes: ${all.map(probeKind).join(', ')}`,
    );
    await p.close();
  });
});

describe('everything failing, the control sites included', () => {
  it('says the problem is on the user side', async () => {
    const closed = await closedPort();
    const server = await startLoggingServer({});
    const r = await launch({
      args: [
        `--host-resolver-rules=${resolverRules(closed, { extra: [...CONTROL_HOSTS, 'status.aliyun.com', 'doh.pub'].map((h) => `MAP ${h} 127.0.0.1:${closed}`) })}`,
      ],
    });
    try {
      await configure(r, CONTROLS);
      const p = await r.ctx.newPage();
      for (const u of [
        'http://www.taobao.com/',
        'http://www.tmall.com/',
        'http://img.alicdn.com/x.png',
        'http://h5api.m.taobao.com/h5/x/1.0/',
      ]) {
        await p.goto(u).catch(() => undefined); // ERR_CONNECTION_REFUSED
      }
      const s = await waitForDiagnosis(r, (x) => x.diagnosis.verdict === 'user', 15_000, 'user verdict');
      expect(s.diagnosis.cause).toBe('offline');
      expect(
        s.diagnosis.evidence.some((e) => CONTROL_FAILING.test(e.id)),
        JSON.stringify(s.diagnosis.evidence.map((e) => e.id)),
      ).toBe(true);
      // Stored (history writes in batches): both control sites tried, both failed.
      let obs: ProbeObs[] = [];
      await until(
        async () => (obs = (await storedProbes(r)).filter((o) => o.probe === 'control')).length >= 2,
        5_000,
        'control probes stored',
      );
      expect(obs.map((o) => [o.target, o.ok]).sort()).toEqual([
        ['www.baidu.com', false],
        ['www.qq.com', false],
      ]);
      expect(await popupVerdict(r)).toEqual({ verdict: 'user', cause: 'offline' });
    } finally {
      await r.close();
      await server.close();
    }
  });
});

describe('a clock 3 hours behind the provider', () => {
  it('Date headers 3 h ahead plus OSS 403s → user / clock-skew', async () => {
    const AHEAD_MS = 3 * 3600_000;
    const skewed =
      (h: Handler): Handler =>
      (req, res) => {
        res.setHeader('date', new Date(Date.now() + AHEAD_MS).toUTCString());
        h(req, res);
      };
    const tooSkewed: Handler = skewed((_req, res) => {
      res.writeHead(403, {
        'content-type': 'application/xml',
        'cache-control': 'no-store',
        'x-oss-request-id': '6745A1B2C3D4E5F60718293B',
        'x-oss-ec': '0002-00000040',
        server: 'AliyunOSS',
      });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>',
      );
    });
    const routes: Record<string, Handler> = {
      '/favicon.ico': handlers.png(),
      'www.taobao.com /skew': skewed(
        handlers.html(
          `<!doctype html><link rel="icon" href="data:,"><body>${'abcde'
            .split('')
            .map((c) => `<img src="http://img.alicdn.com/ok/s${c}.png">`)
            .join(
              '',
            )}${[1, 2, 3].map((i) => `<img src="http://bucket.oss-cn-hangzhou.aliyuncs.com/private/${i}.jpg?OSSAccessKeyId=LTAI5tTESTKEY0000000&Expires=4102444800&Signature=SECRETSIG">`).join('')}</body>`,
        ),
      ),
      'bucket.oss-cn-hangzhou.aliyuncs.com /private/1.jpg': tooSkewed,
      'bucket.oss-cn-hangzhou.aliyuncs.com /private/2.jpg': tooSkewed,
      'bucket.oss-cn-hangzhou.aliyuncs.com /private/3.jpg': tooSkewed,
    };
    for (const c of 'abcde') routes[`img.alicdn.com /ok/s${c}.png`] = skewed(handlers.png());
    const server = await startLoggingServer(routes, { https: false });
    const r = await launch({
      args: [
        `--host-resolver-rules=${resolverRules(server.port, { extra: CONTROL_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${server.port}`) })}`,
      ],
    });
    try {
      await configure(r, CONTROLS);
      const p = await r.ctx.newPage();
      await p.goto('http://www.taobao.com/skew');
      const s = await waitForDiagnosis(r, (x) => x.diagnosis.cause === 'clock-skew', 10_000, 'clock-skew');
      expect(s.diagnosis.verdict).toBe('user');
      const ev = s.diagnosis.evidence.find((e) => e.id === 'clock-date');
      expect(ev, JSON.stringify(s.diagnosis.evidence.map((e) => e.id))).toBeDefined();
      const minutes = Number(ev!.text.args?.[0]);
      expect(minutes, 'minutes of skew').toBeGreaterThanOrEqual(179);
      expect(minutes).toBeLessThanOrEqual(181);
      expect(await popupVerdict(r)).toEqual({ verdict: 'user', cause: 'clock-skew' });
      // The passive estimate had enough Date samples: no clock probe (HEAD to the failing host) was needed.
      expect(server.log.filter((x) => x.method === 'HEAD' && !CONTROL_HOSTS.includes(x.host))).toEqual([]);
    } finally {
      await r.close();
      await server.close();
    }
  });
});
