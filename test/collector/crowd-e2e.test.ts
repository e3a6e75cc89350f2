/**
 * Crowd mode end to end in Node: the real collector app on a real socket (public and team mode, SQLite in memory)
 * and the extension's sender (src/background/crowd.ts, real global fetch) talking to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createApp, type AppOptions } from '../../collector/src/app';
import { SqliteStore } from '../../collector/src/sqlite-store';
import { CrowdSender, type CrowdSettings } from '../../src/background/crowd';
import { fakeAlarm, memoryKV } from '../unit/crowd-fakes';
import { crowdSummary } from '../../src/core/crowd/summary';
import type { StatusResponse } from '../../src/core/crowd/protocol';
import type { Diagnosis, RequestOutcome } from '../../src/core/types';

const TEAM_KEY = 'e2e-team-key-0123456789';
const logs: string[] = [];

async function startCollector(over: Partial<AppOptions>) {
  const store = new SqliteStore(':memory:');
  const app = createApp({ store, salt: 'e2e-salt', statusCacheMs: 0, log: (l) => logs.push(l), ...over });
  let server!: ServerType;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
    server.once('error', reject);
  });
  return {
    base: `http://127.0.0.1:${info.port}`,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await store.close();
    },
  };
}

function install(settings: CrowdSettings) {
  return new CrowdSender({
    settings: () => settings,
    fetch: (url, init) => fetch(url, init),
    now: Date.now,
    kv: memoryKV(),
    alarm: fakeAlarm(),
    random: (n) => new Uint8Array(randomBytes(n)),
    version: '0.1.0',
    timing: { requestTimeoutMs: 5000 },
    log: (l) => logs.push(l),
  });
}

function outcome(over: Partial<RequestOutcome>): RequestOutcome {
  return {
    t: Date.now() - 1000,
    host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
    service: 'oss',
    path: '/photos/{id}.jpg',
    type: 'xhr',
    method: 'GET',
    status: 0,
    kind: 'tcp.reset',
    phase: 'connection',
    source: 'browser',
    ...over,
  };
}

const diag = (verdict: Diagnosis['verdict']) =>
  ({
    verdict,
    cause: 'none',
    services: [],
    evidence: [],
    advice: [],
    since: null,
    at: Date.now(),
  }) as unknown as Diagnosis;

function failAndDiagnose(c: CrowdSender) {
  c.note(outcome({}));
  c.note(outcome({ kind: 'dns.name_not_resolved', phase: 'dns' }));
  c.note(
    outcome({ service: 'login', host: 'account.aliyun.com', kind: 'http.5xx', phase: 'application', status: 502 }),
  );
  c.afterDiagnosis(diag('provider'));
}

describe('public collector', () => {
  let col: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    col = await startCollector({});
  });
  afterAll(async () => col?.close());

  it('three installs behind one address are one voter; the status reads back through the sender', async () => {
    // The setting may name the reports endpoint or the base; the sender derives the base from it.
    const installs = [`${col.base}/v1/reports`, col.base, `${col.base}/`].map((u) =>
      install({ enabled: true, collectorUrl: u, teamKey: '' }),
    );
    for (const c of installs) failAndDiagnose(c);
    const results = await Promise.all(installs.map((c) => c.flush()));
    expect(results.map((r) => r.sent)).toEqual([3, 3, 3]);
    // One vote per service per minute per address: the first install's count, then nothing new.
    expect(results.map((r) => r.counted).sort()).toEqual([0, 0, 2]);
    expect(logs).toEqual([]);

    const raw = (await (await fetch(`${col.base}/v1/status`)).json()) as StatusResponse;
    const oss = raw.services.find((s) => s.service === 'oss')!;
    expect(oss.reports.m15).toBe(1);
    expect(oss.voters15).toBe(1); // all from 127.0.0.1
    expect(oss.state).toBe('normal');

    const status = await installs[0]!.fetchStatus(['oss', 'login', 'cdn', 'site']);
    expect(status!.map((s) => s.service).sort()).toEqual(['cdn', 'login', 'oss']);
    const lines = crowdSummary({ enabled: true, services: status! }, ['oss', 'cdn'], 'en');
    expect(lines.map((l) => l.text)).toEqual([
      '1 person reported Object Storage (OSS) failures in the last 15 minutes — usually almost none',
      'Nobody reported CDN and images (alicdn) failures in the last 15 minutes',
    ]);
  });

  it('a dead collector means back-off, not loss; a wrong path is a refusal, dropped with one line', async () => {
    const dead = install({ enabled: true, collectorUrl: 'http://127.0.0.1:1', teamKey: '' });
    failAndDiagnose(dead);
    const r = await dead.flush();
    expect(r.outcome).toBe('retry-later');
    expect(r.queued).toBe(3);
    expect(dead.retryAt).toBeGreaterThan(Date.now());

    const wrong = install({ enabled: true, collectorUrl: `${col.base}/not-the-collector`, teamKey: '' });
    failAndDiagnose(wrong);
    const before = logs.length;
    expect(await wrong.flush()).toMatchObject({ sent: 0, dropped: 3, queued: 0 });
    expect(logs.length).toBe(before + 1);
    expect(logs.at(-1)).toMatch(/404/);
  });
});

describe('team collector', () => {
  let col: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    col = await startCollector({ mode: 'team', teamKeys: [TEAM_KEY] });
  });
  afterAll(async () => col?.close());

  it('colleagues behind one address with the key are five voters: an outage; without the key nothing counts', async () => {
    const team = Array.from({ length: 5 }, () => install({ enabled: true, collectorUrl: col.base, teamKey: TEAM_KEY }));
    for (const c of team) failAndDiagnose(c);
    const results = await Promise.all(team.map((c) => c.flush()));
    expect(results.map((r) => r.counted)).toEqual([2, 2, 2, 2, 2]);
    const outsider = install({ enabled: true, collectorUrl: col.base, teamKey: '' });
    failAndDiagnose(outsider);
    expect(await outsider.flush()).toMatchObject({ sent: 0, dropped: 3 });
    expect((await outsider.preview()).last?.message).toMatch(/^401 team key required/);
    const status = await team[0]!.fetchStatus(['oss']);
    expect(status![0]).toMatchObject({ service: 'oss', voters15: 5, state: 'outage' });
  });
});
