import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  DEFAULT_CONTROL_SITES,
  RETENTION_MAX,
  RETENTION_MIN,
  SETTINGS_VERSION,
  defaults,
  migrate,
  normalizeDomain,
  normalizeUrl,
  originPatternsFor,
  update,
} from '../../src/core/settings';

describe('settings defaults', () => {
  it('crowd mode is off by default and the control sites are the four defaults', () => {
    expect(DEFAULTS.crowdEnabled).toBe(false);
    expect(DEFAULTS.lang).toBe('auto');
    expect(DEFAULTS.controlSites).toEqual([
      'https://www.baidu.com/favicon.ico',
      'https://www.qq.com/favicon.ico',
      'https://www.163.com/favicon.ico',
      'https://www.bing.com/favicon.ico',
    ]);
    expect(DEFAULTS.version).toBe(SETTINGS_VERSION);
    expect(DEFAULTS.notifications).toBe(true);
    expect(DEFAULTS.statusChecks).toBe(true);
  });

  it('defaults() is a fresh copy', () => {
    const a = defaults();
    a.controlSites.push('https://x.example/');
    a.extraDomains.push('x.example');
    expect(defaults().controlSites).toEqual([...DEFAULT_CONTROL_SITES]);
    expect(defaults().extraDomains).toEqual([]);
  });
});

describe('migrate', () => {
  it('nothing or garbage stored → defaults', () => {
    for (const x of [undefined, null, 3, 'x', [], true]) expect(migrate(x)).toEqual(defaults());
  });

  it('a valid v1 value survives unchanged', () => {
    const v1 = {
      version: 1,
      lang: 'zh_CN',
      crowdEnabled: true,
      crowdChosen: true,
      collectorUrl: 'https://c.example.org/v1/reports',
      teamKey: 'team-key-0123456789abcdef',
      extraDomains: ['example.com'],
      controlSites: ['https://www.bing.com/favicon.ico'],
      retentionDays: 30,
      notifications: false,
      statusChecks: false,
      dnsChecks: true,
    };
    expect(migrate(v1)).toEqual(v1);
    expect(migrate(JSON.parse(JSON.stringify(v1)))).toEqual(v1);
  });

  it('reads an unversioned or newer object field by field as v1 (v1 is the first shape that shipped)', () => {
    const s = migrate({ lang: 'zh-CN', retentionDays: 14, language: 'en-US', keepDays: 3 });
    expect(s.version).toBe(1);
    expect(s.lang).toBe('zh_CN');
    expect(s.retentionDays).toBe(14);
    expect(s).not.toHaveProperty('language');
    expect(s).not.toHaveProperty('keepDays');
    expect(migrate({ version: 7, notifications: false, future: true })).toEqual({
      ...defaults(),
      notifications: false,
    });
  });

  it('clamps and validates', () => {
    expect(migrate({ version: 1, retentionDays: 0 }).retentionDays).toBe(RETENTION_MIN);
    expect(migrate({ version: 1, retentionDays: 10_000 }).retentionDays).toBe(RETENTION_MAX);
    expect(migrate({ version: 1, retentionDays: 'NaN' }).retentionDays).toBe(DEFAULTS.retentionDays);
    expect(migrate({ version: 1, retentionDays: '12' }).retentionDays).toBe(12);
    expect(migrate({ version: 1, retentionDays: 2.6 }).retentionDays).toBe(3);
    expect(migrate({ version: 1, lang: 'fr' }).lang).toBe('auto');
    expect(migrate({ version: 1, crowdEnabled: 'yes' }).crowdEnabled).toBe(false);
    // http collector only for localhost; no javascript:, no credentials.
    expect(migrate({ version: 1, collectorUrl: 'http://evil.example/r' }).collectorUrl).toBe(DEFAULTS.collectorUrl);
    expect(migrate({ version: 1, collectorUrl: 'javascript:alert(1)' }).collectorUrl).toBe(DEFAULTS.collectorUrl);
    expect(migrate({ version: 1, collectorUrl: 'https://u:p@x.example/' }).collectorUrl).toBe(DEFAULTS.collectorUrl);
    expect(migrate({ version: 1, collectorUrl: 'http://127.0.0.1:8787/v1/reports' }).collectorUrl).toBe(
      'http://127.0.0.1:8787/v1/reports',
    );
    // domains: deduped, invalid dropped, capped
    const many = Array.from({ length: 80 }, (_, i) => `d${i}.example.com`);
    const s = migrate({ version: 1, extraDomains: ['a.com', 'A.com', 'not a domain', 'localhost', '', 7, ...many] });
    expect(s.extraDomains[0]).toBe('a.com');
    expect(s.extraDomains).not.toContain('localhost');
    expect(s.extraDomains.length).toBe(50);
    expect(new Set(s.extraDomains).size).toBe(s.extraDomains.length);
    // control sites: only http(s) URLs
    expect(
      migrate({ version: 1, controlSites: ['ftp://x.example/', 'https://www.qq.com/favicon.ico'] }).controlSites,
    ).toEqual(['https://www.qq.com/favicon.ico']);
    // an explicitly empty list stays empty (user removed all)
    expect(migrate({ version: 1, controlSites: [] }).controlSites).toEqual([]);
  });

  it('a newer version is read as v1, unknown fields dropped', () => {
    const s = migrate({ version: 7, lang: 'en', futureThing: 1 });
    expect(s.lang).toBe('en');
    expect(s.version).toBe(1);
    expect('futureThing' in s).toBe(false);
  });

  it('update re-validates', () => {
    const s = update(defaults(), { retentionDays: -5, extraDomains: ['Yuque.com', 'bad_domain'] });
    expect(s.retentionDays).toBe(RETENTION_MIN);
    expect(s.extraDomains).toEqual(['yuque.com']);
  });
});

describe('helpers', () => {
  it('normalizeDomain', () => {
    expect(normalizeDomain('https://Www.Example.com:8080/x?y')).toBe('www.example.com');
    expect(normalizeDomain('*.example.com')).toBe('example.com');
    expect(normalizeDomain('example')).toBeNull();
    expect(normalizeDomain('ex ample.com')).toBeNull();
    expect(normalizeDomain('1.2.3.4')).toBeNull();
  });
  it('normalizeUrl', () => {
    expect(normalizeUrl('https://x.example/a')).toBe('https://x.example/a');
    expect(normalizeUrl('http://localhost:3000/')).toBe('http://localhost:3000/');
    expect(normalizeUrl('http://x.example/')).toBeNull();
    expect(normalizeUrl('http://x.example/', { httpLocalOnly: false })).toBe('http://x.example/');
  });
  it('originPatternsFor', () => {
    expect(originPatternsFor('example.com')).toEqual(['*://*.example.com/*']);
  });
});
