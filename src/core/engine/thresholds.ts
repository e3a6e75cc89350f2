/**
 * Every number the diagnosis engine decides with, named once. Counts are requests of user traffic inside the
 * window (probes never count); ratios are failures / requests of the same host, service or control set.
 */

/** Default sliding window of the live engine and of diagnose() (ms). */
export const WINDOW_MS = 15 * 60_000;
/** Fewer watched requests than this, and no failure: not enough to call anything healthy. */
export const MIN_TRAFFIC = 5;
/** A host or service needs at least this many strong failures before its failures mean anything. */
export const MIN_FAILURES = 3;
/** …and this share of its requests failing (host level: one host clearly broken). */
export const HOST_FAIL_RATIO = 0.5;
/** …or this share at service level (many hosts of one service, each partly failing). */
export const SERVICE_FAIL_RATIO = 0.2;
/** A service is shown as `failing` (not just `degraded`) from this share on. */
export const FAILING_RATIO = 0.5;
/** Control traffic "works": at least this many successful control requests… */
export const CONTROL_MIN_OK = 3;
/** …and a failure share below this. Control "fails": at least CONTROL_MIN_FAIL failures at or above it. */
export const CONTROL_FAIL_RATIO = 0.5;
export const CONTROL_MIN_FAIL = 2;
/**
 * net.offline failures needed: the operating system itself says there is no network, decisive on its own (unless a
 * later request succeeds). Proxy failures: one can be a blip.
 */
export const OFFLINE_MIN = 1;
export const PROXY_MIN = 2;
/** DNS failures (requests) needed before naming a DNS cause. */
export const DNS_MIN = 2;
/** Certificate-authority errors on this many distinct hosts → something intercepts TLS. */
export const TLS_INTERCEPT_MIN_HOSTS = 2;
/** Certificate date errors on this many distinct hosts (or one plus another clock signal) → our clock. */
export const TLS_DATE_MIN_HOSTS = 2;
/** Clock: |server Date − local time| above this is skew. */
export const CLOCK_SKEW_MS = 2 * 60_000;
/**
 * …as the median over at least this many hosts of each host's median skew, from fresh, dynamic responses (pages,
 * frames, API calls not served from a cache): with three, one stale host cannot move it.
 */
export const CLOCK_SKEW_MIN_HOSTS = 3;
/** Breadth: failing services must overlap in time within this span to be "the same time". */
export const OUTAGE_OVERLAP_MS = 5 * 60_000;
/** Independent service groups failing at once for an outage. */
export const OUTAGE_MIN_GROUPS = 2;
/** Auth onset: auth failures on at least this many services, each of which had worked before. */
export const AUTH_ONSET_MIN_SERVICES = 2;
/** Auth onset: at least this many auth failures in all. */
export const AUTH_ONSET_MIN_FAILURES = 3;
/** Credentials: one key/resource refused from its first request at least this many times… */
export const CREDENTIALS_MIN_FAILURES = 2;
/** …while this many other provider requests succeed. */
export const CREDENTIALS_MIN_OTHERS_OK = 3;
/** Page bug: requests to …/undefined or …/null plus empty-url broken images on provider pages. */
export const PAGE_BUG_MIN = 2;
/** A broken deployment: one API endpoint of the site answered 404 this many times, and never succeeded. */
export const API_NOT_FOUND_MIN = 3;
/** Requests with no answer and no error text (Firefox status 0) on one provider host that never succeeded. */
export const NO_ANSWER_MIN = 5;
/** Risk control: anti-bot answers needed. One challenge is already the provider's explicit word. */
export const RISK_MIN = 1;
/** Blocked by another extension: non-telemetry requests blocked. */
export const BLOCKED_MIN = 2;
/** Redirect-loop observations needed (the one loop detector, core/loops, applies its own named thresholds). */
export const LOOP_MIN_OBSERVATIONS = 1;
/** Evidence keeps at most this many hosts and request-id sets. */
export const EVIDENCE_MAX_HOSTS = 5;
export const EVIDENCE_MAX_IDS = 5;
/**
 * Recovery: a non-healthy finding is dropped (healthy, cause none) once what it blames has had no failure for
 * RECOVERY_QUIET_MS (against `now`) AND at least RECOVERY_MIN_OK successful requests since its last failure that
 * began after the failures had ended (pictures of the failing page that worked while its slow failures were
 * pending are no sign of recovery; tally.ts Mark) —
 * to the blamed services (each of them at least once), or, for causes on the user's side (offline, proxy,
 * local DNS, TLS interception, a blocking extension), to any watched service. A redirect loop is over after
 * RECOVERY_QUIET_MS without a step of it and RECOVERY_MIN_OK successes since its last step on its hosts (through a
 * login host: page loads — main_frame, sub_frame, xhr — on its hosts or on the service it protected). Silence is
 * never recovery. Test builds (vite define __FAULTLINE_TEST__, see vite.config.ts) wait 5 s instead of 60 s so the
 * browser scenarios show a recovery without a minute of real time; every other build, the CLI and the unit tests
 * wait 60 s.
 */
export const RECOVERY_QUIET_MS = typeof __FAULTLINE_TEST__ === 'boolean' && __FAULTLINE_TEST__ ? 5_000 : 60_000;
export const RECOVERY_MIN_OK = 5;
/**
 * Broken pictures (error / zero-size) on CDN hosts count like CDN failures: at least this many pictures on hosts
 * that also have outcomes, at HOST_FAIL_RATIO of one host's requests or SERVICE_FAIL_RATIO of the service's.
 */
export const BROKEN_IMAGE_MIN = 3;
