/**
 * Status rules (docs/crowd-protocol.md, "Status rules"). Pure.
 *
 *   voters15    distinct voters in the last 15 minutes (public: address groups; team: reporter tokens)
 *   networks15  distinct networks among them (IPv4 /16, IPv6 /32)
 *   baseline15  usual voters15 at this time of day: median over the previous `baselineDays` days (window.ts)
 *
 *   outage   : voters15 ≥ max(outageMinVoters, outageBaselineFactor × baseline15) and networks15 ≥ outageMinNetworks
 *   elevated : voters15 ≥ max(elevatedMinVoters, elevatedBaselineFactor × baseline15) and networks15 ≥ elevatedMinNetworks
 *   normal   : otherwise
 *
 * Public defaults need an outage to be seen from 20 addresses on 10 networks (elevated: 8 on 4): a handful of
 * machines, a rented block of addresses, or one host with a whole IPv6 prefix never reach it. A team collector counts people behind one office address, so its
 * minimums are about people and the network spread does not matter.
 */
import type { CollectorMode, CrowdState, StatusRules } from '../../src/core/crowd/protocol';

export const PUBLIC_RULES: StatusRules = {
  elevatedMinVoters: 8,
  elevatedMinNetworks: 4,
  elevatedBaselineFactor: 2,
  outageMinVoters: 20,
  outageMinNetworks: 10,
  outageBaselineFactor: 4,
  baselineDays: 7,
};

export const TEAM_RULES: StatusRules = {
  elevatedMinVoters: 3,
  elevatedMinNetworks: 1,
  elevatedBaselineFactor: 2,
  outageMinVoters: 5,
  outageMinNetworks: 1,
  outageBaselineFactor: 4,
  baselineDays: 7,
};

export function defaultRules(mode: CollectorMode): StatusRules {
  return mode === 'team' ? TEAM_RULES : PUBLIC_RULES;
}

export function stateOf(voters15: number, networks15: number, baseline15: number, rules: StatusRules): CrowdState {
  if (
    voters15 >= Math.max(rules.outageMinVoters, rules.outageBaselineFactor * baseline15) &&
    networks15 >= rules.outageMinNetworks
  ) {
    return 'outage';
  }
  if (
    voters15 >= Math.max(rules.elevatedMinVoters, rules.elevatedBaselineFactor * baseline15) &&
    networks15 >= rules.elevatedMinNetworks
  ) {
    return 'elevated';
  }
  return 'normal';
}
