/**
 * Fixture PopupStates, one per verdict, for the mock connector, the screenshot gallery and unit tests.
 * Pure data (no browser API). The provider fixture has the shape of 2023-11-12 (AccessKey service rejecting
 * valid keys across services, 17:39 Beijing time), with the request ids a support ticket needs.
 */
import type { PopupState } from '../core/messages';
import type { CrowdService, CrowdState, ServiceCrowdStatus } from '../core/crowd/protocol';
import type { Diagnosis, Evidence, RequestOutcome, ServiceSummary, Verdict } from '../core/types';

/** 2023-11-12 18:05:00 Beijing time (10:05 UTC): 26 minutes into the incident. */
export const FIXTURE_NOW = Date.UTC(2023, 10, 12, 10, 5, 0);
const MIN = 60_000;
const HOUR_START = FIXTURE_NOW - 60 * MIN;
/** 17:39 Beijing time. */
const INCIDENT_START = Date.UTC(2023, 10, 12, 9, 39, 0);

/**
 * Texts the fixtures use that the engine's locale keys may not define (yet). The popup resolves a key from
 * MESSAGES first and falls back to this table only in the mock/gallery.
 */
export const FIXTURE_TEXTS: Record<string, { en: string; zh_CN: string }> = {
  advice_retry_after: { en: 'Then check again.', zh_CN: '然后重新检测。' },
};

function timeline(failAt: (i: number) => number, reqAt: (i: number) => number): PopupState['timeline'] {
  const failures: number[] = [];
  const requests: number[] = [];
  for (let i = 0; i < 60; i++) {
    const r = reqAt(i);
    requests.push(r);
    failures.push(Math.min(r, failAt(i)));
  }
  return { start: HOUR_START, bucketMs: MIN, failures, requests };
}

const svc = (
  id: ServiceSummary['id'],
  state: ServiceSummary['state'],
  requests: number,
  failures: number,
  hosts: string[],
  lastFailure?: number,
): ServiceSummary => ({
  id,
  state,
  requests,
  failures,
  hosts,
  ...(lastFailure !== undefined ? { lastFailure } : {}),
});

// ---- provider: auth-service, 2023-11-12 ----
const providerOutcomes: RequestOutcome[] = [
  {
    t: FIXTURE_NOW - 2 * MIN,
    ms: 48,
    host: 'my-bucket.oss-cn-hangzhou.aliyuncs.com',
    service: 'oss',
    path: '/photos/{id}.jpg',
    type: 'xhr',
    method: 'PUT',
    status: 403,
    kind: 'http.4xx',
    phase: 'application',
    code: 'InvalidAccessKeyId',
    ids: { ossRequestId: '6550A8F3E1B2C3D4E5F60718', ossEc: '0002-00000902' },
    source: 'browser',
  },
  {
    t: FIXTURE_NOW - 3 * MIN,
    ms: 112,
    host: 'ecs.cn-hangzhou.aliyuncs.com',
    service: 'openapi',
    path: '/',
    type: 'xhr',
    method: 'POST',
    status: 404,
    kind: 'http.4xx',
    phase: 'application',
    code: 'InvalidAccessKeyId.NotFound',
    ids: { acsRequestId: '4C2E1B7A-3D5F-5E8A-9B0C-1D2E3F4A5B6C' },
    source: 'browser',
  },
  {
    t: FIXTURE_NOW - 5 * MIN,
    ms: 230,
    host: 'ecs.console.aliyun.com',
    service: 'console',
    path: '/api/instances',
    type: 'xhr',
    method: 'GET',
    status: 500,
    kind: 'http.5xx',
    phase: 'application',
    ids: { eagleEyeTraceId: '0b51f2a716997826412345678e1d2c', eagleId: '7ce3a51a16997826412345678e' },
    source: 'browser',
  },
];

const providerEvidence: Evidence[] = [
  {
    id: 'auth-onset',
    text: { key: 'evidence_auth_onset', args: [214, 'oss, openapi, console, login'] },
    count: 214,
    hosts: [
      'my-bucket.oss-cn-hangzhou.aliyuncs.com',
      'ecs.cn-hangzhou.aliyuncs.com',
      'ecs.console.aliyun.com',
      'account.aliyun.com',
    ],
    first: INCIDENT_START,
    last: FIXTURE_NOW - 2 * MIN,
    ids: [
      { ossRequestId: '6550A8F3E1B2C3D4E5F60718', ossEc: '0002-00000902' },
      { acsRequestId: '4C2E1B7A-3D5F-5E8A-9B0C-1D2E3F4A5B6C' },
    ],
  },
  {
    id: 'server-5xx',
    text: { key: 'evidence_server_5xx', args: [23, 'ecs.console.aliyun.com'] },
    count: 23,
    hosts: ['ecs.console.aliyun.com'],
    first: INCIDENT_START + 3 * MIN,
    last: FIXTURE_NOW - 5 * MIN,
    ids: [{ eagleEyeTraceId: '0b51f2a716997826412345678e1d2c', eagleId: '7ce3a51a16997826412345678e' }],
  },
  {
    id: 'control-ok',
    text: { key: 'evidence_control_ok', args: [4, 'www.baidu.com, www.qq.com'] },
    count: 4,
    hosts: ['www.baidu.com', 'www.qq.com'],
    first: FIXTURE_NOW - 4 * MIN,
    last: FIXTURE_NOW - MIN,
  },
];

const providerDiagnosis: Diagnosis = {
  verdict: 'provider',
  cause: 'auth-service',
  since: INCIDENT_START,
  at: FIXTURE_NOW,
  services: [
    svc('console', 'failing', 96, 71, ['ecs.console.aliyun.com', 'home.console.aliyun.com'], FIXTURE_NOW - 5 * MIN),
    svc('openapi', 'failing', 40, 38, ['ecs.cn-hangzhou.aliyuncs.com'], FIXTURE_NOW - 3 * MIN),
    svc('oss', 'failing', 120, 88, ['my-bucket.oss-cn-hangzhou.aliyuncs.com'], FIXTURE_NOW - 2 * MIN),
    svc('login', 'degraded', 30, 9, ['account.aliyun.com'], FIXTURE_NOW - 6 * MIN),
    svc('cdn', 'degraded', 210, 8, ['img.alicdn.com'], FIXTURE_NOW - 8 * MIN),
    svc('drive', 'ok', 12, 0, ['www.alipan.com']),
    svc('dingtalk', 'idle', 0, 0, []),
  ],
  evidence: providerEvidence,
  advice: [
    { id: 'auth-service', text: { key: 'advice_auth_service' }, action: 'open-status' },
    { id: 'copy-report', text: { key: 'advice_copy_report' }, action: 'copy-report' },
  ],
};

// ---- user: blocked-by-extension ----
const userDiagnosis: Diagnosis = {
  verdict: 'user',
  cause: 'blocked-by-extension',
  since: FIXTURE_NOW - 12 * MIN,
  at: FIXTURE_NOW,
  services: [
    svc('shopping', 'ok', 64, 0, ['www.taobao.com', 'detail.tmall.com']),
    svc('cdn', 'failing', 140, 57, ['img.alicdn.com', 'g.alicdn.com'], FIXTURE_NOW - MIN),
    svc('mtop', 'ok', 33, 0, ['h5api.m.taobao.com']),
    svc('login', 'ok', 4, 0, ['login.taobao.com']),
  ],
  evidence: [
    {
      id: 'blocked',
      text: { key: 'evidence_blocked', args: [57, 'img.alicdn.com, g.alicdn.com'] },
      count: 57,
      hosts: ['img.alicdn.com', 'g.alicdn.com'],
      first: FIXTURE_NOW - 12 * MIN,
      last: FIXTURE_NOW - MIN,
    },
    {
      id: 'control-ok',
      text: { key: 'evidence_control_ok', args: [12, 'www.baidu.com, www.bing.com'] },
      count: 12,
      hosts: ['www.baidu.com', 'www.bing.com'],
      first: FIXTURE_NOW - 10 * MIN,
      last: FIXTURE_NOW - MIN,
    },
  ],
  advice: [
    { id: 'blocked-extension', text: { key: 'advice_blocked_extension' } },
    { id: 'retry-after', text: { key: 'advice_retry_after' }, action: 'retry' },
  ],
};

const userOutcomes: RequestOutcome[] = [
  {
    t: FIXTURE_NOW - MIN,
    host: 'img.alicdn.com',
    service: 'cdn',
    path: '/imgextra/i1/{n}/{id}.jpg',
    type: 'image',
    method: 'GET',
    status: 0,
    error: 'net::ERR_BLOCKED_BY_CLIENT',
    kind: 'blocked.extension',
    phase: 'client',
    source: 'browser',
  },
];

// ---- healthy ----
const healthyDiagnosis: Diagnosis = {
  verdict: 'healthy',
  cause: 'none',
  since: null,
  at: FIXTURE_NOW,
  services: [
    svc('console', 'ok', 52, 0, ['home.console.aliyun.com']),
    svc('oss', 'ok', 18, 0, ['my-bucket.oss-cn-hangzhou.aliyuncs.com']),
    svc('cdn', 'ok', 230, 0, ['img.alicdn.com']),
    svc('shopping', 'ok', 41, 0, ['www.taobao.com']),
    svc('docs', 'idle', 0, 0, []),
    svc('dingtalk', 'idle', 0, 0, []),
  ],
  evidence: [
    {
      id: 'traffic',
      text: { key: 'evidence_traffic', args: [341, 0] },
      count: 341,
      hosts: ['img.alicdn.com', 'home.console.aliyun.com'],
      first: HOUR_START + 2 * MIN,
      last: FIXTURE_NOW - MIN,
    },
  ],
  advice: [],
};

// ---- unclear ----
const unclearDiagnosis: Diagnosis = {
  verdict: 'unclear',
  cause: 'insufficient-evidence',
  since: FIXTURE_NOW - 4 * MIN,
  at: FIXTURE_NOW,
  services: [
    svc('docs', 'degraded', 9, 2, ['www.yuque.com'], FIXTURE_NOW - 4 * MIN),
    svc('cdn', 'ok', 20, 0, ['cdn.nlark.com']),
  ],
  evidence: [
    {
      id: 'watched-failing',
      text: { key: 'evidence_watched_failing', args: [2, 'www.yuque.com'] },
      count: 2,
      hosts: ['www.yuque.com'],
      first: FIXTURE_NOW - 4 * MIN,
      last: FIXTURE_NOW - 3 * MIN,
    },
    {
      id: 'few-requests',
      text: { key: 'evidence_few_requests', args: [29] },
      count: 29,
      hosts: ['www.yuque.com', 'cdn.nlark.com'],
      first: FIXTURE_NOW - 9 * MIN,
      last: FIXTURE_NOW - 3 * MIN,
    },
  ],
  advice: [{ id: 'unclear', text: { key: 'advice_unclear' }, action: 'retry' }],
};

const INC = 60 - (FIXTURE_NOW - INCIDENT_START) / MIN; // bucket index of 17:39

// ---- crowd mode: the provider fixture has it on, with the 2023-11-12 spike; the others have it off ----
const CROWD_OFF: NonNullable<PopupState['crowd']> = { enabled: false, services: [] };
const crowdRow = (
  service: CrowdService,
  voters15: number,
  baseline15: number,
  state: CrowdState,
): ServiceCrowdStatus => ({
  service,
  state,
  reports: { m5: Math.ceil(voters15 / 2), m15: voters15, m60: voters15 },
  voters15,
  voters60: voters15,
  networks15: voters15,
  baseline15,
  baselineNetworks15: baseline15,
  perMinute: Array.from({ length: 60 }, (_, i) => (i >= 45 ? Math.round(voters15 / 15) : 0)),
  byPhase15: voters15 ? { application: voters15 } : {},
  byVerdict15: voters15 ? { provider: voters15 } : {},
});
const providerCrowd: NonNullable<PopupState['crowd']> = {
  enabled: true,
  services: [
    crowdRow('console', 96, 2.4, 'outage'),
    crowdRow('openapi', 41, 0.6, 'outage'),
    crowdRow('oss', 127, 1.5, 'outage'),
    crowdRow('login', 12, 3, 'elevated'),
    crowdRow('cdn', 3, 4.2, 'normal'),
    crowdRow('drive', 0, 0.2, 'normal'),
    crowdRow('dingtalk', 1, 0.8, 'normal'),
  ],
};

export const FIXTURES: Record<Verdict, PopupState> = {
  provider: {
    diagnosis: providerDiagnosis,
    timeline: timeline(
      (i) => (i < INC ? (i % 17 === 5 ? 1 : 0) : Math.min(14, 4 + (i - INC) * 2)),
      (i) => 16 + ((i * 7) % 5),
    ),
    recentFailures: providerOutcomes,
    stored: 2412,
    extensionVersion: '0.1.0',
    crowd: providerCrowd,
    // 2023-11-12: the status page still said "normal" when Faultline had already seen the outage.
    official: { state: 'normal', checkedAt: FIXTURE_NOW - 60_000, events: [], lagMs: null },
  },
  user: {
    diagnosis: userDiagnosis,
    timeline: timeline(
      (i) => (i >= 48 ? 4 + (i % 3) : 0),
      () => 9,
    ),
    recentFailures: userOutcomes,
    stored: 680,
    extensionVersion: '0.1.0',
    crowd: CROWD_OFF,
  },
  healthy: {
    diagnosis: healthyDiagnosis,
    timeline: timeline(
      () => 0,
      (i) => 4 + (i % 4),
    ),
    recentFailures: [],
    stored: 341,
    extensionVersion: '0.1.0',
    crowd: CROWD_OFF,
  },
  unclear: {
    diagnosis: unclearDiagnosis,
    timeline: timeline(
      (i) => (i === 56 || i === 57 ? 1 : 0),
      (i) => (i > 50 ? 3 : 0),
    ),
    recentFailures: [],
    stored: 29,
    extensionVersion: '0.1.0',
    crowd: CROWD_OFF,
  },
};

/** More shapes, for views a verdict fixture does not reach (e.g. the clear-cookies confirm step). */
export const EXTRA_FIXTURES: Record<string, PopupState> = {
  'cookies-blocked': {
    ...FIXTURES.user,
    diagnosis: {
      verdict: 'user',
      cause: 'cookies-blocked',
      since: FIXTURE_NOW - 6 * MIN,
      at: FIXTURE_NOW,
      services: [
        svc('login', 'failing', 24, 20, ['login.taobao.com'], FIXTURE_NOW - MIN),
        svc('shopping', 'ok', 30, 0, ['www.taobao.com']),
      ],
      evidence: [
        {
          id: 'redirect-loop',
          text: { key: 'evidence_redirect_loop', args: ['login.taobao.com → www.taobao.com', 20] },
          count: 1,
          hosts: ['login.taobao.com', 'www.taobao.com'],
          first: FIXTURE_NOW - 6 * MIN,
          last: FIXTURE_NOW - MIN,
        },
        {
          id: 'cookies-not-returned',
          text: { key: 'evidence_cookies_not_returned' },
          count: 1,
          hosts: ['login.taobao.com'],
          first: FIXTURE_NOW - MIN,
          last: FIXTURE_NOW - MIN,
        },
      ],
      advice: [{ id: 'cookies-blocked', text: { key: 'advice_cookies_blocked' }, action: 'clear-cookies' }],
    },
  },
};
