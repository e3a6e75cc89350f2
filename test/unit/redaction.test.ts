/**
 * The export redacts every credential form a support ticket can carry — wherever it appears (the user's note, a
 * browser error, a provider code, a request id, a path, a redirect target, evidence text) and in every output
 * (Markdown, JSON, HAR) — and shapes personal-looking path segments.
 */
import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_FORMS,
  buildReport,
  redactCredentials,
  redactPath,
  redactText,
  sanitizedHar,
  shapePersonalPath,
} from '../../src/core/report';
import { FIXTURES, FIXTURE_NOW } from '../fixtures/popup-states';
import type { PopupState } from '../../src/core/messages';
import type { RequestOutcome } from '../../src/core/types';

const AK = 'LTAI5tAbCdEfGhIjKlMnOpQr';
const SIG = 'Zx9Qk2mN7pL4sT8vW1yB3cD5fG6h';
const STS =
  'CAIS8wF1q6Ft5B2yfSjIr5bXLdn3vuZ5ww5VhQmDjHnS9NP2RRbqmoxhKAs5WEO0FYnGgcdFW8s8iHJ2VGhAjEKdB9vQDU3GZD1FrJaplv0bDuHa2xCvFRGAquw0ZcSN2';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6InpoYW5nLnNhbiJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

/** One example per credential form (CREDENTIAL_FORMS ids), with the secret part that must not survive. */
const EXAMPLES: Record<string, { text: string; secret: string; keeps?: string }> = {
  jwt: { text: `token ${JWT} expired`, secret: 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', keeps: '[jwt]' },
  'sts-token': { text: `copied token:${STS}`, secret: STS.slice(4, 40), keeps: '[sts-token]' },
  'security-token': {
    text: `SecurityToken=CAIS_short_token_value&x=1 and "SecurityToken": "abcdEFGH12345678"`,
    secret: 'abcdEFGH12345678',
    keeps: 'SecurityToken',
  },
  'access-key-secret': {
    text: `AccessKeySecret=s3cr3tS3cr3tS3cr3tS3cr3tAbCd {"accessKeySecret":"Q1w2E3r4T5y6U7i8O9p0"}`,
    secret: 's3cr3tS3cr3t',
    keeps: 'AccessKeySecret=[redacted]',
  },
  signature: { text: `string to sign … Signature=${SIG} (not a URL)`, secret: SIG, keeps: 'Signature=[redacted]' },
  'signature-header': { text: `x-oss-signature: ${SIG}`, secret: SIG, keeps: 'x-oss-signature: [redacted]' },
  'authorization-ak-sig': {
    text: `Authorization: OSS ${AK}:${SIG}`,
    secret: SIG,
    keeps: 'Authorization: OSS LTAI',
  },
  bearer: { text: `Authorization: Bearer ${SIG}.x`, secret: SIG, keeps: 'Bearer [redacted]' },
};

describe('every credential form', () => {
  it('has an example here (a new form needs a test)', () => {
    expect(CREDENTIAL_FORMS.map((f) => f.id).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  for (const [id, ex] of Object.entries(EXAMPLES)) {
    it(`${id}: removed from free text`, () => {
      const out = redactText(ex.text);
      expect(out).not.toContain(ex.secret);
      if (ex.keeps) expect(out).toContain(ex.keeps);
    });
  }

  it('credential forms: Signature= and SecurityToken=CAIS… outside a URL', () => {
    expect(redactText(`Signature=${SIG}`)).toBe('Signature=[redacted]');
    expect(redactText(`SecurityToken=${STS}`)).toBe('SecurityToken=[redacted]');
    expect(redactText(`signature = "${SIG}"`)).toBe('signature = "[redacted]"');
    expect(redactText(`sign=${SIG}&t=1`)).not.toContain(SIG);
    // Not credentials: provider codes and prose keep their words.
    expect(redactText('SignatureDoesNotMatch: the signature does not match')).toBe(
      'SignatureDoesNotMatch: the signature does not match',
    );
    expect(redactText('Basic authentication failed; design=1')).toBe('Basic authentication failed; design=1');
  });

  it('x-oss-security-token values (header or query form, CAIS or not)', () => {
    for (const s of [
      `x-oss-security-token: ${STS}`,
      `x-oss-security-token=${STS}`,
      'x-oss-security-token: not-a-cais-token-1234567',
      'X-Acs-Security-Token:zzzzzzzzzz99',
    ]) {
      const out = redactText(s);
      expect(out, s).toMatch(/security-token\s*[:=]\s*\[redacted\]/i);
      expect(out).not.toMatch(/CAIS|not-a-cais|zzzz/);
    }
  });

  it('the signature in Authorization: OSS AK:sig (and acs, AWS); the id is masked to its last 4', () => {
    for (const scheme of ['OSS', 'acs', 'AWS']) {
      const out = redactText(`Authorization: ${scheme} ${AK}:${SIG}`);
      expect(out).toBe(`Authorization: ${scheme} LTAI${'*'.repeat(16)}OpQr:[redacted]`);
    }
    const v4 = redactText(
      `Authorization: OSS4-HMAC-SHA256 Credential=${AK}/20231112/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=host, Signature=${SIG}`,
    );
    expect(v4).not.toContain(SIG);
    expect(v4).not.toContain(AK);
  });

  it('JWTs anywhere, glued or not', () => {
    expect(redactText(`Bearer${JWT}`)).not.toContain('eyJzdWIi');
    expect(redactText(`"id_token":"${JWT}"`)).toBe('"id_token":"[jwt]"');
  });

  it('LTAI… keys glued to other text', () => {
    for (const s of [`key${AK}`, `${AK}_backup`, `ak:${AK}`, `我的密钥${AK}不见了`, `x${AK}y`, `<Id>${AK}</Id>`]) {
      const out = redactCredentials(s);
      expect(out, s).not.toContain('AbCdEfGhIjKl');
      expect(out).toMatch(/LTAI\*+/);
    }
    expect(redactCredentials('STS.NUabcdefgh1234')).not.toContain('NUabcdefgh');
    // Words that merely contain the letters are left alone.
    expect(redactCredentials('ALTAIR DELTAIC LTAI')).toBe('ALTAIR DELTAIC LTAI');
  });
});

describe('personal path segments', () => {
  it('/users/zhang.san/passport-scan.jpg', () => {
    expect(shapePersonalPath('/users/zhang.san/passport-scan.jpg')).toBe('/users/{user}/{file}.jpg');
    expect(redactPath('/users/zhang.san/passport-scan.jpg?Signature=x')).toBe('/users/{user}/{file}.jpg');
  });

  it('names, non-Latin text and personal documents; ordinary paths kept', () => {
    expect(shapePersonalPath('/photos/zhang.san/a.png')).toBe('/photos/{name}/a.png');
    expect(shapePersonalPath('/docs/%E5%BC%A0%E4%B8%89%E7%9A%84%E6%8A%A4%E7%85%A7.png')).toBe('/docs/{text}.png');
    expect(shapePersonalPath('/share/张三.pdf')).toBe('/share/{text}.pdf');
    expect(shapePersonalPath('/upload/resume_2024.pdf')).toBe('/upload/{file}.pdf');
    expect(shapePersonalPath('/a/ID-card-front.jpeg')).toBe('/a/{file}.jpeg');
    expect(shapePersonalPath('/~wangwu/index.html')).toBe('/~{user}/index.html');
    expect(shapePersonalPath('/members/{n}/orders')).toBe('/members/{n}/orders');
    for (const p of [
      '/mtb/lib-mtop/2.6.1/mtop.js',
      '/libs/jquery.min.js',
      '/imgextra/i4/{n}/{id}.jpg_q90.jpg',
      '/h5/mtop.taobao.detail.getdetail/6.0/',
      '/server/region/cn-hangzhou',
      '/js/syntax-highlight.js',
      '/',
    ])
      expect(shapePersonalPath(p), p).toBe(p);
  });
});

describe('the export, all three formats', () => {
  const leaky: RequestOutcome = {
    t: FIXTURE_NOW - 60_000,
    ms: 37,
    host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
    service: 'oss',
    path: '/users/zhang.san/passport-scan.jpg',
    type: 'image',
    method: 'GET',
    status: 403,
    kind: 'http.4xx',
    phase: 'application',
    code: `InvalidAccessKeyId key${AK}`,
    error: `x-oss-security-token: ${STS}`,
    ids: { ossRequestId: '6550A8F3E1B2C3D4E5F60799', acsRequestId: `Signature=${SIG}` },
    redirectTo: `login.aliyun.com/users/zhang.san/passport-scan.jpg`,
    source: 'browser',
  };
  const state: PopupState = structuredClone(FIXTURES.provider);
  state.recentFailures = [leaky, ...state.recentFailures];
  state.diagnosis.evidence[0]!.text = { key: 'no_such_key_shows_its_args', args: [JWT] };
  const note = [
    `Authorization: OSS ${AK}:${SIG}`,
    `Signature=${SIG} SecurityToken=${STS}`,
    `x-oss-security-token: ${STS}`,
    `session ${JWT}`,
    `ak:key${AK}`,
    'file: https://b.oss-cn-hangzhou.aliyuncs.com/users/zhang.san/passport-scan.jpg',
  ].join('\n');
  const r = buildReport(state, {
    lang: 'en',
    userNote: note,
    browser: 'Chrome 156.0',
    now: FIXTURE_NOW,
    text: (x) => `${x.key} ${(x.args ?? []).join(' ')}`,
  });
  const har = JSON.stringify(sanitizedHar(state.recentFailures, '0.1.0', state.history));

  for (const [name, s] of [
    ['markdown', r.markdown],
    ['json', r.json],
    ['har', har],
  ] as const) {
    it(`${name}: no signature, STS token, JWT, AccessKeyId or personal path segment survives`, () => {
      expect(s).not.toContain(SIG);
      expect(s).not.toContain(STS.slice(4, 30));
      expect(s).not.toContain('SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
      expect(s).not.toContain('eyJzdWIi');
      expect(s).not.toContain(AK);
      expect(s).not.toContain('AbCdEfGhIjKl');
      expect(s).not.toContain('zhang.san');
      expect(s).not.toContain('passport-scan');
      expect(s).toContain('{user}');
      expect(s).toContain('6550A8F3E1B2C3D4E5F60799');
    });
  }
});

describe('the export says how the local history is doing', () => {
  const mk = (history: PopupState['history']) => {
    const st: PopupState = { ...structuredClone(FIXTURES.healthy), history };
    return buildReport(st, { lang: 'en', userNote: '', browser: 'x', now: FIXTURE_NOW });
  };

  it('dropped events and memory-only storage, in JSON, Markdown and HAR', () => {
    const r = mk({ storage: 'memory', dropped: 1234 });
    expect(r.data.history).toMatchObject({ storage: 'memory', droppedEvents: 1234 });
    expect(r.markdown).toMatch(/Local history\*\*: in memory only .*; 1234 events dropped/);
    const ok = mk({ storage: 'indexeddb', dropped: 0 });
    expect(ok.data.history).toMatchObject({ storage: 'indexeddb', droppedEvents: 0 });
    expect(ok.markdown).not.toContain('dropped');
    const har = sanitizedHar([], '0.1.0', { storage: 'indexeddb', dropped: 7 });
    expect(har.log._faultline).toEqual({ historyStorage: 'indexeddb', droppedEvents: 7 });
  });

  it('in Simplified Chinese too', () => {
    const st: PopupState = { ...structuredClone(FIXTURES.healthy), history: { storage: 'memory', dropped: 3 } };
    const r = buildReport(st, { lang: 'zh_CN', userNote: '', browser: 'x', now: FIXTURE_NOW });
    expect(r.markdown).toContain('本地历史');
    expect(r.markdown).toContain('丢弃了 3 条记录');
  });
});

describe('AccessKeyId masking', () => {
  it('masks ids in free text, keeping the last 4 characters', () => {
    const s = redactCredentials('<OSSAccessKeyId>LTAI5tAbCdEfGhIjKlMnOpQr</OSSAccessKeyId> and STS.NUabcdefgh1234');
    expect(s).not.toContain('LTAI5tAbCdEfGhIjKlMn');
    expect(s).toContain('OpQr');
    expect(s).not.toContain('NUabcdefgh');
  });
});
