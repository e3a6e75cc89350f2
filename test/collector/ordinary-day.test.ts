/**
 * The small, fast twin of the internet-scale simulation (bench/crowd-sim.ts): 100,000 users' everyday noise
 * (bench/crowd-model.ts) plus attackers, through the real collector app with an injected clock. Only the morning
 * hours of four days are played (07:00-10:00 UTC+8: the wake-up spike and the rise to the daytime plateau), with a
 * 3-day baseline (the bench plays whole days and the default 7); the baseline only looks at the same time of day of
 * earlier days. On the last day no service may leave `normal`; then a real outage must still read `outage`.
 */
import { afterAll, expect, it } from 'vitest';
import type { HttpBindings } from '@hono/node-server';
import { createApp } from '../../collector/src/app';
import { SqliteStore } from '../../collector/src/sqlite-store';
import type { CrowdState, StatusResponse } from '../../src/core/crowd/protocol';
import { DAY_MS, MIN_MS, attackMinute, ordinaryMinute, outageReports, type SimReport } from '../../bench/crowd-model';

const store = new SqliteStore(':memory:');
afterAll(() => store.close());

it('an ordinary morning of 100,000 users, with attackers, stays normal; a real outage does not', async () => {
  // Day 0 starts at 00:00 UTC+8; the hours played are 07:00-10:00 local, i.e. 23:00-02:00 UTC.
  const DAY0 = Date.UTC(2025, 5, 1) - 8 * 3_600_000;
  let now = DAY0;
  const DAYS = 4;
  const app = createApp({
    store,
    clock: () => now,
    salt: 'sim',
    trustProxy: true,
    statusCacheMs: 0,
    rules: { baselineDays: DAYS - 1 },
    log: () => {},
  });
  const post = async (r: SimReport) => {
    const body = JSON.stringify({
      v: 1,
      reports: [
        {
          service: r.service,
          phase: r.phase,
          type: r.phase === 'dns' ? 'dns.failed' : 'http.5xx',
          region: null,
          status: 'none',
          minute: Math.floor(now / MIN_MS) * MIN_MS,
          verdict: r.verdict,
          version: '0.1.0',
          token: r.token,
        },
      ],
    });
    const env = { incoming: { socket: { remoteAddress: '127.0.0.1' } } } as unknown as HttpBindings;
    const res = await app.request(
      '/v1/reports',
      { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-forwarded-for': r.address } },
      env,
    );
    return res.status;
  };
  const status = async () => (await (await app.request('/v1/status')).json()) as StatusResponse;

  const model = { users: 100_000, seed: 13 };
  const worst = new Map<string, CrowdState>();
  const rank: Record<CrowdState, number> = { normal: 0, elevated: 1, outage: 2 };
  let sent = 0;
  let limited = 0;
  for (let day = 0; day < DAYS; day++) {
    for (let m = 7 * 60; m < 10 * 60; m++) {
      now = DAY0 + day * DAY_MS + m * MIN_MS + 30_000;
      const reports = ordinaryMinute(model, now - 30_000);
      if (day === DAYS - 1 && m % 3 === 0) reports.push(...attackMinute(now));
      for (const r of reports) {
        const code = await post(r);
        if (code === 429) limited++;
        else expect(code).toBe(202);
        sent++;
      }
      // Every 5 minutes on the measured day; before it, once a quarter hour is enough to roll each one up.
      if (day === DAYS - 1 ? m % 5 === 4 : m % 15 === 2) {
        const st = await status(); // also rolls up finished quarter hours
        if (day === DAYS - 1) {
          for (const s of st.services) {
            if (rank[s.state] > rank[worst.get(s.service) ?? 'normal']) worst.set(s.service, s.state);
          }
        }
      }
    }
    now = DAY0 + day * DAY_MS + 10 * 3_600_000 + 90_000;
    await status(); // the maintenance timer's job in a running collector: roll up the last quarter hour
  }
  expect(sent).toBeGreaterThan(5000); // the noise is real: thousands of reports…
  expect([...worst.entries()].filter(([, s]) => s !== 'normal')).toEqual([]); // …and none leaves normal
  const baseline = (await status()).services.find((s) => s.service === 'cdn')!.baseline15;
  expect(baseline).toBeGreaterThan(5); // the usual page-bug noise on cdn is known

  // 10:00 on the last day: a real outage, 3,000 users on OSS within five minutes.
  const opts = { reporters: 3000, rampS: 300, everyS: 60, service: 'oss' as const, firstUser: 500_000 };
  for (let s = 0; s < 300; s += 30) {
    now = DAY0 + (DAYS - 1) * DAY_MS + 10 * 3_600_000 + s * 1000;
    for (const r of outageReports(opts, s, s + 30, DAYS - 1)) expect(await post(r)).toBe(202);
  }
  const oss = (await status()).services.find((s) => s.service === 'oss')!;
  expect(oss.state).toBe('outage');
  expect(oss.voters15).toBeGreaterThan(2500);
  expect(limited).toBeGreaterThan(0); // the token-rotating attacker hit its rate limit
}, 120_000);
