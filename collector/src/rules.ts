/**
 * Status rules (docs/crowd-protocol.md, "Status rules"). Pure.
 *
 *   voters15    distinct voters in the last 15 minutes (public: address groups; team: reporter tokens)
 *   networks15  distinct networks among them (IPv4 /16, IPv6 /32)
 *   baseline15, baselineNetworks15   usual voters15 and networks15 at this time of day: the median over the
 *                                    previous `baselineDays` days (window.ts)
 *
 *   need(min, factor, sigmas, b) = max(min, factor × b, b + sigmas × √b)
 *   outage   : voters15   ≥ need(outageMinVoters, 4, 10, baseline15)
 *          and networks15 ≥ need(outageMinNetworks, 4, 10, baselineNetworks15)
 *   elevated : the same with the elevated minimums, factor 2 and 5 σ
 *   normal   : otherwise
 *
 * Both counts must stand out: many voters from a few networks (one host with an IPv6 block, a rented range) do
 * not, and neither do a handful of machines on different networks.
 *
 * Everyday reports are Poisson noise: with a baseline of 3 a window of 7 happens every few hours, so a factor
 * alone would cry wolf at small counts; the √ term asks for a deviation that chance almost never produces
 * (≈ 1 in 10⁵ windows at 5σ), while at large counts the factor decides.
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
  elevatedSigmas: 5,
  outageMinVoters: 20,
  outageMinNetworks: 10,
  outageBaselineFactor: 4,
  outageSigmas: 10,
  baselineDays: 7,
  expectedUsers: 0,
};

export const TEAM_RULES: StatusRules = {
  elevatedMinVoters: 3,
  elevatedMinNetworks: 1,
  elevatedBaselineFactor: 2,
  elevatedSigmas: 5,
  outageMinVoters: 5,
  outageMinNetworks: 1,
  outageBaselineFactor: 4,
  outageSigmas: 10,
  baselineDays: 7,
  expectedUsers: 0,
};

export function defaultRules(mode: CollectorMode): StatusRules {
  return mode === 'team' ? TEAM_RULES : PUBLIC_RULES;
}

type Minimums = Pick<
  StatusRules,
  'outageMinVoters' | 'outageMinNetworks' | 'elevatedMinVoters' | 'elevatedMinNetworks'
>;

/**
 * The minimums of a service without enough history yet (a new collector knows no usual level, and everyday noise
 * grows with the population): the rules' own, raised for `expectedUsers` (COLLECTOR_EXPECTED_USERS). From the
 * simulation (bench/crowd-sim.ts): with these, a new collector's first day of 100,000 users stays normal, and an
 * outage still needs only 0.1 % of the users to report. With history, the rules' own minimums and the baseline.
 */
export function youngMinimums(rules: StatusRules): Minimums {
  const u = rules.expectedUsers > 0 ? rules.expectedUsers : 0;
  return {
    outageMinVoters: Math.max(rules.outageMinVoters, Math.ceil(u / 1000)),
    outageMinNetworks: Math.max(rules.outageMinNetworks, Math.ceil(u / 2000)),
    elevatedMinVoters: Math.max(rules.elevatedMinVoters, Math.ceil(u / 1250)),
    elevatedMinNetworks: Math.max(rules.elevatedMinNetworks, Math.ceil(u / 2500)),
  };
}

/** Voters needed for a state: the floor, the factor over the baseline, and a deviation chance does not explain. */
export function votersNeeded(min: number, factor: number, sigmas: number, baseline15: number): number {
  return Math.max(min, factor * baseline15, baseline15 + sigmas * Math.sqrt(baseline15));
}

export interface WindowCounts {
  voters15: number;
  networks15: number;
  baseline15: number;
  baselineNetworks15: number;
}

/** `young`: the service has history on at most half of the baseline days (its median is still a zero). */
export function stateOf(c: WindowCounts, rules: StatusRules, young = false): CrowdState {
  const min: Minimums = young ? youngMinimums(rules) : rules;
  const stands = (minVoters: number, minNetworks: number, factor: number, sigmas: number) =>
    c.voters15 >= votersNeeded(minVoters, factor, sigmas, c.baseline15) &&
    c.networks15 >= votersNeeded(minNetworks, factor, sigmas, c.baselineNetworks15);
  if (stands(min.outageMinVoters, min.outageMinNetworks, rules.outageBaselineFactor, rules.outageSigmas)) {
    return 'outage';
  }
  if (stands(min.elevatedMinVoters, min.elevatedMinNetworks, rules.elevatedBaselineFactor, rules.elevatedSigmas)) {
    return 'elevated';
  }
  return 'normal';
}
