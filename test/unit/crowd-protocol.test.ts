import { describe, expect, it } from 'vitest';
import {
  CROWD_SERVICES,
  DAY_MS,
  MAX_BATCH_REPORTS,
  currentReporterToken,
  makeReport,
  minuteOf,
  newReporterToken,
  statusClassOf,
  tokenDay,
  validateBatch,
  type CrowdReport,
} from '../../src/core/crowd/protocol';
import type { RequestOutcome } from '../../src/core/types';

const T = Date.UTC(2025, 5, 10, 12, 34, 56, 789);
const TOKEN = '00112233445566778899aabbccddeeff';

function outcome(over: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    t: T,
    ms: 1234,
    host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
    service: 'oss',
    path: '/photos/{id}.jpg',
    type: 'image',
    method: 'GET',
    status: 503,
    kind: 'http.5xx',
    phase: 'application',
    ids: { ossRequestId: '5F1D2C' },
    code: 'ServiceUnavailable',
    tabId: 7,
    keyTag: 'ab12',
    sentCookies: ['cna'],
    source: 'browser',
    ...over,
  };
}

function report(over: Partial<CrowdReport> = {}): CrowdReport {
  return {
    service: 'oss',
    phase: 'application',
    type: 'http.5xx',
    region: 'cn-hangzhou',
    status: '5xx',
    minute: 1749558840000,
    verdict: 'provider',
    version: '0.1.0',
    token: TOKEN,
    ...over,
  };
}

describe('makeReport', () => {
  it('keeps origin-level fields only', () => {
    const r = makeReport(outcome(), 'provider', '0.1.0', TOKEN, T + 5000);
    expect(r).toEqual({
      service: 'oss',
      phase: 'application',
      type: 'http.5xx',
      region: 'cn-hangzhou',
      status: '5xx',
      minute: Date.UTC(2025, 5, 10, 12, 34),
      verdict: 'provider',
      version: '0.1.0',
      token: TOKEN,
    });
    const json = JSON.stringify(r);
    for (const secret of ['my-bucket', 'aliyuncs', 'photos', '5F1D2C', 'ServiceUnavailable', 'ab12', 'cna', '1234']) {
      expect(json).not.toContain(secret);
    }
    expect(validateBatch({ v: 1, reports: [r] })).toEqual({ ok: true, batch: { v: 1, reports: [r] } });
  });

  it('buckets by minute, never in the future of now; region null when the host has none', () => {
    const r = makeReport(
      outcome({
        host: 'g.alicdn.com',
        service: 'cdn',
        t: T + 120_000,
        status: 0,
        kind: 'tcp.reset',
        phase: 'connection',
      }),
      'unclear',
      '0.1.0',
      TOKEN,
      T,
    );
    expect(r?.minute).toBe(minuteOf(T));
    expect(r?.minute).toBe(Date.UTC(2025, 5, 10, 12, 34));
    expect(r?.region).toBeNull();
    expect(r?.status).toBe('none');
  });

  it('returns null for what must never be reported', () => {
    expect(makeReport(outcome({ service: null }), 'provider', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome({ service: 'site' }), 'provider', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome({ source: 'probe' }), 'provider', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome({ kind: 'ok', phase: 'ok', status: 200 }), 'provider', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome({ kind: 'aborted', phase: 'client' }), 'provider', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome(), 'healthy', '0.1.0', TOKEN, T)).toBeNull();
    expect(makeReport(outcome(), 'user', '0.1.0', TOKEN, T)).toBeNull(); // "your side": nothing about the provider
  });

  it.each([
    ['my-bucket.oss-cn-hangzhou.aliyuncs.com', 'cn-hangzhou'],
    ['us-acme-payroll.oss-cn-hangzhou.aliyuncs.com', 'cn-hangzhou'], // a bucket name is never a region
    ['cn-beijing.oss-cn-hangzhou.aliyuncs.com', 'cn-hangzhou'], // the endpoint, right of the bucket, wins
    ['us-acme-payroll.oss-accelerate.aliyuncs.com', null],
    ['eu-secret-project.oss-rg-china-mainland.aliyuncs.com', null],
    ['oss-cn-beijing-internal.aliyuncs.com', 'cn-beijing'],
    ['ecs.cn-shanghai-finance-1.aliyuncs.com', 'cn-shanghai-finance-1'],
    ['bucket.oss-ap-southeast-1.aliyuncs.com', 'ap-southeast-1'],
    ['ap-zz-9.example.aliyuncs.com', null], // the shape of a region, not a known one
    ['img.alicdn.com', null],
  ])('the region of %s is %s: only known Alibaba Cloud region ids leave the browser', (host, region) => {
    expect(makeReport(outcome({ host }), 'provider', '0.1.0', TOKEN, T)?.region).toBe(region);
  });
});

describe('statusClassOf', () => {
  it('folds HTTP statuses', () => {
    expect([0, 101, 200, 204, 301, 404, 429, 500, 599, 600].map(statusClassOf)).toEqual([
      'none',
      'none',
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
      'none',
    ]);
  });
});

describe('reporter token', () => {
  it('is 128 random bits as 32 hex digits', () => {
    const tok = newReporterToken((n) => Uint8Array.from({ length: n }, (_, i) => i * 17));
    expect(tok).toBe('00112233445566778899aabbccddeeff');
    const real = newReporterToken((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    expect(real).toMatch(/^[0-9a-f]{32}$/);
    expect(() => newReporterToken(() => new Uint8Array(8))).toThrow(/16 bytes/);
  });

  it('rotates at the UTC day boundary', () => {
    const day = Date.UTC(2025, 5, 10);
    expect(tokenDay(day)).toBe(day / DAY_MS);
    expect(tokenDay(day + DAY_MS - 1)).toBe(tokenDay(day));
    expect(tokenDay(day + DAY_MS)).toBe(tokenDay(day) + 1);
    let seed = 0;
    const random = (n: number) => Uint8Array.from({ length: n }, () => ++seed % 256);
    const a = currentReporterToken(null, day + 1000, random);
    expect(currentReporterToken(a, day + DAY_MS - 1, random)).toBe(a);
    const b = currentReporterToken(a, day + DAY_MS, random);
    expect(b.day).toBe(a.day + 1);
    expect(b.token).not.toBe(a.token);
  });
});

describe('validateBatch', () => {
  it('one batch, one reporter token', () => {
    expect(validateBatch({ v: 1, reports: [report(), report({ token: 'f'.repeat(32) })] })).toEqual({
      ok: false,
      error: 'reports[1].token: every report of a batch carries the same reporter token',
    });
  });

  const bad = (body: unknown) => {
    const r = validateBatch(body);
    if (r.ok) throw new Error('expected a failure');
    return r.error;
  };

  it('accepts every crowd service and a null region', () => {
    const reports = CROWD_SERVICES.map((service, i) => report({ service, region: i % 2 ? null : 'ap-southeast-1' }));
    const r = validateBatch({ v: 1, reports });
    expect(r.ok).toBe(true);
    expect(CROWD_SERVICES).toHaveLength(14);
    expect(CROWD_SERVICES).not.toContain('site');
  });

  it('names the bad field in one line', () => {
    expect(bad(null)).toBe('body: expected a JSON object, got null');
    expect(bad({ v: 1, reports: [], extra: 1 })).toBe('extra: unknown field');
    expect(bad({ v: 1, reports: [] })).toBe('reports: empty batch');
    expect(bad({ v: 1, reports: Array.from({ length: MAX_BATCH_REPORTS + 1 }, () => report()) })).toBe(
      'reports: too many reports (101, at most 100)',
    );
    expect(bad({ v: 1, reports: [report(), report(), report(), report({ service: 'foo' as never })] })).toBe(
      'reports[3].service: unknown service "foo"',
    );
    expect(bad({ v: 1, reports: [report({ service: 'site' as never })] })).toBe(
      'reports[0].service: unknown service "site"',
    );
    expect(bad({ v: 1, reports: [report({ phase: 'ok' as never })] })).toBe('reports[0].phase: unknown phase "ok"');
    expect(bad({ v: 1, reports: [report({ type: 'ok' })] })).toBe('reports[0].type: unknown failure type "ok"');
    expect(bad({ v: 1, reports: [report({ status: 503 as never })] })).toBe(
      'reports[0].status: expected a string, got number 503',
    );
    expect(bad({ v: 1, reports: [report({ verdict: 'healthy' as never })] })).toBe(
      'reports[0].verdict: unknown verdict "healthy"',
    );
    expect(bad({ v: 1, reports: [report({ minute: 1749558840001 })] })).toBe(
      'reports[0].minute: expected a minute bucket (a positive multiple of 60000), got 1749558840001',
    );
    expect(bad({ v: 1, reports: [report({ minute: 1.5 })] })).toBe(
      'reports[0].minute: expected an integer (ms since epoch), got number 1.5',
    );
    const { token: _t, ...noToken } = report();
    expect(bad({ v: 1, reports: [noToken] })).toBe('reports[0].token: missing');
    expect(bad({ v: 1, reports: [report({ token: TOKEN.toUpperCase() })] })).toBe(
      'reports[0].token: expected 32 lower-case hex digits, got "00112233445566778899AABBCCDDEEFF"',
    );
  });

  it('rejects anything that could smuggle a path, query, host or user agent', () => {
    for (const field of ['path', 'query', 'url', 'host', 'cookie', 'userAgent']) {
      expect(bad({ v: 1, reports: [{ ...report(), [field]: 'x' }] })).toBe(
        `reports[0].${field}: unknown field (reports are origin-level: no host, path, query, cookies or user agent)`,
      );
    }
    for (const region of [
      'cn-hangzhou/a',
      'cn-hangzhou?x=1',
      'oss-cn-hangzhou.aliyuncs.com',
      'CN-HANGZHOU',
      'x'.repeat(40),
    ]) {
      expect(bad({ v: 1, reports: [report({ region })] })).toMatch(
        /^reports\[0\]\.region: expected a region like cn-hangzhou, or null, got "/,
      );
    }
    expect(bad({ v: 1, reports: [report({ version: 'Mozilla/5.0 (X11; Linux x86_64)' })] })).toMatch(
      /^reports\[0\]\.version: expected a version/,
    );
    expect(validateBatch({ v: 1, reports: [report({ version: '1.2.3-beta.1' })] }).ok).toBe(true);
  });
});
