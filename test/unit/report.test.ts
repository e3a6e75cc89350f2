import { describe, expect, it } from 'vitest';
import { buildReport, both, fmtAt, redactText, sanitizedHar } from '../../src/core/report';
import { FIXTURES, FIXTURE_NOW } from '../fixtures/popup-states';
import type { PopupState } from '../../src/core/messages';
import type { RequestOutcome } from '../../src/core/types';

const AK = 'LTAI5tAbCdEfGhIjKlMn';

/** An outcome that carries secrets where they must never survive: path, ids, code, error, a query string. */
const leaky: RequestOutcome = {
  t: FIXTURE_NOW - 60_000,
  ms: 37,
  host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
  service: 'oss',
  path: `/keys/${AK}/photo.jpg?OSSAccessKeyId=${AK}&Signature=abcSECRETdef&Expires=1699780000`,
  type: 'image',
  method: 'GET',
  status: 403,
  kind: 'http.4xx',
  phase: 'application',
  code: `InvalidAccessKeyId ${AK}`,
  error: `denied for ${AK}`,
  ids: { ossRequestId: '6550A8F3E1B2C3D4E5F60799', ossEc: '0002-00000902', acsRequestId: `req-${AK}` },
  setCookies: ['cookie2', '_tb_token_'],
  sentCookies: ['login_aliyunid_ticket'],
  keyTag: 'deadbeef',
  source: 'browser',
};

function leakyState(): PopupState {
  const base = structuredClone(FIXTURES.provider);
  base.recentFailures = [leaky, ...base.recentFailures];
  return base;
}

const opts = {
  lang: 'en' as const,
  userNote: `Upload fails since 17:40 with key ${AK}, see https://oss-cn-hangzhou.aliyuncs.com/x?Signature=abcSECRETdef&OSSAccessKeyId=${AK}\ncookie: login_aliyunid_ticket=SESSIONSECRET`,
  browser: 'Chrome 156.0',
  now: FIXTURE_NOW,
};

function assertNoSecrets(s: string) {
  expect(s).not.toContain(AK);
  expect(s).not.toContain('abcSECRETdef');
  expect(s).not.toContain('SESSIONSECRET');
  expect(s).not.toContain('Signature=');
  expect(s).not.toContain('OSSAccessKeyId=');
  expect(s).not.toContain('Expires=');
  expect(s).not.toContain('login_aliyunid_ticket');
  expect(s).not.toContain('_tb_token_');
  expect(s).not.toContain('deadbeef');
  expect(s).not.toMatch(/\?[A-Za-z]+=/);
}

describe('time formatting', () => {
  it('UTC+8 and UTC', () => {
    expect(fmtAt(Date.UTC(2023, 10, 12, 9, 39, 0), 8)).toBe('2023-11-12 17:39:00');
    expect(both(Date.UTC(2023, 10, 12, 20, 0, 5))).toEqual({
      utc: '2023-11-12 20:00:05 UTC',
      utc8: '2023-11-13 04:00:05 UTC+8',
    });
  });
});

/** The request ids the provider fixture's failures carry (made by the engine from the corpus scenario). */
const fixtureIds = FIXTURES.provider.recentFailures.map((o) => o.ids ?? {});
const firstId = (k: keyof NonNullable<RequestOutcome['ids']>): string => {
  const v = fixtureIds.find((x) => x[k])?.[k];
  if (!v) throw new Error(`the provider fixture has no ${k}`);
  return v;
};

describe('buildReport', () => {
  const r = buildReport(leakyState(), opts);

  it('contains every request id (OSS request id and EC, ACS request id, EagleEye-TraceId, EagleId)', () => {
    for (const id of [
      firstId('ossRequestId'),
      firstId('ossEc'),
      firstId('acsRequestId'),
      firstId('eagleEyeTraceId'),
      firstId('eagleId'),
      '6550A8F3E1B2C3D4E5F60799',
    ]) {
      expect(r.markdown).toContain(id);
      expect(r.json).toContain(id);
    }
    expect(r.markdown).toContain('x-oss-request-id');
    expect(r.markdown).toContain('EagleEye-TraceId');
  });

  it('masks access keys and drops queries and cookies everywhere', () => {
    assertNoSecrets(r.markdown);
    assertNoSecrets(r.json);
    // masked form keeps only the last 4 characters
    expect(r.json).toContain('LTAI');
    expect(r.json).toContain('KlMn');
    expect(r.data.failures[0]!.url).toBe(
      'https://my-bucket.oss-cn-hangzhou.aliyuncs.com/keys/LTAI************KlMn/photo.jpg',
    );
  });

  it("keeps the user's own words (redacted)", () => {
    expect(r.data.userNote).toContain('Upload fails since 17:40 with key LTAI');
    expect(r.data.userNote).toContain('https://oss-cn-hangzhou.aliyuncs.com/x');
    expect(r.markdown).toContain('> Upload fails since 17:40');
  });

  it('carries verdict, cause, versions, evidence and a timeline in UTC+8 and UTC', () => {
    const j = JSON.parse(r.json);
    expect(j.verdict.id).toBe('provider');
    expect(j.cause.id).toBe('auth-service');
    expect(j.extensionVersion).toBe('0.1.0');
    expect(j.browser).toBe('Chrome 156.0');
    const since = FIXTURES.provider.diagnosis.since!;
    expect(j.verdict.since.utc8).toBe(`${fmtAt(since, 8)} UTC+8`);
    expect(j.verdict.since.utc).toBe(`${fmtAt(since, 0)} UTC`);
    expect(j.evidence.length).toBe(FIXTURES.provider.diagnosis.evidence.length);
    expect(j.evidence[0].text).toMatch(new RegExp(`^${FIXTURES.provider.diagnosis.evidence[0]!.count} requests`));
    expect(j.timeline.buckets.length).toBeGreaterThan(5);
    expect(j.timeline.buckets.at(-1).utc8).toMatch(/UTC\+8$/);
    expect(r.markdown).toContain('| UTC+8 | UTC |');
    expect(r.markdown).toContain(fmtAt(since, 8).slice(11));
    expect(r.markdown).toContain(fmtAt(since, 0).slice(11));
    expect(r.markdown).toContain('Faultline 0.1.0 · Chrome 156.0');
  });

  it('localizes headings in Simplified Chinese', () => {
    const zh = buildReport(leakyState(), { ...opts, lang: 'zh_CN' });
    expect(zh.markdown).toMatch(/[\u4e00-\u9fff]/);
    assertNoSecrets(zh.markdown);
  });

  it('works for every fixture, including one without failures', () => {
    for (const v of ['healthy', 'user', 'provider', 'unclear'] as const) {
      const x = buildReport(FIXTURES[v], opts);
      expect(JSON.parse(x.json).verdict.id).toBe(v);
      expect(x.markdown.length).toBeGreaterThan(50);
    }
  });
});

describe('redactText', () => {
  it('drops URL queries and cookie lines, masks keys', () => {
    expect(redactText(`see https://a.example/p?token=XYZ and /x/y?z=1`)).toBe('see https://a.example/p and /x/y');
    expect(redactText(`Cookie: a=b; c=d`)).toBe('Cookie: [redacted]');
    expect(redactText(AK)).not.toContain(AK);
  });
});

describe('sanitizedHar', () => {
  const har = sanitizedHar([leaky, ...FIXTURES.provider.recentFailures], '0.1.0');
  const s = JSON.stringify(har);

  it('is HAR 1.2-shaped', () => {
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual({ name: 'Faultline', version: '0.1.0' });
    expect(har.log.entries.length).toBe(1 + FIXTURES.provider.recentFailures.length);
    for (const e of har.log.entries) {
      expect(typeof e.startedDateTime).toBe('string');
      expect(new Date(e.startedDateTime).toISOString()).toBe(e.startedDateTime);
      expect(e.request.url).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(e.request.cookies).toEqual([]);
      expect(e.request.queryString).toEqual([]);
      expect(e.response.cookies).toEqual([]);
      expect(e.response.content.size).toBe(0);
      expect(e.response.content).not.toHaveProperty('text');
      expect(typeof e.timings.wait).toBe('number');
    }
  });

  it('keeps request ids as response headers, no secrets', () => {
    const h = har.log.entries[0]!.response.headers;
    expect(h).toContainEqual({ name: 'x-oss-request-id', value: '6550A8F3E1B2C3D4E5F60799' });
    expect(h).toContainEqual({ name: 'x-oss-ec', value: '0002-00000902' });
    expect(s).toContain('EagleEye-TraceId');
    expect(s).toContain(firstId('eagleEyeTraceId'));
    assertNoSecrets(s);
  });
});
