/**
 * Status rules (documented in docs/crowd-protocol.md, "Status rules"). Pure.
 *
 *   baseline15 = (counted reports in this hour of day, UTC, summed over the previous `baselineDays` days)
 *                / baselineDays / 4                       — expected reports per 15 minutes
 *   outage     : m15 ≥ max(outageMinReports,   outageBaselineFactor   × baseline15)
 *                and addresses15 ≥ outageMinAddresses    — K distinct hashed client addresses
 *   elevated   : m15 ≥ max(elevatedMinReports, elevatedBaselineFactor × baseline15)
 *                and addresses15 ≥ elevatedMinAddresses
 *   normal     : otherwise
 */
import type { CrowdState, ServiceCrowdStatus, StatusRules } from '../../src/core/crowd/protocol';
import type { ServiceCounts } from './store';

export const DEFAULT_RULES: StatusRules = {
  elevatedMinReports: 5,
  elevatedBaselineFactor: 2,
  elevatedMinAddresses: 2,
  outageMinReports: 20,
  outageBaselineFactor: 4,
  outageMinAddresses: 5,
  baselineDays: 7,
};

export function baseline15(baselineSum: number, rules: StatusRules): number {
  if (rules.baselineDays <= 0) return 0;
  return Math.round((baselineSum / rules.baselineDays / 4) * 100) / 100;
}

export function stateOf(c: Pick<ServiceCounts, 'm15' | 'addresses15'>, base15: number, rules: StatusRules): CrowdState {
  if (
    c.m15 >= Math.max(rules.outageMinReports, rules.outageBaselineFactor * base15) &&
    c.addresses15 >= rules.outageMinAddresses
  ) {
    return 'outage';
  }
  if (
    c.m15 >= Math.max(rules.elevatedMinReports, rules.elevatedBaselineFactor * base15) &&
    c.addresses15 >= rules.elevatedMinAddresses
  ) {
    return 'elevated';
  }
  return 'normal';
}

export function toStatus(c: ServiceCounts, rules: StatusRules): ServiceCrowdStatus {
  const base = baseline15(c.baselineSum, rules);
  return {
    service: c.service,
    reports: { m5: c.m5, m15: c.m15, m60: c.m60 },
    reporters15: c.reporters15,
    addresses15: c.addresses15,
    baseline15: base,
    state: stateOf(c, base, rules),
    byPhase15: c.byPhase15,
    byVerdict15: c.byVerdict15,
  };
}
