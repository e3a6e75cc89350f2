export { diagnose, decide, decidingRule, type DiagnoseOptions } from './diagnose';
export { LiveEngine } from './live';
export { Tally } from './tally';
export * from './thresholds';
export { failClass, noiseOf, type FailClass } from './classify';
export { RULES, type Rule, type Finding, loopsFromOutcomes } from './rules';
export { INCONCLUSIVE, isInconclusive } from './context';
export type { Blame } from './rules';
