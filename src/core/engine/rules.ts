/**
 * The reasoning, as small named rules in families (rules/*.ts). Each reads the derived context and returns a
 * finding or null; the first finding in RULES order wins. Order: the user's own network (everything failing,
 * offline, proxy, DNS), the clock and TLS interception, then the provider's shapes (auth onset, breadth, loops,
 * page bugs, CDN, one server), then user shapes that only hold when the rest works (credentials, anti-bot,
 * blocking extension), healthy, the session (a cookie-less retry works where the user's requests are refused),
 * and last unclear. A finding names what it blames (Blame); diagnose.ts drops it once that has recovered.
 */
import type { Rule } from './rules/common';
import { ruleHealthy, ruleSession, ruleUnclear } from './rules/healthy';
import { ruleLoops } from './rules/loops';
import { rulePageBug } from './rules/pictures';
import {
  ruleAuthOnset,
  ruleBrokenApi,
  ruleCdn,
  ruleDnsProvider,
  ruleNoAnswer,
  ruleOutage,
  ruleServerError,
} from './rules/provider-side';
import {
  ruleBlockedByExtension,
  ruleClockSkew,
  ruleCredentials,
  ruleDnsLocal,
  ruleEverythingFailing,
  ruleOffline,
  ruleProxy,
  ruleRiskControl,
  ruleTlsInterception,
} from './rules/user-side';

/** The rules in the order they are tried. */
export const RULES: readonly (readonly [string, Rule])[] = [
  ['everything-failing', ruleEverythingFailing],
  ['offline', ruleOffline],
  ['proxy', ruleProxy],
  ['dns-local', ruleDnsLocal],
  ['clock-skew', ruleClockSkew],
  ['tls-interception', ruleTlsInterception],
  ['auth-onset', ruleAuthOnset],
  ['outage', ruleOutage],
  ['dns-provider', ruleDnsProvider],
  ['loops', ruleLoops],
  ['page-bug', rulePageBug],
  ['cdn', ruleCdn],
  ['server-error', ruleServerError],
  ['no-answer', ruleNoAnswer],
  ['broken-api', ruleBrokenApi],
  ['credentials', ruleCredentials],
  ['risk-control', ruleRiskControl],
  ['blocked-by-extension', ruleBlockedByExtension],
  ['healthy', ruleHealthy],
  ['session', ruleSession],
  ['unclear', ruleUnclear],
];
