/** Shared builders for the engine tests: outcomes at second offsets from the 2023-11-12 onset, control hosts. */
import { serviceOf } from '../../src/core/catalogue/match';
import { classify } from '../../src/core/taxonomy/browser-errors';
import type { RequestOutcome } from '../../src/core/types';
import { pathShape } from '../../src/core/url/url-shape';

export const T0 = Date.parse('2023-11-12T09:39:00Z');
export const CONTROL: Record<string, true> = { 'www.baidu.com': true, 'www.qq.com': true };
export function o(host: string, p: Partial<RequestOutcome> & { at?: number } = {}): RequestOutcome {
  const status = p.status ?? (p.error ? 0 : 200);
  const k = classify(status, p.error);
  const out: RequestOutcome = {
    t: T0 + (p.at ?? 0) * 1000,
    host,
    service: host in CONTROL ? null : (serviceOf(host) ?? 'site'),
    path: pathShape(p.path ?? '/x'),
    type: 'image',
    method: 'GET',
    status,
    kind: k.kind,
    phase: k.phase,
    source: 'browser',
    ...p,
  };
  delete (out as { at?: number }).at;
  return out;
}
export const n = <T>(k: number, f: (i: number) => T): T[] => Array.from({ length: k }, (_, i) => f(i));
export const okImgs = (k: number, at = 0) => n(k, (i) => o('img.alicdn.com', { at: at + i, path: `/i/${i}.jpg` }));
export const ctl = (k: number, at = 0, p: Partial<RequestOutcome> = {}) =>
  n(k, (i) => o(i % 2 ? 'www.qq.com' : 'www.baidu.com', { at: at + i, ...p }));
export const sec = (s: number) => T0 + s * 1000;

// ---- the live shapes of 2023-11-12 (no bodies): OSS with its EC, OpenAPI with its request id, one key ----------

const KEY = 'k1';
export const ossOk = (at: number, i = 0) =>
  o('photos.oss-cn-hangzhou.aliyuncs.com', {
    at,
    type: 'xhr',
    path: `/p/${i}.jpg`,
    keyTag: KEY,
    ids: { ossRequestId: `R${at}` },
  });
export const ossRefused = (at: number, ec = '0002-00000902') =>
  o('photos.oss-cn-hangzhou.aliyuncs.com', {
    at,
    type: 'xhr',
    path: '/p/1.jpg',
    status: 403,
    keyTag: KEY,
    ids: { ossRequestId: `R${at}`, ossEc: ec },
  });
export const apiOk = (at: number) =>
  o('ecs.cn-hangzhou.aliyuncs.com', { at, type: 'xhr', path: '/', keyTag: KEY, ids: { acsRequestId: `A-${at}` } });
export const apiRefused = (at: number, status = 404) =>
  o('ecs.cn-hangzhou.aliyuncs.com', {
    at,
    type: 'xhr',
    path: '/',
    status,
    keyTag: KEY,
    ids: { acsRequestId: `A-${at}` },
  });
