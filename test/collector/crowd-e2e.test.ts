/**
 * Crowd mode end to end: the real collector app (SQLite ':memory:') on a real socket, and the extension's
 * CrowdClient talking to it with the real global fetch. Reports reach the collector and GET /v1/status shows them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createApp } from '../../collector/src/app';
import { SqliteStore } from '../../collector/src/sqlite-store';
import { CrowdClient, type CrowdKV } from '../../src/core/crowd/client';
import { crowdSummary, toPopupCrowd } from '../../src/core/crowd/summary';
import type { StatusResponse } from '../../src/core/crowd/protocol';
import type { RequestOutcome } from '../../src/core/types';

let store: SqliteStore;
let server: ServerType;
let base = '';
const logs: string[] = [];

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  const app = createApp({ store, salt: 'e2e-salt', statusCacheMs: 0, log: (l) => logs.push(l) });
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
    server.once('error', reject);
  });
  base = `http://127.0.0.1:${info.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
  await store?.close();
});

function memoryKV(): CrowdKV {
  const m = new Map<string, string>();
  return {
    get: async (k) => (m.has(k) ? JSON.parse(m.get(k)!) : undefined),
    set: async (k, v) => void m.set(k, JSON.stringify(v)),
  };
}

function client(collectorUrl: string) {
  return new CrowdClient({
    settings: () => ({ crowdEnabled: true, collectorUrl }),
    fetch: (url, init) => fetch(url, init),
    now: Date.now,
    kv: memoryKV(),
    random: (n) => new Uint8Array(randomBytes(n)),
    version: '0.1.0',
    timeoutMs: 5000,
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

it('reports from three installs reach the collector and show in /v1/status', async () => {
  // The setting's default form names the reports endpoint; the client derives the base from it.
  const installs = [client(`${base}/v1/reports`), client(base), client(`${base}/`)];
  for (const c of installs) {
    expect(c.offer(outcome({}), 'provider')).not.toBeNull();
    expect(c.offer(outcome({ kind: 'dns.name_not_resolved', phase: 'dns' }), 'provider')).not.toBeNull();
    expect(
      c.offer(
        outcome({ service: 'login', host: 'account.aliyun.com', kind: 'http.5xx', phase: 'application', status: 502 }),
        'unclear',
      ),
    ).not.toBeNull();
  }
  const results = await Promise.all(installs.map((c) => c.flush()));
  for (const r of results) {
    // 3 accepted; counted once per reporter token per service per window: oss once, login once.
    expect(r).toMatchObject({ outcome: 'sent', sent: 3, counted: 2, dropped: 0, queued: 0 });
  }
  expect(logs).toEqual([]);

  // Raw status: the collector counted one report per install per service.
  const raw = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
  const oss = raw.services.find((s) => s.service === 'oss')!;
  expect(oss.reports.m15).toBe(3);
  expect(oss.reporters15).toBe(3);
  expect(oss.addresses15).toBe(1); // all from 127.0.0.1
  expect(oss.byPhase15).toEqual({ connection: 3 });
  // One address can never raise a service above normal, however many tokens it uses.
  expect(oss.state).toBe('normal');

  // The client's view of the same status.
  const status = await installs[0]!.fetchStatus(['oss', 'login', 'cdn', 'site']);
  expect(status).not.toBeNull();
  expect(status!.map((s) => s.id).sort()).toEqual(['cdn', 'login', 'oss']);
  expect(status!.find((s) => s.id === 'oss')).toMatchObject({ last5: 3, last15: 3, last60: 3, state: 'normal' });
  expect(status!.find((s) => s.id === 'login')).toMatchObject({ last15: 3 });
  expect(status!.find((s) => s.id === 'cdn')).toMatchObject({ last15: 0 });

  const lines = crowdSummary(toPopupCrowd(true, status), ['oss', 'cdn'], 'en');
  expect(lines.map((l) => l.text)).toEqual([
    '3 people reported Object Storage (OSS) failures in the last 15 minutes — usually almost none',
    'Nobody reported CDN and images (alicdn) failures in the last 15 minutes',
  ]);
});

it('a batch the collector rejects is dropped, and a dead collector means back-off, not loss', async () => {
  const dead = client('http://127.0.0.1:1'); // nothing listens on port 1
  dead.offer(outcome({ service: 'cdn', host: 'img.alicdn.com' }), 'provider');
  const r = await dead.flush();
  expect(r.outcome).toBe('retry-later');
  expect(r.queued).toBe(1);
  expect(dead.retryAt).toBeGreaterThan(Date.now());

  // 404 (a wrong collector path) is a 4xx: the batch is dropped with one log line.
  const wrong = client(`${base}/not-the-collector`);
  wrong.offer(outcome({ service: 'cdn', host: 'img.alicdn.com' }), 'provider');
  const before = logs.length;
  expect(await wrong.flush()).toMatchObject({ outcome: 'sent', sent: 0, dropped: 1, queued: 0 });
  expect(logs.length).toBe(before + 1);
  expect(logs.at(-1)).toMatch(/404/);
});
