/**
 * Host → service lookup compiled once from the catalogue. O(labels) per host: a map from registrable domain to
 * its rules, literal hosts in a map, patterns as regexes tried most specific first.
 */
import type { ServiceId } from '../types';
import { DOMAINS, LOGIN_HOST_HINTS, type DomainEntry } from './services';
import { REGION_IDS } from './regions';

interface CompiledDomain {
  entry: DomainEntry;
  literal: Map<string, ServiceId>;
  patterns: { re: RegExp; service: ServiceId; specificity: number }[];
}

/** Compile a catalogue host pattern to an anchored regex (syntax in services.ts). */
export function patternToRegExp(pattern: string): RegExp {
  let rest = pattern;
  let prefix = '';
  if (rest.startsWith('*.')) {
    prefix = '(?:[a-z0-9-]+\\.)+';
    rest = rest.slice(2);
  }
  const body = rest
    .split('.')
    .map((label) => label.split('*').map(escape).join('[a-z0-9-]+'))
    .join('\\.');
  return new RegExp(`^${prefix}${body}$`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(domains: readonly DomainEntry[]): Map<string, CompiledDomain> {
  const out = new Map<string, CompiledDomain>();
  for (const entry of domains) {
    const literal = new Map<string, ServiceId>();
    const patterns: CompiledDomain['patterns'] = [];
    for (const rule of entry.rules) {
      if (rule.pattern.includes('*')) {
        patterns.push({
          re: patternToRegExp(rule.pattern),
          service: rule.service,
          specificity: rule.pattern.replace(/\*/g, '').length,
        });
      } else {
        literal.set(rule.pattern, rule.service);
      }
    }
    patterns.sort((a, b) => b.specificity - a.specificity);
    out.set(entry.domain, { entry, literal, patterns });
  }
  return out;
}

const COMPILED = compile(DOMAINS);
const cache = new Map<string, ServiceId | null>();
const CACHE_MAX = 4096;

/** Registrable domain of `host` if it belongs to the catalogue, else null. */
export function catalogueDomain(host: string): string | null {
  // Try suffixes from the longest: a.b.aliyun.com → b.aliyun.com → aliyun.com → com
  let h = host;
  for (;;) {
    if (COMPILED.has(h)) return h;
    const i = h.indexOf('.');
    if (i < 0) return null;
    h = h.slice(i + 1);
  }
}

/** The catalogue service of a host, or null when the host is not Alibaba-group. */
export function serviceOf(hostIn: string): ServiceId | null {
  const host = hostIn.toLowerCase();
  const hit = cache.get(host);
  if (hit !== undefined) return hit;
  let result: ServiceId | null = null;
  const domain = catalogueDomain(host);
  if (domain) {
    const c = COMPILED.get(domain)!;
    result = c.literal.get(host) ?? c.patterns.find((p) => p.re.test(host))?.service ?? c.entry.fallback;
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(host, result);
  return result;
}

/** Registrable domains of the catalogue (for host permissions and tests). */
export function catalogueDomains(): string[] {
  return DOMAINS.map((d) => d.domain);
}

/** Match patterns for host_permissions, derived from the catalogue (never written twice). */
export function hostPermissions(): string[] {
  return DOMAINS.map((d) => `*://*.${d.domain}/*`);
}

/** Is this host a login/SSO step (catalogue `login` service, or a login-looking host of a watched domain)? */
export function isLoginHost(host: string): boolean {
  const s = serviceOf(host);
  if (s === 'login') return true;
  if (s === null) return false;
  return LOGIN_HOST_HINTS.some((h) => host.startsWith(h));
}

const REGIONS = new Set(REGION_IDS);

/**
 * Region of a host name, e.g. bucket.oss-cn-hangzhou.aliyuncs.com → cn-hangzhou, or null. Only a known region id
 * (catalogue data, regions.ts) counts, found as a whole `-`-separated run inside one label; the right-most label
 * wins, because user-chosen labels (bucket names) stand to the left of the provider's endpoint.
 */
export function regionOf(hostIn: string): string | null {
  const labels = hostIn.toLowerCase().split('.');
  for (let i = labels.length - 1; i >= 0; i--) {
    const parts = labels[i]!.split('-');
    // Longest run first, so cn-shanghai-finance-1 wins over cn-shanghai.
    for (let len = Math.min(parts.length, 5); len >= 2; len--) {
      for (let start = 0; start + len <= parts.length; start++) {
        const id = parts.slice(start, start + len).join('-');
        if (REGIONS.has(id)) return id;
      }
    }
  }
  return null;
}
