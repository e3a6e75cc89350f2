import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_WARN_MS,
  SIGNED_REQUEST_LIMIT_MS,
  median,
  medianSkew,
  passiveClockSkew,
  probeSkew,
  skewSample,
  skewLevel,
} from '../../src/core/probes/clock';
import type { RequestOutcome } from '../../src/core/types';

const NOW = 1_700_000_000_000;
const H = 3600_000;

function resp(t: number, skew: number, extra: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t,
    ms: 200,
    host: 'ecs.console.aliyun.com',
    service: 'console',
    path: '/api/x.json',
    type: 'xhr',
    method: 'GET',
    status: 200,
    kind: 'ok',
    phase: 'ok',
    source: 'browser',
    serverDate: t + 100 + skew,
    ...extra,
  };
}

describe('thresholds', () => {
  it('2 min warns, beyond 15 min signed requests fail', () => {
    expect(CLOCK_SKEW_WARN_MS).toBe(120_000);
    expect(SIGNED_REQUEST_LIMIT_MS).toBe(900_000);
    expect([0, 120_000, 120_001, -120_001, 900_000, 900_001, -3 * H, null].map(skewLevel)).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'warn',
      'signed-requests-fail',
      'signed-requests-fail',
      'ok',
    ]);
  });
});

const at = (host: string) => ({ host });
const HOSTS = ['ecs.console.aliyun.com', 'oss.console.aliyun.com', 'h5api.m.taobao.com', 'www.yuque.com'];

describe('passiveClockSkew', () => {
  it('a clock 3 hours behind the servers: signed requests fail', () => {
    const os = HOSTS.slice(0, 3).map((h, i) => resp(NOW - 3000 + i * 1000, 3 * H, at(h)));
    expect(passiveClockSkew(os)).toEqual({ skewMs: 3 * H, samples: 3, level: 'signed-requests-fail' });
  });
  it('the median over hosts of each host’s median: one stale object, or one stale host, cannot decide', () => {
    // one 21-day-old object among fresh answers of the same host
    const stale = resp(NOW, -21 * 24 * H, at(HOSTS[0]!));
    const fresh = HOSTS.slice(0, 3).flatMap((h) => [resp(NOW, 1000, at(h)), resp(NOW, 2000, at(h))]);
    expect(passiveClockSkew([stale, ...fresh]).level).toBe('ok');
    // a host whose every answer is stale, among three that are right
    const staleHost = [1, 2, 3, 4, 5].map(() => resp(NOW, -21 * 24 * H, at('gw.alicdn.com')));
    expect(passiveClockSkew([...staleHost, ...fresh]).level).toBe('ok');
    // three hosts agreeing on 3 minutes: the clock is off
    const off = HOSTS.slice(0, 3).map((h, i) => resp(NOW, 179_000 + i * 1000, at(h)));
    expect(passiveClockSkew([...off, stale])).toEqual({ skewMs: 180_000, samples: 4, level: 'warn' });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('needs 3 hosts; skips cached, HAR, probe, 304, no-response and non-watched outcomes', () => {
    const skip = [
      resp(NOW, 3 * H, { fromCache: true }),
      resp(NOW, 3 * H, { source: 'har' }),
      resp(NOW, 3 * H, { source: 'probe' }),
      resp(NOW, 3 * H, { status: 304 }),
      resp(NOW, 3 * H, { status: 0 }),
      resp(NOW, 3 * H, { service: null, host: 'www.baidu.com' }),
      resp(NOW, 3 * H, { serverDate: undefined }),
      resp(NOW - 31 * 60_000, 3 * H),
    ].map((x, i) => ({ ...x, host: x.host + i }));
    expect(passiveClockSkew([...skip, resp(NOW, 0, at(HOSTS[0]!)), resp(NOW, 1000, at(HOSTS[1]!))])).toEqual({
      skewMs: null,
      samples: 2,
      level: 'ok',
    });
    const three = [0, 1000, 2000].map((s, i) => resp(NOW, s, at(HOSTS[i]!)));
    expect(passiveClockSkew([...skip, ...three])).toEqual({ skewMs: 1000, samples: 3, level: 'ok' });
    expect(passiveClockSkew([resp(NOW, 5)], { minHosts: 1 })).toEqual({ skewMs: 5, samples: 1, level: 'ok' });
    // a live browser says what came from its cache: its fresh pictures count
    const pics = ['img.alicdn.com', 'gw.alicdn.com', 'g.alicdn.com'].map((h) =>
      resp(NOW, 3 * H, { host: h, type: 'image' }),
    );
    expect(passiveClockSkew(pics).skewMs).toBe(3 * H);
  });
  it('uses ms/2 as the local instant of the response', () => {
    const o: RequestOutcome = { ...resp(NOW, 0), ms: 1000, serverDate: NOW + 500 };
    const on = (x: RequestOutcome) => HOSTS.slice(0, 3).map((h) => ({ ...x, host: h }));
    expect(passiveClockSkew(on(o)).skewMs).toBe(0);
    expect(passiveClockSkew(on({ ...o, ms: undefined })).skewMs).toBe(500);
  });
  it('from a HAR (the engine), only dynamic answers: exporters leave cached pictures unmarked', () => {
    expect(skewSample(resp(NOW, 3 * H, { source: 'har' }))).toBe(3 * H);
    expect(skewSample(resp(NOW, 3 * H, { source: 'har', type: 'image' }))).toBeNull();
    expect(skewSample(resp(NOW, 3 * H, { type: 'image' }))).toBe(3 * H);
  });
  it('medianSkew: per host first, then across hosts', () => {
    const xs = [
      { host: 'a', skew: 10 },
      { host: 'a', skew: 1_000_000 },
      { host: 'a', skew: 20 },
      { host: 'b', skew: 30 },
      { host: 'c', skew: -5_000_000 },
    ];
    expect(medianSkew(xs)).toEqual({ skewMs: 20, hosts: 3, samples: 5 });
    expect(medianSkew(xs.slice(0, 4))).toEqual({ skewMs: null, hosts: 2, samples: 4 });
  });
});

describe('probeSkew', () => {
  it('Date header minus the local midpoint', () => {
    const sent = NOW; // NOW is a whole second
    expect(probeSkew(new Date(NOW + 3 * H).toUTCString(), sent, sent + 400)).toBe(3 * H - 200);
    expect(probeSkew(null, sent, sent)).toBeNull();
    expect(probeSkew('yesterday-ish', sent, sent)).toBeNull();
  });
});
