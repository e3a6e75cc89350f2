import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOMAINS, SERVICES } from '../../src/core/catalogue/services';
import {
  catalogueDomain,
  hostPermissions,
  isLoginHost,
  patternToRegExp,
  regionOf,
  serviceOf,
} from '../../src/core/catalogue/match';
import type { ServiceId } from '../../src/core/types';
import { REFERENCE, external } from '../corpus/paths';

const reference = external(REFERENCE);

describe('service catalogue data', () => {
  it('names every service in English and Simplified Chinese', () => {
    for (const s of SERVICES) {
      expect(s.en.trim(), s.id).not.toBe('');
      expect(s.zh, s.id).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('has no duplicate services, domains or host rules', () => {
    const ids = SERVICES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const domains = DOMAINS.map((d) => d.domain);
    expect(new Set(domains).size).toBe(domains.length);
    const rules = DOMAINS.flatMap((d) => d.rules.map((r) => r.pattern));
    expect(new Set(rules).size).toBe(rules.length);
  });

  it('only uses valid patterns that belong to their registrable domain', () => {
    const known = new Set<ServiceId>(SERVICES.map((s) => s.id));
    for (const d of DOMAINS) {
      expect(d.domain, 'registrable domain').toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
      expect(known.has(d.fallback), `${d.domain} fallback`).toBe(true);
      for (const r of d.rules) {
        expect(r.pattern, 'pattern syntax').toMatch(/^(\*\.)?[a-z0-9*-]+(\.[a-z0-9*-]+)*$/);
        expect(r.pattern.endsWith('.' + d.domain) || r.pattern === d.domain, `${r.pattern} under ${d.domain}`).toBe(
          true,
        );
        expect(known.has(r.service), r.pattern).toBe(true);
        expect(() => patternToRegExp(r.pattern)).not.toThrow();
        expect(r.src.length, `${r.pattern} has a source`).toBeGreaterThan(0);
      }
    }
  });

  it.skipIf(reference === null)('cites only sources that exist in the shared reference', () => {
    const ref = JSON.parse(readFileSync(reference!, 'utf8')) as { sources: Record<string, unknown> };
    for (const d of DOMAINS)
      for (const key of [...d.src, ...d.rules.flatMap((r) => r.src)])
        expect(Object.keys(ref.sources), key).toContain(key);
  });

  it.skipIf(reference === null)('covers every registrable domain of the shared reference', () => {
    const ref = JSON.parse(readFileSync(reference!, 'utf8')) as { domains: { domain: string }[] };
    const ours = new Set(DOMAINS.map((d) => d.domain));
    for (const d of ref.domains) expect(ours.has(d.domain), d.domain).toBe(true);
  });

  it('derives host permissions from the catalogue, one per domain', () => {
    const perms = hostPermissions();
    expect(perms).toHaveLength(DOMAINS.length);
    expect(perms).toContain('*://*.alicdn.com/*');
    for (const p of perms) expect(p).toMatch(/^\*:\/\/\*\.[a-z0-9.-]+\/\*$/);
  });
});

describe('host → service', () => {
  it.each<[string, ServiceId | null]>([
    ['img.alicdn.com', 'cdn'],
    ['gw.alicdn.com', 'cdn'],
    ['gtms03.alicdn.com', 'telemetry'],
    ['ecs.console.aliyun.com', 'console'],
    ['ram.console.aliyun.com', 'console'],
    ['account.aliyun.com', 'login'],
    ['signin.aliyun.com', 'login'],
    ['status.aliyun.com', 'status'],
    ['oss-cn-hangzhou.aliyuncs.com', 'oss'],
    ['my-bucket.oss-cn-hangzhou.aliyuncs.com', 'oss'],
    ['ecs.cn-hangzhou.aliyuncs.com', 'openapi'],
    ['alidns.aliyuncs.com', 'openapi'],
    ['registry.cn-hangzhou.aliyuncs.com', 'registry'],
    ['myinst-registry.cn-hangzhou.cr.aliyuncs.com', 'registry'],
    ['abc123.mirror.aliyuncs.com', 'registry'],
    ['h5api.m.taobao.com', 'mtop'],
    ['login.taobao.com', 'login'],
    ['www.taobao.com', 'shopping'],
    ['item.taobao.com', 'shopping'],
    ['detail.tmall.com', 'shopping'],
    ['pass.tmall.com', 'login'],
    ['h5api.m.1688.com', 'mtop'],
    ['log.mmstat.com', 'telemetry'],
    ['www.yuque.com', 'docs'],
    ['cdn.nlark.com', 'cdn'],
    ['www.alipan.com', 'drive'],
    ['auth.alipan.com', 'login'],
    ['api.dingtalk.com', 'dingtalk'],
    ['login.dingtalk.com', 'login'],
    ['WWW.TAOBAO.COM', 'shopping'],
    ['www.baidu.com', null],
    ['notaliyun.com', null],
    ['aliyun.com.evil.example', null],
    ['localhost', null],
  ])('%s → %s', (host, service) => {
    expect(serviceOf(host)).toBe(service);
  });

  it('finds the registrable domain by suffix, never by substring', () => {
    expect(catalogueDomain('a.b.img.alicdn.com')).toBe('alicdn.com');
    expect(catalogueDomain('xalicdn.com')).toBeNull();
  });

  it('knows login hosts', () => {
    expect(isLoginHost('login.taobao.com')).toBe(true);
    expect(isLoginHost('havanalogin.taobao.com')).toBe(true);
    expect(isLoginHost('passport.goofish.com')).toBe(true);
    expect(isLoginHost('www.taobao.com')).toBe(false);
    expect(isLoginHost('login.example.com')).toBe(false);
  });

  it.each([
    ['oss-cn-hangzhou.aliyuncs.com', 'cn-hangzhou'],
    ['bucket.oss-ap-southeast-1.aliyuncs.com', 'ap-southeast-1'],
    ['oss-cn-beijing-internal.aliyuncs.com', 'cn-beijing'],
    ['ecs.us-west-1.aliyuncs.com', 'us-west-1'],
    ['img.alicdn.com', null],
  ])('region of %s is %s', (host, region) => {
    expect(regionOf(host)).toBe(region);
  });
});
