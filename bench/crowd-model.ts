/**
 * Who reports what, minute by minute: the populations of the crowd-mode simulation (bench/crowd-sim.ts) and of its
 * small twin in npm test (test/collector/ordinary-day.test.ts). Pure and seeded: the same seed, the same reports.
 *
 * Only what the extension sends is modelled: a report leaves the browser only when the local verdict is `provider`
 * or `unclear`, so most everyday noise (ad blockers, sleeping laptops, flaky Wi-Fi: verdict `user`) sends nothing;
 * what does come through is the share the engine cannot place. Rates are per active user-minute, and a day has a
 * daily rhythm (few users at night, a morning wake-up, a daytime plateau). Events are drawn per noise source from
 * Poisson counts, so the cost is per report, not per user.
 *
 *   page bug     broken pictures on a shop page, blamed on the provider     1.0e-4 / active user-minute (cdn, shopping)
 *   flaky Wi-Fi  5 % of users; the share the engine calls `unclear`        5.0e-4 / active flaky user-minute
 *   ad blocker   8 % of users; a blocked tracker it cannot place           5.0e-4 / active user-minute (telemetry)
 *   wake-up      a laptop waking 07:00-09:00 (30 % of users), 2 % unclear  once a day
 *   broken key   one user whose client reports `unclear` on OpenAPI         every active minute
 * Each day's rates vary by ±15 % (day-to-day noise). Users live on 4,000 networks (IPv4 /16s), 15 % of them on IPv6.
 */
import type { CrowdService, ReportPhase, ReportVerdict } from '../src/core/crowd/protocol';

export const MIN_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson draw (Knuth for small means, normal approximation above 30). */
export function poisson(mean: number, rnd: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(1e-12, rnd());
    const v = rnd();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rnd();
  } while (p > l);
  return k - 1;
}

export const NETWORKS = 4000;

/** User → a stable client address: IPv4 in one of NETWORKS /16 blocks, or IPv6 (15 %) in one of them as /32. */
export function addressOf(user: number): string {
  const h = Math.imul(user ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  const net = h % NETWORKS;
  if (h % 100 < 15)
    return `2408:${(0x8000 + net).toString(16)}:${(user >>> 16).toString(16)}:${(user & 0xffff).toString(16)}::1`;
  return `${11 + (net % 200)}.${Math.floor(net / 200)}.${(user >>> 8) & 255}.${user & 255}`;
}

/** Share of users active at a time of day (UTC+8, the users' day): 10 % at night, 60 % in the daytime. */
export function activeShare(t: number): number {
  const h = ((((t + 8 * 3_600_000) % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  const day = 0.5 - 0.5 * Math.cos(((h - 4) / 24) * 2 * Math.PI); // 0 at 04:00, 1 at 16:00
  return 0.1 + 0.5 * Math.min(1, day * 1.4);
}

const USAGE: [CrowdService, number][] = [
  ['console', 10],
  ['openapi', 8],
  ['oss', 12],
  ['cdn', 20],
  ['login', 8],
  ['shopping', 20],
  ['mtop', 10],
  ['drive', 3],
  ['docs', 3],
  ['dingtalk', 4],
  ['registry', 1],
  ['payments', 3],
];
const USAGE_TOTAL = USAGE.reduce((a, [, w]) => a + w, 0);

function pickService(rnd: () => number): CrowdService {
  let x = rnd() * USAGE_TOTAL;
  for (const [s, w] of USAGE) if ((x -= w) < 0) return s;
  return 'cdn';
}

export interface SimReport {
  /** The client's address (X-Forwarded-For in the simulation). */
  address: string;
  /** The install's reporter token of the day: 32 hex digits. */
  token: string;
  service: CrowdService;
  phase: ReportPhase;
  verdict: ReportVerdict;
}

export function tokenOf(user: number, day: number): string {
  return ((user + 1) * 1_000_003 + day).toString(16).padStart(32, '0');
}

export interface DayNoise {
  users: number;
  seed: number;
}

/** The reports of one minute of an ordinary day (`t`: the minute's start, ms since epoch). */
export function ordinaryMinute(model: DayNoise, t: number): SimReport[] {
  const day = Math.floor(t / DAY_MS);
  const minute = Math.floor(t / MIN_MS);
  const rnd = prng(model.seed * 7919 + minute);
  const dayFactor = 0.85 + 0.3 * prng(model.seed * 31 + day)();
  const active = model.users * activeShare(t) * dayFactor;
  const out: SimReport[] = [];
  const user = () => Math.floor(rnd() * model.users);
  const push = (u: number, service: CrowdService, phase: ReportPhase, verdict: ReportVerdict) =>
    out.push({ address: addressOf(u), token: tokenOf(u, day), service, phase, verdict });

  for (let n = poisson(active * 1.0e-4, rnd); n > 0; n--)
    push(user(), rnd() < 0.6 ? 'cdn' : 'shopping', 'application', 'provider');
  for (let n = poisson(active * 0.05 * 5.0e-4, rnd); n > 0; n--)
    push(user(), pickService(rnd), 'connection', 'unclear');
  for (let n = poisson(active * 0.08 * 5.0e-4, rnd); n > 0; n--) push(user(), 'telemetry', 'client', 'unclear');
  const h = ((((t + 8 * 3_600_000) % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  if (h >= 7 && h < 9) {
    for (let n = poisson((model.users * 0.3 * 0.02 * dayFactor) / 120, rnd); n > 0; n--)
      push(user(), pickService(rnd), 'dns', 'unclear');
  }
  if (rnd() < activeShare(t) * 1.4) push(0, 'openapi', 'application', 'unclear'); // the broken key
  return out;
}

/** Attackers that play along with an ordinary day: none of them may move a service off `normal`. */
export function attackMinute(t: number): SimReport[] {
  const day = Math.floor(t / DAY_MS);
  const minute = Math.floor(t / MIN_MS);
  const out: SimReport[] = [];
  // One address rotating reporter tokens, 80 requests a minute (over the rate limit), all day.
  for (let i = 0; i < 80; i++) {
    out.push({
      address: '198.51.100.66',
      token: tokenOf(1_000_000 + minute * 80 + i, day),
      service: 'oss',
      phase: 'connection',
      verdict: 'provider',
    });
  }
  // Five addresses on five networks, every minute.
  for (let i = 0; i < 5; i++) {
    out.push({
      address: `203.0.${113 + i}.9`,
      token: tokenOf(2_000_000 + i, day),
      service: 'login',
      phase: 'application',
      verdict: 'provider',
    });
  }
  // One IPv6 host rotating through its /64 and its /48, every minute.
  for (let i = 0; i < 20; i++) {
    out.push({
      address: `2001:db8:77:${(minute % 4096).toString(16)}::${(i + 1).toString(16)}`,
      token: tokenOf(3_000_000 + i, day),
      service: 'console',
      phase: 'connection',
      verdict: 'provider',
    });
  }
  return out;
}

/**
 * An outage: `reporters` distinct users start failing over `rampS` seconds (a convex ramp: few at first, most
 * at the end — reporter i starts at rampS × √(i / reporters)), each reporting at onset and every `everyS` seconds
 * after while the simulation runs. Returns the reports due in [fromS, toS) seconds after onset.
 */
export function outageReports(
  opts: { reporters: number; rampS: number; everyS: number; service: CrowdService; firstUser: number },
  fromS: number,
  toS: number,
  day: number,
): SimReport[] {
  const out: SimReport[] = [];
  const { reporters: n, rampS, everyS } = opts;
  // Reporter i onsets at rampS·√(i/n): those with onset < toS are i < n·(toS/rampS)².
  const last = Math.min(n, Math.ceil(n * Math.min(1, toS / rampS) ** 2));
  for (let i = 0; i < last; i++) {
    const onset = rampS * Math.sqrt(i / n);
    if (onset >= toS) break;
    // Report times: onset, onset + everyS, … — is one of them in [fromS, toS)?
    const k = Math.max(0, Math.ceil((fromS - onset) / everyS));
    if (onset + k * everyS < toS) {
      const u = opts.firstUser + i;
      out.push({
        address: addressOf(u),
        token: tokenOf(u, day),
        service: opts.service,
        phase: 'application',
        verdict: 'provider',
      });
    }
  }
  return out;
}
