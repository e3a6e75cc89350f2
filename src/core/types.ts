/**
 * The project's own vocabulary. Everything after the edge (src/background/edge/*, src/core/har/*) speaks
 * only these types; nothing here knows about a browser.
 */

/** Services of the catalogue (src/core/catalogue/services.ts). */
export type ServiceId =
  | 'console'
  | 'openapi'
  | 'oss'
  | 'cdn'
  | 'login'
  | 'shopping'
  | 'mtop'
  | 'drive'
  | 'docs'
  | 'dingtalk'
  | 'registry'
  | 'payments'
  | 'telemetry'
  | 'status'
  /** A site outside the catalogue that the user chose to watch (options, or the CLI's --watch-all). */
  | 'site';

/** NEL-style phase of a failure. `ok` = no failure; `client` = stopped inside the browser. */
export type Phase = 'ok' | 'dns' | 'connection' | 'tls' | 'application' | 'client';

/**
 * One failure taxonomy for both browsers, modelled on Chromium's error ranges and NEL's types.
 * `aborted` is never a failure on its own (navigation away, image cancelled, Firefox's abort after 4xx…).
 */
export type FailureKind =
  | 'ok'
  // dns (Chromium 800-899, NS_ERROR_UNKNOWN_HOST…)
  | 'dns.name_not_resolved'
  | 'dns.failed'
  // connection (Chromium 100-199, system 0-99)
  | 'net.offline'
  | 'net.changed'
  | 'net.access_denied'
  | 'proxy.failed'
  | 'tcp.refused'
  | 'tcp.reset'
  | 'tcp.closed'
  | 'tcp.timed_out'
  | 'tcp.failed'
  // tls (Chromium 200-299 and handshake errors in 100s, NSS texts)
  | 'tls.cert.date_invalid'
  | 'tls.cert.authority_invalid'
  | 'tls.cert.name_invalid'
  | 'tls.failed'
  // application (HTTP)
  | 'http.4xx'
  | 'http.5xx'
  | 'http.redirect_loop'
  | 'http.protocol'
  | 'http.empty'
  // client side (the browser or an extension stopped it)
  | 'blocked.extension'
  | 'blocked.admin'
  | 'blocked.tracking'
  | 'blocked.browser'
  | 'aborted'
  | 'unknown';

/** What kind of resource the request was for (webRequest's ResourceType, folded). */
export type ResourceKind =
  | 'main_frame'
  | 'sub_frame'
  | 'image'
  | 'script'
  | 'stylesheet'
  | 'font'
  | 'xhr'
  | 'media'
  | 'websocket'
  | 'ping'
  | 'other';

/** Request IDs a support ticket needs. Values are opaque ids issued by the provider, never secrets. */
export interface RequestIds {
  ossRequestId?: string;
  ossEc?: string;
  acsRequestId?: string;
  eagleEyeTraceId?: string;
  eagleId?: string;
}

/** Where an outcome came from. Probes are the extension's own checks and never count as user traffic. */
export type OutcomeSource = 'browser' | 'har' | 'page' | 'probe';

/**
 * One request, converted once at the edge. No cookies values, no bodies, no query strings.
 */
export interface RequestOutcome {
  /** Start time, ms since epoch (local clock). */
  t: number;
  /** Duration in ms when known. */
  ms?: number;
  /** Lower-case host name, without port. */
  host: string;
  /** Catalogue service, or null for traffic outside the catalogue (control traffic). */
  service: ServiceId | null;
  /** Path shape: no query, no fragment, ids and hashes replaced by placeholders (core/url/path-shape.ts). */
  path: string;
  type: ResourceKind;
  method: string;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** The browser's own error string, as reported (e.g. net::ERR_CONNECTION_RESET, NS_ERROR_NET_RESET). */
  error?: string;
  kind: FailureKind;
  phase: Phase;
  /** Server's Date header, ms since epoch. */
  serverDate?: number;
  ids?: RequestIds;
  /** Provider error code from the body or headers when known (OSS XML Code, OpenAPI JSON Code, mtop ret code). */
  code?: string;
  /** Tab the request belongs to (-1 = none). */
  tabId?: number;
  /** Short one-way tag of the AccessKeyId the request was signed with (never the id itself). */
  keyTag?: string;
  /** Cookie *names* the response set (login hosts and main frames only). */
  setCookies?: string[];
  /** Cookie *names* the request carried (login hosts and main frames only). */
  sentCookies?: string[];
  /** For a redirect: host + path shape of the target. */
  redirectTo?: string;
  fromCache?: boolean;
  /** The response asked for credentials (a 401 with WWW-Authenticate): the first half of an HTTP auth handshake. */
  challenge?: boolean;
  source: OutcomeSource;
}

/**
 * What a loop's steps say about cookies: set and never carried back, carried back after being set, carried on every
 * step (set earlier), none at any step, or not known (core/loops/redirect-loops.ts cookieState).
 */
export type LoopCookies = 'not-returned' | 'returned' | 'carried' | 'none' | 'unknown';

/** Extra page-side or probe evidence that is not a plain request. */
export type Observation =
  | {
      /** A broken <img> found by the content script. */
      kind: 'broken-image';
      t: number;
      host: string;
      service: ServiceId | null;
      path: string;
      /** error = load failed; empty-url = src literally undefined/null/empty; lazy-unresolved = data-src never resolved. */
      reason: 'error' | 'zero-size' | 'empty-url' | 'lazy-unresolved';
      count: number;
      pageHost: string;
      /** Attribution: what webRequest saw for the same picture (HTTP status, failure kind), when it saw it. */
      status?: number;
      failure?: FailureKind;
    }
  | {
      /** A redirect or login loop (core/loops: one detector for the live worker and the HAR reader). */
      kind: 'redirect-loop';
      /** Time of the newest step that showed the loop. */
      t: number;
      hosts: string[];
      /** Page loads and redirects in the chain. */
      hops: number;
      /** A login host is part of the loop. */
      login: boolean;
      /** What the loop's own steps say about cookies (core/loops cookieState). */
      cookies: LoopCookies;
      /** From browser settings when the API exists: cookies / third-party cookies blocked. */
      cookiesBlocked?: boolean;
      service: ServiceId | null;
    }
  | {
      kind: 'probe';
      t: number;
      probe: 'control' | 'cookieless-retry' | 'dns' | 'clock' | 'status-page';
      target: string;
      ok: boolean;
      /** For clock probes: server minus local, ms. */
      skewMs?: number;
      /** For dns probes: whether the public resolver says the name exists. */
      exists?: boolean;
      /** For status-page probes whose feed was read: its alarms still open when it was read. */
      alarms?: number;
      detail?: string;
    };

export type Verdict = 'provider' | 'user' | 'healthy' | 'unclear';

export type UserCause =
  | 'offline'
  | 'dns-local'
  | 'proxy'
  | 'tls-interception'
  | 'clock-skew'
  | 'blocked-by-extension'
  | 'cookies-blocked'
  | 'credentials'
  | 'risk-control';

export type ProviderCause =
  'outage' | 'auth-service' | 'cdn' | 'server-error' | 'login-loop' | 'page-bug' | 'dns-provider';

export type Cause = UserCause | ProviderCause | 'none' | 'insufficient-evidence';

export const USER_CAUSES: readonly UserCause[] = [
  'offline',
  'dns-local',
  'proxy',
  'tls-interception',
  'clock-skew',
  'blocked-by-extension',
  'cookies-blocked',
  'credentials',
  'risk-control',
];
export const PROVIDER_CAUSES: readonly ProviderCause[] = [
  'outage',
  'auth-service',
  'cdn',
  'server-error',
  'login-loop',
  'page-bug',
  'dns-provider',
];
export const ALL_CAUSES: readonly Cause[] = [...USER_CAUSES, ...PROVIDER_CAUSES, 'none', 'insufficient-evidence'];
export const VERDICTS: readonly Verdict[] = ['provider', 'user', 'healthy', 'unclear'];

export type ServiceState = 'ok' | 'degraded' | 'failing' | 'idle';

/** A localizable text: a message key of public/_locales/<lang>/messages.json and its substitutions. */
export interface Text {
  key: string;
  args?: (string | number)[];
}

export interface Evidence {
  /** Stable id of the fact, e.g. 'provider-5xx', 'control-ok'. */
  id: string;
  text: Text;
  count: number;
  hosts: string[];
  first: number;
  last: number;
  /** Request ids collected for this fact (support ticket). */
  ids?: RequestIds[];
}

export type ActionId = 'clear-cookies' | 'retry' | 'open-status' | 'open-options' | 'copy-report';

export interface Advice {
  id: string;
  text: Text;
  action?: ActionId;
}

export interface ServiceSummary {
  id: ServiceId;
  state: ServiceState;
  requests: number;
  failures: number;
  hosts: string[];
  lastFailure?: number;
}

export interface Diagnosis {
  verdict: Verdict;
  cause: Cause;
  services: ServiceSummary[];
  evidence: Evidence[];
  advice: Advice[];
  /** When the current verdict began (ms since epoch), or null when healthy with no history. */
  since: number | null;
  /** When this diagnosis was computed (ms since epoch). */
  at: number;
}
