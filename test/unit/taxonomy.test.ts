import { describe, expect, it } from 'vitest';
import { classify, classifyBrowserError, isFailureKind } from '../../src/core/taxonomy/browser-errors';
import type { FailureKind, Phase } from '../../src/core/types';

describe('browser errors → one taxonomy', () => {
  it.each<[string, FailureKind, Phase]>([
    // Chromium, as recorded (platform-facts.md)
    ['net::ERR_CONNECTION_RESET', 'tcp.reset', 'connection'],
    ['net::ERR_EMPTY_RESPONSE', 'tcp.closed', 'connection'],
    ['net::ERR_CONNECTION_REFUSED', 'tcp.refused', 'connection'],
    ['net::ERR_NAME_NOT_RESOLVED', 'dns.name_not_resolved', 'dns'],
    ['net::ERR_BLOCKED_BY_CLIENT', 'blocked.extension', 'client'],
    ['net::ERR_BLOCKED_BY_ORB', 'blocked.browser', 'client'],
    ['net::ERR_ABORTED', 'aborted', 'client'],
    ['net::ERR_TOO_MANY_REDIRECTS', 'http.redirect_loop', 'application'],
    ['net::ERR_INTERNET_DISCONNECTED', 'net.offline', 'connection'],
    ['net::ERR_PROXY_CONNECTION_FAILED', 'proxy.failed', 'connection'],
    ['net::ERR_TUNNEL_CONNECTION_FAILED', 'proxy.failed', 'connection'],
    ['net::ERR_CERT_DATE_INVALID', 'tls.cert.date_invalid', 'tls'],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'tls.cert.authority_invalid', 'tls'],
    ['net::ERR_CERT_COMMON_NAME_INVALID', 'tls.cert.name_invalid', 'tls'],
    ['net::ERR_CONNECTION_TIMED_OUT', 'tcp.timed_out', 'connection'],
    ['net::ERR_DNS_TIMED_OUT', 'dns.failed', 'dns'],
    ['net::ERR_NETWORK_ACCESS_DENIED', 'net.access_denied', 'connection'],
    ['net::ERR_BLOCKED_BY_ADMINISTRATOR', 'blocked.admin', 'client'],
    ['net::ERR_SOMETHING_NEW', 'unknown', 'connection'],
    // Firefox names
    ['NS_ERROR_NET_RESET', 'tcp.reset', 'connection'],
    ['NS_ERROR_CONNECTION_REFUSED', 'tcp.refused', 'connection'],
    ['NS_ERROR_UNKNOWN_HOST', 'dns.name_not_resolved', 'dns'],
    ['NS_BINDING_ABORTED', 'aborted', 'client'],
    ['NS_ERROR_REDIRECT_LOOP', 'http.redirect_loop', 'application'],
    ['NS_ERROR_OFFLINE', 'net.offline', 'connection'],
    ['NS_ERROR_PROXY_CONNECTION_REFUSED', 'proxy.failed', 'connection'],
    ['NS_ERROR_UNKNOWN_PROXY_HOST', 'proxy.failed', 'connection'],
    ['NS_ERROR_NET_TIMEOUT', 'tcp.timed_out', 'connection'],
    ['NS_ERROR_TRACKING_URI', 'blocked.tracking', 'client'],
    ['Error code 2152398879', 'http.redirect_loop', 'application'],
    // Firefox TLS: NSS message texts
    ['SEC_ERROR_UNKNOWN_ISSUER', 'tls.cert.authority_invalid', 'tls'],
    ["Peer's Certificate issuer is not recognized.", 'tls.cert.authority_invalid', 'tls'],
    ['SEC_ERROR_EXPIRED_CERTIFICATE', 'tls.cert.date_invalid', 'tls'],
    ['Peer’s Certificate has expired.', 'tls.cert.date_invalid', 'tls'],
    ['SSL_ERROR_BAD_CERT_DOMAIN', 'tls.cert.name_invalid', 'tls'],
    ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', 'tls.cert.authority_invalid', 'tls'],
    ['SSL_ERROR_NO_CYPHER_OVERLAP', 'tls.failed', 'tls'],
    ['complete gibberish', 'unknown', 'connection'],
  ])('%s → %s (%s)', (error, kind, phase) => {
    expect(classifyBrowserError(error)).toEqual({ kind, phase });
  });

  it('an HTTP error followed by an abort or ORB is the HTTP error, not an abort', () => {
    expect(classify(403, 'net::ERR_BLOCKED_BY_ORB')).toEqual({ kind: 'http.4xx', phase: 'application' });
    expect(classify(404, 'NS_BINDING_ABORTED')).toEqual({ kind: 'http.4xx', phase: 'application' });
    expect(classify(503, 'NS_BINDING_ABORTED')).toEqual({ kind: 'http.5xx', phase: 'application' });
    // A cross-origin fetch whose 502 had no CORS headers: Chromium reports net::ERR_FAILED after the headers.
    expect(classify(502, 'net::ERR_FAILED')).toEqual({ kind: 'http.5xx', phase: 'application' });
    expect(classify(0, 'net::ERR_FAILED').kind).toBe('unknown');
  });

  it('a success followed by an abort is an abort; an abort alone is an abort', () => {
    expect(classify(200, 'NS_BINDING_ABORTED').kind).toBe('aborted');
    expect(classify(0, 'net::ERR_ABORTED').kind).toBe('aborted');
    expect(isFailureKind('aborted')).toBe(false);
    expect(isFailureKind('ok')).toBe(false);
    expect(isFailureKind('tcp.reset')).toBe(true);
  });

  it('status alone decides when there is no error; a 304 is a success', () => {
    expect(classify(304, undefined).kind).toBe('ok');
    expect(classify(200, undefined).kind).toBe('ok');
    expect(classify(404, undefined).kind).toBe('http.4xx');
    expect(classify(502, undefined).kind).toBe('http.5xx');
  });

  it('a network error after a 2xx header still counts as the network error', () => {
    expect(classify(200, 'net::ERR_CONNECTION_RESET').kind).toBe('tcp.reset');
  });
});
