import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_WARN_MS,
  SIGNED_REQUEST_LIMIT_MS,
  median,
  passiveClockSkew,
  probeSkew,
  skewLevel,
} from '../../src/core/probes/clock';
import type { RequestOutcome } from '../../src/core/types';

const NOW = 1_700_000_000_000;
const H = 3600_000;

function resp(t: number, skew: number, extra: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t,
    ms: 200,
    host: 'img.alicdn.com',
    service: 'cdn',
    path: '/a.png',
    type: 'image',
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

describe('passiveClockSkew', () => {
  it('a clock 3 hours behind the servers: signed requests fail', () => {
    const os = [resp(NOW - 3000, 3 * H), resp(NOW - 2000, 3 * H), resp(NOW - 1000, 3 * H)];
    expect(passiveClockSkew(os)).toEqual({ skewMs: 3 * H, samples: 3, level: 'signed-requests-fail' });
  });
  it('median over t + ms/2, robust to one stale Date', () => {
    const os = [resp(NOW, 180_000), resp(NOW, 181_000), resp(NOW, 179_000), resp(NOW, -86_400_000), resp(NOW, 182_000)];
    expect(passiveClockSkew(os)).toEqual({ skewMs: 180_000, samples: 5, level: 'warn' });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('needs 3 samples; skips cached, HAR, probe, 304, no-response and non-watched outcomes', () => {
    const skip = [
      resp(NOW, 3 * H, { fromCache: true }),
      resp(NOW, 3 * H, { source: 'har' }),
      resp(NOW, 3 * H, { source: 'probe' }),
      resp(NOW, 3 * H, { status: 304 }),
      resp(NOW, 3 * H, { status: 0 }),
      resp(NOW, 3 * H, { service: null, host: 'www.baidu.com' }),
      resp(NOW, 3 * H, { serverDate: undefined }),
      resp(NOW - 31 * 60_000, 3 * H),
    ];
    expect(passiveClockSkew([...skip, resp(NOW, 0), resp(NOW, 1000)])).toEqual({
      skewMs: null,
      samples: 2,
      level: 'ok',
    });
    expect(passiveClockSkew([...skip, resp(NOW, 0), resp(NOW, 1000), resp(NOW, 2000)])).toEqual({
      skewMs: 1000,
      samples: 3,
      level: 'ok',
    });
    expect(passiveClockSkew([resp(NOW, 5)], { minSamples: 1 })).toEqual({ skewMs: 5, samples: 1, level: 'ok' });
  });
  it('uses ms/2 as the local instant of the response', () => {
    const o: RequestOutcome = { ...resp(NOW, 0), ms: 1000, serverDate: NOW + 500 };
    expect(passiveClockSkew([o, o, o]).skewMs).toBe(0);
    expect(passiveClockSkew([{ ...o, ms: undefined }, o, { ...o, ms: undefined }]).skewMs).toBe(500);
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
