/**
 * The DNS check is a setting, off by default, and the code, docs/active-checks.md and the README say the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, migrate, update, defaults } from '../../src/core/settings';
import { DEFAULT_DOH_RESOLVER, DNS_CHECK_ORIGINS, probeSettingsOf } from '../../src/core/probes';

const read = (p: string) => readFileSync(join(__dirname, '../..', p), 'utf8');
/** Markdown wraps lines: compare with single spaces. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('DNS check setting', () => {
  it('is off by default, kept when on, and a settings value without it (older versions) reads as off', () => {
    expect(DEFAULTS.dnsChecks).toBe(false);
    expect(migrate({ version: 1, statusChecks: true }).dnsChecks).toBe(false);
    expect(migrate({ version: 1, dnsChecks: 'yes' }).dnsChecks).toBe(false);
    expect(update(defaults(), { dnsChecks: true }).dnsChecks).toBe(true);
  });

  it('decides whether the probes ask the resolver at all', () => {
    expect(probeSettingsOf(defaults()).dohResolver).toBe('');
    expect(probeSettingsOf({ ...defaults(), dnsChecks: true }).dohResolver).toBe(DEFAULT_DOH_RESOLVER);
    expect(probeSettingsOf({ ...defaults(), statusChecks: false }).statusPage).toBe(false);
    expect(DNS_CHECK_ORIGINS).toEqual(['https://doh.pub/*']);
  });

  it('docs/active-checks.md and the README describe it the same way: a setting, off by default, DNSPod, doh.pub', () => {
    const docs = flat(read('docs/active-checks.md'));
    const readme = flat(read('README.md'));
    for (const [name, text] of [
      ['docs/active-checks.md', docs],
      ['README.md', readme],
    ] as const) {
      expect(text, name).toMatch(/DNS check[^.]*off by default/i);
      expect(text, name).toContain('doh.pub');
      expect(text, name).toContain('Ask DNSPod about Alibaba hosts that do not resolve');
    }
    // The options label quoted in the docs is the one the options page shows.
    const en = JSON.parse(read('public/_locales/en/messages.json')) as Record<string, { message: string }>;
    expect(en.options_dns_checks!.message).toBe('Ask DNSPod about Alibaba hosts that do not resolve');
    // No document still says the check is always made.
    expect(docs).not.toMatch(/dns[^.\n]*(always|by default on)/i);
  });
});
