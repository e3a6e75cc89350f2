export { diagnose, decide, decidingRule, type DiagnoseOptions } from './diagnose';
export { LiveEngine } from './live';
export { Tally } from './tally';
export * from './thresholds';
export { failClass, noiseOf, type FailClass } from './classify';
export { RULES } from './rules';
export type { Blame, Finding, Rule } from './rules/common';
export { isOfficialIncident } from './rules/provider-side';
export { INCONCLUSIVE, isInconclusive } from './context';
