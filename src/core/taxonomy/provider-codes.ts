/**
 * Provider error codes (OSS XML `Code`, OpenAPI JSON `Code`, mtop `ret`, registry `errors[0].code`) and what each
 * list means, defined once: the engine classifies with them (engine/classify.ts), the active checks plan with
 * them (probes/planner.ts). Sources: shared/reference/alibaba-services.json.
 */
import type { RequestOutcome } from '../types';

/** mtop's routine token refresh: the client refreshes `_m_h5_tk` and retries (not a failure). */
export const ROUTINE_CODES: ReadonlySet<string> = new Set([
  'FAIL_SYS_TOKEN_EXOIRED',
  'FAIL_SYS_TOKEN_EMPTY',
  'FAIL_SYS_TOKEN_EXPIRED',
]);
/** mtop's anti-bot answers: risk control, never an outage. */
export const RISK_CODES: ReadonlySet<string> = new Set(['RGV587_ERROR', 'FAIL_SYS_USER_VALIDATE']);
/** The provider says the request's time is too far from its own (OSS > 15 min, OpenAPI timestamp expired). */
export const SKEW_CODES: ReadonlySet<string> = new Set(['RequestTimeTooSkewed', 'InvalidTimeStamp.Expired']);
/** Auth codes that, by themselves, say "this key was refused" — never by themselves whose fault. */
export const AUTH_CODES: ReadonlySet<string> = new Set([
  'InvalidAccessKeyId',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'SignatureDoesNotMatch',
  'AccessKeyIdAndSecurityTokenNotMatch',
  'InvalidSecurityToken',
  'UNAUTHORIZED',
]);

/**
 * Documented OSS error codes (EC, the `x-oss-ec` response header, also `<EC>` in the XML body) and the provider
 * code each stands for, with its HTTP status and the key of shared/reference/alibaba-services.json `sources`
 * that documents it. A live browser sees no bodies, so for an OSS refusal the EC is the only code it has. Only
 * documented ECs are listed (OSS: "EC is for troubleshooting only; it may change"); an EC applies only with its
 * documented status and only when no code was read from the body.
 */
export const OSS_EC_CODES: ReadonlyMap<
  string,
  { readonly code: string; readonly status: number; readonly src: string }
> = new Map([
  // InvalidAccessKeyId: 901 invalid characters, 902 missing/unrecognized, 903 disabled, 904 disabled or source IP not allowed.
  ['0002-00000901', { code: 'InvalidAccessKeyId', status: 403, src: 'oss_ec_ak' }],
  ['0002-00000902', { code: 'InvalidAccessKeyId', status: 403, src: 'oss_ec_ak' }],
  ['0002-00000903', { code: 'InvalidAccessKeyId', status: 403, src: 'oss_ec_ak' }],
  ['0002-00000904', { code: 'InvalidAccessKeyId', status: 403, src: 'oss_ec_ak' }],
  ['0002-00000501', { code: 'RequestTimeTooSkewed', status: 403, src: 'oss_ec_skew' }],
]);

/** HTTP statuses of an OpenAPI refusal that, signed and with an x-acs-request-id but no body code, may be an auth failure. */
export const OPENAPI_WEAK_AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403, 404]);

/** The provider code of an outcome: from the body when read, else from a documented OSS EC (OSS_EC_CODES). */
export function providerCode(o: RequestOutcome): string | undefined {
  if (o.code !== undefined) return o.code;
  const ec = o.ids?.ossEc;
  if (ec === undefined) return undefined;
  const m = OSS_EC_CODES.get(ec);
  return m !== undefined && m.status === o.status ? m.code : undefined;
}

/**
 * Codes of a signed request (OSS, OpenAPI/POP) refused for its signature, key, token or time: the clock may
 * explain any of them, so they justify a clock probe. The refused-key and skew codes above, plus the signature and
 * timestamp formats, expired security tokens and OSS's AccessDenied.
 */
export const SIGNED_FAILURE_CODES: ReadonlySet<string> = new Set([
  ...SKEW_CODES,
  ...AUTH_CODES,
  'InvalidTimeStamp.Format',
  'IllegalTimestamp',
  'IncompleteSignature',
  'InvalidSecurityToken.Expired',
  'SecurityTokenExpired',
  'AccessDenied',
]);
