/**
 * Set-up that exists: no invented collector, enterprise policy laid over the user's settings and locked, the
 * schema Chrome validates against shipped identical to the code's, and the options page free of test fixtures.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANAGED_SCHEMA, crowdActive, effectiveSettings, locksOf, parsePolicy } from '../../src/core/policy';
import { DEFAULTS, DEFAULT_CONTROL_SITES, defaults, migrate, update } from '../../src/core/settings';
import { buildManifest } from '../../manifest.config';

const ROOT = join(__dirname, '../..');

describe('no default collector', () => {
  it('a fresh install has no collector address and crowd mode off', () => {
    expect(DEFAULTS.collectorUrl).toBe('');
    expect(DEFAULTS.teamKey).toBe('');
    expect(DEFAULTS.crowdEnabled).toBe(false);
    expect(crowdActive(DEFAULTS)).toBe(false);
    expect(crowdActive({ crowdEnabled: true, collectorUrl: '' })).toBe(false); // on, but nowhere to send
    expect(migrate({ version: 1, crowdEnabled: true }).collectorUrl).toBe('');
    expect(update(defaults(), { collectorUrl: '' }).collectorUrl).toBe('');
  });

  it('no collector address is written into the extension source', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|json)$/.test(n)) files.push(p);
      }
    };
    walk(join(ROOT, 'src'));
    const hits = files.filter((f) => /https?:\/\/[a-z0-9.-]*faultline\.dev/i.test(readFileSync(f, 'utf8')));
    expect(hits.map((f) => relative(ROOT, f))).toEqual([]);
  });
});

describe('enterprise policy', () => {
  it('keeps what is valid and drops the rest, entry by entry', () => {
    expect(parsePolicy(undefined)).toEqual({});
    expect(parsePolicy('x')).toEqual({});
    expect(
      parsePolicy({
        collectorUrl: 'https://collector.corp.example/',
        teamKey: 'corp-key-0123456789abcdef',
        crowdMode: 'forced',
        extraDomains: ['Shop.Example.com', 'not a domain', 'shop.example.com'],
        controlSites: ['https://intranet.corp.example/favicon.ico', 'javascript:alert(1)'],
        unknown: 1,
      }),
    ).toEqual({
      collectorUrl: 'https://collector.corp.example/',
      teamKey: 'corp-key-0123456789abcdef',
      crowdMode: 'forced',
      extraDomains: ['shop.example.com'],
      controlSites: ['https://intranet.corp.example/favicon.ico'],
    });
    expect(
      parsePolicy({ collectorUrl: 'http://collector.corp.example/', crowdMode: 'always', teamKey: 'a b' }),
    ).toEqual({});
  });

  it('lays the policy over the user: managed values win; crowdMode on is a default the user may change', () => {
    const user = { ...defaults(), collectorUrl: 'https://mine.example/', extraDomains: ['mine.example.com'] };
    const forced = effectiveSettings(user, { crowdMode: 'forced', collectorUrl: 'https://corp.example/' });
    expect(forced).toMatchObject({ crowdEnabled: true, collectorUrl: 'https://corp.example/' });
    expect(effectiveSettings({ ...user, crowdEnabled: true }, { crowdMode: 'off' }).crowdEnabled).toBe(false);
    expect(effectiveSettings(user, { crowdMode: 'on' }).crowdEnabled).toBe(true);
    const optedOut = { ...user, crowdEnabled: false, crowdChosen: true };
    expect(effectiveSettings(optedOut, { crowdMode: 'on' }).crowdEnabled).toBe(false);
    const merged = effectiveSettings(user, {
      extraDomains: ['corp.example.com'],
      controlSites: ['https://x.example/a'],
    });
    expect(merged.extraDomains).toEqual(['corp.example.com', 'mine.example.com']);
    expect(merged.controlSites).toEqual(['https://x.example/a']);
    expect(effectiveSettings(user, {}).controlSites).toEqual([...DEFAULT_CONTROL_SITES]);
    expect(effectiveSettings(user, {})).toEqual(user);
  });

  it('says what is locked', () => {
    expect(locksOf({})).toEqual({
      collectorUrl: false,
      teamKey: false,
      crowdEnabled: false,
      controlSites: false,
      extraDomains: [],
    });
    expect(locksOf({ crowdMode: 'on' }).crowdEnabled).toBe(false);
    expect(locksOf({ crowdMode: 'forced', teamKey: 'k'.repeat(20), extraDomains: ['a.example'] })).toMatchObject({
      crowdEnabled: true,
      teamKey: true,
      extraDomains: ['a.example'],
    });
  });

  it('the shipped schema is the code’s, follows Chrome’s rules, and the Chrome manifest points at it', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'public/managed_schema.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(MANAGED_SCHEMA)));
    expect(shipped.type).toBe('object');
    expect(shipped.additionalProperties).toBeUndefined(); // Chrome refuses it at the top level
    for (const p of Object.values(shipped.properties) as { type: string }[]) expect(typeof p.type).toBe('string');
    expect(Object.keys(shipped.properties).sort()).toEqual(
      ['collectorUrl', 'controlSites', 'crowdMode', 'extraDomains', 'teamKey'].sort(),
    );
    expect((buildManifest('chrome') as { storage?: unknown }).storage).toEqual({
      managed_schema: 'managed_schema.json',
    });
    expect((buildManifest('firefox') as { storage?: unknown }).storage).toBeUndefined();
  });
});

describe('the product ships no test data', () => {
  it('no module under src/ imports from test/ (popup states and the mock connector live there)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(name)) {
          for (const m of readFileSync(p, 'utf8').matchAll(
            /^\s*(?:import|export)\b[^'";]*?['"](\.{1,2}\/[^'"]+)['"]/gm,
          )) {
            const target = relative(ROOT, resolve(dirname(p), m[1]!));
            if (target.startsWith('test')) offenders.push(`${relative(ROOT, p)} → ${target}`);
          }
        }
      }
    };
    walk(join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
