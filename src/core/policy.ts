/**
 * Enterprise policy: what an administrator sets for every browser of an organisation, read from managed storage
 * (Chrome: the `3rdparty` extension policy validated by public/managed_schema.json; Firefox: `3rdparty` in
 * policies.json). Pure: the platform reads the raw value (src/platform/settings-store.ts), this module validates it
 * and lays it over the user's settings. A managed value wins and shows as locked in the options page.
 *
 *   collectorUrl   the collector's address                         (locked)
 *   teamKey        the team collector's key                        (locked)
 *   crowdMode      off: locked off · forced: locked on · on: on unless the user turns it off
 *   extraDomains   sites watched besides the catalogue, added to the user's own (the managed ones locked)
 *   controlSites   the control sites, replacing the user's list    (locked)
 */
import {
  MAX_CONTROL_SITES,
  MAX_EXTRA_DOMAINS,
  normalizeDomain,
  normalizeTeamKey,
  normalizeUrl,
  type Settings,
} from './settings';

export type CrowdModePolicy = 'off' | 'on' | 'forced';

export interface ManagedPolicy {
  collectorUrl?: string;
  teamKey?: string;
  crowdMode?: CrowdModePolicy;
  extraDomains?: string[];
  controlSites?: string[];
}

/** Which settings the policy fixes (the options page disables their controls). */
export interface Locks {
  collectorUrl: boolean;
  teamKey: boolean;
  crowdEnabled: boolean;
  controlSites: boolean;
  /** Extra domains set by policy: shown, not removable. */
  extraDomains: readonly string[];
}

/**
 * The schema Chrome validates policies against (manifest `storage.managed_schema`). Shipped as
 * public/managed_schema.json; test/unit/crowd-policy.test.ts keeps the two identical.
 */
export const MANAGED_SCHEMA = {
  type: 'object',
  properties: {
    collectorUrl: {
      title: 'Crowd-mode collector address',
      description:
        'https:// address of the collector that receives crowd reports (see docs/crowd-protocol.md). Locks the setting.',
      type: 'string',
    },
    teamKey: {
      title: 'Team collector key',
      description: 'Key of a team collector (COLLECTOR_MODE=team), sent as Authorization: Bearer. Locks the setting.',
      type: 'string',
    },
    crowdMode: {
      title: 'Crowd mode',
      description: 'off: crowd mode off and locked; on: on unless the user turns it off; forced: on and locked.',
      type: 'string',
      enum: ['off', 'on', 'forced'],
    },
    extraDomains: {
      title: 'Extra watched sites',
      description: 'Registrable domains to watch besides the Alibaba-group catalogue, e.g. shop.example.com.',
      type: 'array',
      items: { type: 'string' },
    },
    controlSites: {
      title: 'Control sites',
      description:
        'https:// URLs of small resources on unrelated sites, fetched to tell "my network is down" from "the provider is down". Replaces the defaults.',
      type: 'array',
      items: { type: 'string' },
    },
  },
} as const;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/** The raw managed-storage object → the policy; invalid entries are dropped (never the whole policy). */
export function parsePolicy(raw: unknown): ManagedPolicy {
  if (!isObj(raw)) return {};
  const out: ManagedPolicy = {};
  if (typeof raw.collectorUrl === 'string') {
    const u = raw.collectorUrl.trim() === '' ? '' : normalizeUrl(raw.collectorUrl);
    if (u !== null) out.collectorUrl = u;
  }
  const key = normalizeTeamKey(raw.teamKey);
  if (key !== null) out.teamKey = key;
  if (raw.crowdMode === 'off' || raw.crowdMode === 'on' || raw.crowdMode === 'forced') out.crowdMode = raw.crowdMode;
  if (Array.isArray(raw.extraDomains)) {
    out.extraDomains = uniq(raw.extraDomains.map(normalizeDomain).filter((d): d is string => d !== null)).slice(
      0,
      MAX_EXTRA_DOMAINS,
    );
  }
  if (Array.isArray(raw.controlSites)) {
    const sites = uniq(
      raw.controlSites.map((v) => normalizeUrl(v, { httpLocalOnly: false })).filter((v): v is string => v !== null),
    ).slice(0, MAX_CONTROL_SITES);
    if (sites.length > 0) out.controlSites = sites;
  }
  return out;
}

export function locksOf(p: ManagedPolicy): Locks {
  return {
    collectorUrl: p.collectorUrl !== undefined,
    teamKey: p.teamKey !== undefined,
    crowdEnabled: p.crowdMode === 'off' || p.crowdMode === 'forced',
    controlSites: p.controlSites !== undefined,
    extraDomains: p.extraDomains ?? [],
  };
}

/** The settings in force: the user's, with the policy laid over them. */
export function effectiveSettings(user: Settings, p: ManagedPolicy): Settings {
  const crowdEnabled =
    p.crowdMode === 'forced'
      ? true
      : p.crowdMode === 'off'
        ? false
        : p.crowdMode === 'on' && !user.crowdChosen
          ? true
          : user.crowdEnabled;
  return {
    ...user,
    crowdEnabled,
    collectorUrl: p.collectorUrl ?? user.collectorUrl,
    teamKey: p.teamKey ?? user.teamKey,
    extraDomains: uniq([...(p.extraDomains ?? []), ...user.extraDomains]).slice(0, MAX_EXTRA_DOMAINS),
    controlSites: p.controlSites ?? user.controlSites,
  };
}

/** Crowd mode sends only when it is on AND a collector address is set: there is no default collector. */
export function crowdActive(s: Pick<Settings, 'crowdEnabled' | 'collectorUrl'>): boolean {
  return s.crowdEnabled && s.collectorUrl !== '';
}
