/**
 * Browser error strings → one failure taxonomy. Chromium reports `net::ERR_*` (net/base/net_error_list.h),
 * Firefox reports `NS_ERROR_*` / `NS_BINDING_*` names and, for TLS, NSS message texts; HAR exports carry the
 * same strings in `response._error`. The table is data; tests in test/unit/taxonomy.test.ts cover each row.
 */
import type { FailureKind, Phase } from '../types';

export interface KindInfo {
  kind: FailureKind;
  phase: Phase;
}

const K = (kind: FailureKind, phase: Phase): KindInfo => ({ kind, phase });

/** Chromium net errors by name (without the `net::ERR_` prefix). */
const CHROMIUM: Record<string, KindInfo> = {
  ABORTED: K('aborted', 'client'),
  BLOCKED_BY_CLIENT: K('blocked.extension', 'client'),
  BLOCKED_BY_ADMINISTRATOR: K('blocked.admin', 'client'),
  BLOCKED_BY_RESPONSE: K('blocked.browser', 'client'),
  BLOCKED_BY_ORB: K('blocked.browser', 'client'),
  BLOCKED_BY_CSP: K('blocked.browser', 'client'),
  UNSAFE_REDIRECT: K('blocked.browser', 'client'),
  NETWORK_CHANGED: K('net.changed', 'connection'),
  INTERNET_DISCONNECTED: K('net.offline', 'connection'),
  NETWORK_ACCESS_DENIED: K('net.access_denied', 'connection'),
  ADDRESS_UNREACHABLE: K('tcp.failed', 'connection'),
  CONNECTION_CLOSED: K('tcp.closed', 'connection'),
  CONNECTION_RESET: K('tcp.reset', 'connection'),
  CONNECTION_REFUSED: K('tcp.refused', 'connection'),
  CONNECTION_ABORTED: K('tcp.reset', 'connection'),
  CONNECTION_FAILED: K('tcp.failed', 'connection'),
  CONNECTION_TIMED_OUT: K('tcp.timed_out', 'connection'),
  TIMED_OUT: K('tcp.timed_out', 'connection'),
  EMPTY_RESPONSE: K('tcp.closed', 'connection'),
  SOCKET_NOT_CONNECTED: K('tcp.failed', 'connection'),
  ADDRESS_INVALID: K('tcp.failed', 'connection'),
  HTTP2_PROTOCOL_ERROR: K('http.protocol', 'application'),
  QUIC_PROTOCOL_ERROR: K('http.protocol', 'application'),
  INVALID_HTTP_RESPONSE: K('http.protocol', 'application'),
  RESPONSE_HEADERS_TRUNCATED: K('http.protocol', 'application'),
  CONTENT_LENGTH_MISMATCH: K('http.protocol', 'application'),
  INCOMPLETE_CHUNKED_ENCODING: K('http.protocol', 'application'),
  CONTENT_DECODING_FAILED: K('http.protocol', 'application'),
  TOO_MANY_REDIRECTS: K('http.redirect_loop', 'application'),
  NAME_NOT_RESOLVED: K('dns.name_not_resolved', 'dns'),
  NAME_RESOLUTION_FAILED: K('dns.failed', 'dns'),
  DNS_SERVER_FAILED: K('dns.failed', 'dns'),
  DNS_TIMED_OUT: K('dns.failed', 'dns'),
  DNS_MALFORMED_RESPONSE: K('dns.failed', 'dns'),
  ICANN_NAME_COLLISION: K('dns.failed', 'dns'),
  PROXY_CONNECTION_FAILED: K('proxy.failed', 'connection'),
  TUNNEL_CONNECTION_FAILED: K('proxy.failed', 'connection'),
  PROXY_AUTH_UNSUPPORTED: K('proxy.failed', 'connection'),
  PROXY_CERTIFICATE_INVALID: K('proxy.failed', 'connection'),
  MANDATORY_PROXY_CONFIGURATION_FAILED: K('proxy.failed', 'connection'),
  PROXY_AUTH_REQUESTED: K('proxy.failed', 'connection'),
  SOCKS_CONNECTION_FAILED: K('proxy.failed', 'connection'),
  SOCKS_CONNECTION_HOST_UNREACHABLE: K('proxy.failed', 'connection'),
  PROXY_HTTP_1_1_REQUIRED: K('proxy.failed', 'connection'),
  CERT_DATE_INVALID: K('tls.cert.date_invalid', 'tls'),
  CERT_AUTHORITY_INVALID: K('tls.cert.authority_invalid', 'tls'),
  CERT_COMMON_NAME_INVALID: K('tls.cert.name_invalid', 'tls'),
  CERT_INVALID: K('tls.failed', 'tls'),
  CERT_REVOKED: K('tls.failed', 'tls'),
  CERT_WEAK_KEY: K('tls.failed', 'tls'),
  CERT_KNOWN_INTERCEPTION_BLOCKED: K('tls.cert.authority_invalid', 'tls'),
  SSL_PROTOCOL_ERROR: K('tls.failed', 'tls'),
  SSL_VERSION_OR_CIPHER_MISMATCH: K('tls.failed', 'tls'),
  BAD_SSL_CLIENT_AUTH_CERT: K('tls.failed', 'tls'),
  SSL_PINNED_KEY_NOT_IN_CERT_CHAIN: K('tls.cert.authority_invalid', 'tls'),
  CLEARTEXT_NOT_PERMITTED: K('blocked.browser', 'client'),
  FAILED: K('unknown', 'connection'),
  INSUFFICIENT_RESOURCES: K('unknown', 'client'),
  OUT_OF_MEMORY: K('unknown', 'client'),
  CACHE_MISS: K('unknown', 'client'),
};

/** Firefox nsresult names (webRequest onErrorOccurred `error`, HAR `_error`). */
const FIREFOX: Record<string, KindInfo> = {
  NS_BINDING_ABORTED: K('aborted', 'client'),
  NS_BINDING_REDIRECTED: K('aborted', 'client'),
  NS_BINDING_RETARGETED: K('aborted', 'client'),
  NS_ERROR_ABORT: K('aborted', 'client'),
  NS_ERROR_OFFLINE: K('net.offline', 'connection'),
  NS_ERROR_UNKNOWN_HOST: K('dns.name_not_resolved', 'dns'),
  NS_ERROR_DNS_LOOKUP_QUEUE_FULL: K('dns.failed', 'dns'),
  NS_ERROR_UNKNOWN_PROXY_HOST: K('proxy.failed', 'connection'),
  NS_ERROR_PROXY_CONNECTION_REFUSED: K('proxy.failed', 'connection'),
  NS_ERROR_PROXY_AUTHENTICATION_FAILED: K('proxy.failed', 'connection'),
  NS_ERROR_PROXY_BAD_GATEWAY: K('proxy.failed', 'connection'),
  NS_ERROR_PROXY_GATEWAY_TIMEOUT: K('proxy.failed', 'connection'),
  NS_ERROR_UNKNOWN_SOCKS_PROXY_HOST: K('proxy.failed', 'connection'),
  NS_ERROR_CONNECTION_REFUSED: K('tcp.refused', 'connection'),
  NS_ERROR_NET_TIMEOUT: K('tcp.timed_out', 'connection'),
  NS_ERROR_NET_TIMEOUT_EXTERNAL: K('tcp.timed_out', 'connection'),
  NS_ERROR_NET_RESET: K('tcp.reset', 'connection'),
  NS_ERROR_NET_INTERRUPT: K('tcp.reset', 'connection'),
  NS_ERROR_NET_PARTIAL_TRANSFER: K('http.protocol', 'application'),
  NS_ERROR_NET_EMPTY_RESPONSE: K('tcp.closed', 'connection'),
  NS_ERROR_NET_INADEQUATE_SECURITY: K('tls.failed', 'tls'),
  NS_ERROR_NET_HTTP2_SENT_GOAWAY: K('http.protocol', 'application'),
  NS_ERROR_NET_HTTP3_PROTOCOL_ERROR: K('http.protocol', 'application'),
  NS_ERROR_CORRUPTED_CONTENT: K('http.protocol', 'application'),
  NS_ERROR_INVALID_CONTENT_ENCODING: K('http.protocol', 'application'),
  NS_ERROR_REDIRECT_LOOP: K('http.redirect_loop', 'application'),
  NS_ERROR_PORT_ACCESS_NOT_ALLOWED: K('blocked.browser', 'client'),
  NS_ERROR_TRACKING_URI: K('blocked.tracking', 'client'),
  NS_ERROR_FINGERPRINTING_URI: K('blocked.tracking', 'client'),
  NS_ERROR_CRYPTOMINING_URI: K('blocked.tracking', 'client'),
  NS_ERROR_SOCIALTRACKING_URI: K('blocked.tracking', 'client'),
  NS_ERROR_EMAILTRACKING_URI: K('blocked.tracking', 'client'),
  NS_ERROR_MALWARE_URI: K('blocked.browser', 'client'),
  NS_ERROR_PHISHING_URI: K('blocked.browser', 'client'),
  NS_ERROR_HARMFUL_URI: K('blocked.browser', 'client'),
  NS_ERROR_UNWANTED_URI: K('blocked.browser', 'client'),
  NS_ERROR_BLOCKED_URI: K('blocked.browser', 'client'),
  NS_ERROR_CONTENT_BLOCKED: K('blocked.extension', 'client'),
  NS_ERROR_BLOCKED_BY_POLICY: K('blocked.admin', 'client'),
  NS_ERROR_DOM_BAD_URI: K('blocked.browser', 'client'),
  NS_ERROR_FAILURE: K('unknown', 'connection'),
};

/**
 * Firefox reports TLS failures as NSS message text (e.g. "SEC_ERROR_UNKNOWN_ISSUER" embedded in
 * "Peer's Certificate issuer is not recognized."). Matched by code name or distinctive phrase.
 */
const NSS_TEXT: [RegExp, KindInfo][] = [
  [
    /SEC_ERROR_EXPIRED_CERTIFICATE|SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE|SEC_ERROR_INVALID_TIME|MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE|MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE|certificate has expired|not yet valid|expired on|will not be valid until/i,
    K('tls.cert.date_invalid', 'tls'),
  ],
  [
    /SEC_ERROR_UNKNOWN_ISSUER|SEC_ERROR_UNTRUSTED_ISSUER|SEC_ERROR_UNTRUSTED_CERT|MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT|MOZILLA_PKIX_ERROR_MITM_DETECTED|SEC_ERROR_CA_CERT_INVALID|issuer is not recognized|issuer certificate is unknown|self-signed|not trusted/i,
    K('tls.cert.authority_invalid', 'tls'),
  ],
  [
    /SSL_ERROR_BAD_CERT_DOMAIN|not valid for|domain name mismatch|hostname mismatch/i,
    K('tls.cert.name_invalid', 'tls'),
  ],
  [
    /^SSL_ERROR_|^SEC_ERROR_|^MOZILLA_PKIX_ERROR_|SSL received|security library|peer.*certificate|TLS|SSL/i,
    K('tls.failed', 'tls'),
  ],
];

const UNKNOWN: KindInfo = K('unknown', 'connection');

/** Classify a browser error string from either browser. Unknown strings map to `unknown`, never throw. */
export function classifyBrowserError(error: string): KindInfo {
  const e = error.trim();
  if (e.startsWith('net::ERR_')) return CHROMIUM[e.slice(9)] ?? UNKNOWN;
  if (e.startsWith('ERR_')) return CHROMIUM[e.slice(4)] ?? UNKNOWN;
  const ff = FIREFOX[e];
  if (ff) return ff;
  // Firefox's webNavigation reports some errors as "Error code 2152398879" (NS_ERROR_REDIRECT_LOOP).
  const num = /^Error code (\d+)$/.exec(e);
  if (num) return FIREFOX_CODES[num[1]!] ?? UNKNOWN;
  for (const [re, info] of NSS_TEXT) if (re.test(e)) return info;
  return UNKNOWN;
}

/** nsresult numbers Firefox sometimes reports instead of names. */
const FIREFOX_CODES: Record<string, KindInfo> = {
  '2152398879': K('http.redirect_loop', 'application'), // NS_ERROR_REDIRECT_LOOP 0x804B001F
  '2152398878': K('dns.name_not_resolved', 'dns'), // NS_ERROR_UNKNOWN_HOST 0x804B001E
  '2152398861': K('tcp.refused', 'connection'), // NS_ERROR_CONNECTION_REFUSED 0x804B000D
  '2152398868': K('tcp.reset', 'connection'), // NS_ERROR_NET_RESET 0x804B0014
  '2152398862': K('tcp.timed_out', 'connection'), // NS_ERROR_NET_TIMEOUT 0x804B000E
  '2152398864': K('net.offline', 'connection'), // NS_ERROR_OFFLINE 0x804B0010
  '2152398850': K('aborted', 'client'), // NS_BINDING_ABORTED 0x804B0002
};

/** Every Chromium/Firefox name the table knows (for tests and docs). */
export const KNOWN_ERROR_NAMES = {
  chromium: Object.keys(CHROMIUM).map((n) => `net::ERR_${n}`),
  firefox: Object.keys(FIREFOX),
};

/** HTTP status → kind. 1xx/2xx/3xx are `ok` (a 304 is a success). */
export function classifyStatus(status: number): KindInfo {
  if (status >= 500) return K('http.5xx', 'application');
  if (status >= 400) return K('http.4xx', 'application');
  return K('ok', 'ok');
}

/**
 * The one rule that combines a status and an error, for both browsers' quirks:
 * - headers arrived with status ≥ 400, then an abort/ORB/generic error → the HTTP failure (Chromium's ORB after
 *   a 403 image, Firefox's NS_BINDING_ABORTED after a 404 image, Chromium's ERR_FAILED after a CORS-less 502);
 * - headers arrived with a 2xx/3xx then an abort → aborted (a cancelled download is not a failure);
 * - no error → the status decides.
 */
export function classify(status: number, error: string | undefined): KindInfo {
  if (!error) return status > 0 ? classifyStatus(status) : K('unknown', 'connection');
  const info = classifyBrowserError(error);
  // Headers said 4xx/5xx, then the browser gave up on the body: aborted (Firefox image), ORB (Chromium image),
  // or net::ERR_FAILED (a cross-origin fetch whose error response had no CORS headers). The HTTP error is what
  // happened.
  if (status >= 400 && (info.kind === 'aborted' || info.kind === 'blocked.browser' || info.kind === 'unknown'))
    return classifyStatus(status);
  return info;
}

/** Is this kind a failure at all? Aborts are not. */
export function isFailureKind(kind: FailureKind): boolean {
  return kind !== 'ok' && kind !== 'aborted';
}
