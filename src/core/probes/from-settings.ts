/**
 * What the active checks may do, from the user's settings: the DNS check asks DNSPod only when the user turned
 * it on (`dnsChecks`, off by default — it is the one check that carries a name, that of a failing Alibaba-group
 * host, to a third party); docs/active-checks.md and the README say the same.
 */
import type { Settings } from '../settings';
import { DEFAULT_DOH_RESOLVER } from './planner';
import type { ProbeSettings } from './types';

export function probeSettingsOf(s: Pick<Settings, 'controlSites' | 'statusChecks' | 'dnsChecks'>): ProbeSettings {
  return {
    controlSites: s.controlSites,
    statusPage: s.statusChecks,
    dohResolver: s.dnsChecks ? DEFAULT_DOH_RESOLVER : '',
  };
}

/** The optional host permission the DNS check asks for when turned on (the resolver's origin). */
export const DNS_CHECK_ORIGINS: readonly string[] = [`${new URL(DEFAULT_DOH_RESOLVER).origin}/*`];
