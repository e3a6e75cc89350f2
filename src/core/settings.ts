/**
 * User settings: one versioned, validated shape. Pure (no browser API): src/platform/settings-store.ts keeps it in
 * browser.storage.local under SETTINGS_KEY and runs every stored value through `migrate`, so a broken, old or
 * hand-edited value can never reach the rest of the extension.
 */

export type LangSetting = 'auto' | 'zh_CN' | 'en';

export interface Settings {
  version: 1;
  /** UI language; 'auto' follows the browser (browser.i18n.getUILanguage()). */
  lang: LangSetting;
  /** Crowd mode: send anonymous failure reports to the collector. Off unless the user opts in. */
  crowdEnabled: boolean;
  /** The user has set crowdEnabled themselves (an administrator's `crowdMode: on` is a default, not a lock). */
  crowdChosen: boolean;
  /** Where crowd reports go (https only; http only for localhost); '' = none. There is no default collector. */
  collectorUrl: string;
  /** Team collector key, sent as `Authorization: Bearer …`; '' = none (a public collector). */
  teamKey: string;
  /** Registrable domains outside the catalogue the user chose to watch (needs optional host permission). */
  extraDomains: string[];
  /** Unrelated sites probed to tell "my network is down" from "the provider is down". */
  controlSites: string[];
  /** How long the local history is kept. */
  retentionDays: number;
  /** Show a browser notification when the verdict turns to "provider". */
  notifications: boolean;
  /** Fetch the official status page when failures look like an outage. */
  statusChecks: boolean;
  /**
   * Ask a public DNS resolver (DNSPod) about a failing Alibaba-group host that does not resolve. Off by default:
   * it sends that host's name to a third party (docs/active-checks.md).
   */
  dnsChecks: boolean;
}

export const SETTINGS_VERSION = 1 as const;
export const SETTINGS_KEY = 'settings';

export const RETENTION_MIN = 1;
export const RETENTION_MAX = 90;
export const MAX_EXTRA_DOMAINS = 50;
export const MAX_CONTROL_SITES = 10;

export const DEFAULT_CONTROL_SITES: readonly string[] = [
  'https://www.baidu.com/favicon.ico',
  'https://www.qq.com/favicon.ico',
  'https://www.163.com/favicon.ico',
  'https://www.bing.com/favicon.ico',
];

/** Longest team key kept. */
export const MAX_TEAM_KEY_LENGTH = 256;

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  version: SETTINGS_VERSION,
  lang: 'auto',
  crowdEnabled: false,
  crowdChosen: false,
  collectorUrl: '',
  teamKey: '',
  extraDomains: [],
  controlSites: [...DEFAULT_CONTROL_SITES],
  retentionDays: 7,
  notifications: true,
  statusChecks: true,
  dnsChecks: false,
}) as Readonly<Settings>;

/** A fresh, mutable copy of the defaults. */
export function defaults(): Settings {
  return { ...DEFAULTS, extraDomains: [], controlSites: [...DEFAULT_CONTROL_SITES] };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function normalizeLang(x: unknown): LangSetting {
  if (typeof x !== 'string') return 'auto';
  if (x === 'auto') return 'auto';
  if (/^zh/i.test(x)) return 'zh_CN';
  if (/^en/i.test(x)) return 'en';
  return 'auto';
}

/** A registrable-domain-ish host: lower-case labels, at least one dot, no scheme, path or wildcard. */
export function normalizeDomain(x: unknown): string | null {
  if (typeof x !== 'string') return null;
  let d = x.trim().toLowerCase();
  d = d
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^\*\./, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.$/, '');
  if (d.length > 253 || !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(d))
    return null;
  return d;
}

/** An absolute http(s) URL; plain http is accepted only for localhost (a local collector or test). */
export function normalizeUrl(x: unknown, opts: { httpLocalOnly: boolean } = { httpLocalOnly: true }): string | null {
  if (typeof x !== 'string') return null;
  const s = x.trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  if (u.username || u.password) return null;
  if (u.protocol === 'https:') return u.href;
  if (u.protocol === 'http:') {
    if (!opts.httpLocalOnly) return u.href;
    return /^(localhost|127\.0\.0\.1|\[::1\])$/.test(u.hostname) ? u.href : null;
  }
  return null;
}

function list(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (typeof x === 'string') return x.split(/[\s,，;；]+/).filter(Boolean);
  return [];
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function bool(x: unknown, dflt: boolean): boolean {
  return typeof x === 'boolean' ? x : dflt;
}

function clampInt(x: unknown, lo: number, hi: number, dflt: number): number {
  const n = typeof x === 'string' && x.trim() !== '' ? Number(x) : x;
  if (typeof n !== 'number' || !Number.isFinite(n)) return dflt;
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

/** A team key: printable ASCII without spaces, at most MAX_TEAM_KEY_LENGTH; anything else → null. */
export function normalizeTeamKey(x: unknown): string | null {
  if (typeof x !== 'string') return null;
  const k = x.trim();
  return k.length <= MAX_TEAM_KEY_LENGTH && /^[\x21-\x7e]*$/.test(k) ? k : null;
}

/** Validate and clamp a v1-shaped object; anything invalid falls back to its default. */
export function validate(x: Record<string, unknown>): Settings {
  const d = defaults();
  const domains = uniq(
    list(x.extraDomains)
      .map(normalizeDomain)
      .filter((v): v is string => v !== null),
  ).slice(0, MAX_EXTRA_DOMAINS);
  const controlsRaw = x.controlSites === undefined ? d.controlSites : list(x.controlSites);
  const controls = uniq(
    controlsRaw.map((v) => normalizeUrl(v, { httpLocalOnly: false })).filter((v): v is string => v !== null),
  ).slice(0, MAX_CONTROL_SITES);
  return {
    version: SETTINGS_VERSION,
    lang: normalizeLang(x.lang),
    crowdEnabled: bool(x.crowdEnabled, d.crowdEnabled),
    crowdChosen: bool(x.crowdChosen, d.crowdChosen),
    collectorUrl: (x.collectorUrl === '' ? '' : normalizeUrl(x.collectorUrl)) ?? d.collectorUrl,
    teamKey: normalizeTeamKey(x.teamKey) ?? d.teamKey,
    extraDomains: domains,
    controlSites: controls,
    retentionDays: clampInt(x.retentionDays, RETENTION_MIN, RETENTION_MAX, d.retentionDays),
    notifications: bool(x.notifications, d.notifications),
    statusChecks: bool(x.statusChecks, d.statusChecks),
    dnsChecks: bool(x.dnsChecks, d.dnsChecks),
  };
}

/**
 * Whatever was stored (nothing, v1, garbage) → valid current Settings. Never throws. Version 1 is the first
 * shape that shipped; anything else (no version, a newer one) is read field by field as v1, unknown fields
 * dropped, invalid ones back to their defaults. A future v2 adds its migration here.
 */
export function migrate(stored: unknown): Settings {
  if (!isObj(stored)) return defaults();
  return validate(stored);
}

/** Apply a partial change and re-validate (what the options page saves). */
export function update(cur: Settings, patch: Partial<Settings>): Settings {
  return validate({ ...cur, ...patch });
}

/** The optional host-permission pattern for an extra domain; `*.domain` also matches the domain itself. */
export function originPatternsFor(domain: string): string[] {
  return [`*://*.${domain}/*`];
}
