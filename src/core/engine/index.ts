export { diagnose, decide, decidingRule, type DiagnoseOptions } from './diagnose';
export { LiveEngine } from './live';
export { Tally } from './tally';
export * from './thresholds';
export { failClass, noiseOf, providerCode, OSS_EC_CODES, OPENAPI_WEAK_AUTH_STATUSES, type FailClass } from './classify';
export {
  RULES,
  type Rule,
  type Finding,
  type Loop,
  loopsFromOutcomes,
  isOfficialIncident,
  STATUS_ACTIVE,
  STATUS_ALARMS,
} from './rules';
export { INCONCLUSIVE, isInconclusive } from './context';
export type { Blame } from './rules';
