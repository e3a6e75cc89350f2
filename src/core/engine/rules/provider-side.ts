/**
 * Rules that blame the provider: its names do not resolve, keys that worked are refused on several services at
 * once (the auth service), independent groups fail together (outage), the CDN, one server answering 5xx, one host
 * that never answers, an API that answers 404 to every call — with the evidence helpers they share.
 */
import type { Evidence, RequestOutcome, ServiceId } from '../../types';
import type { FailClass } from '../classify';
import { distinctHosts, evidence, fact, failsOf, hostList, type SvcStat } from '../context';
import type { Item } from '../tally';
import {
  API_NOT_FOUND_MIN,
  AUTH_ONSET_MIN_FAILURES,
  AUTH_ONSET_MIN_SERVICES,
  BROKEN_IMAGE_MIN,
  CONTROL_MIN_OK,
  DNS_MIN,
  HOST_FAIL_RATIO,
  NO_ANSWER_MIN,
  OUTAGE_MIN_GROUPS,
  OUTAGE_OVERLAP_MS,
  SERVICE_FAIL_RATIO,
} from '../thresholds';
import {
  type Blame,
  blameOf,
  type BrokenImage,
  controlEvidence,
  type Ctx,
  dnsProbes,
  firstOk,
  firstOkByKey,
  type ProbeObs,
  provider,
  retryFailsEvidence,
  type Rule,
} from './common';

/** Provider names fail while other names resolve, or a public resolver cannot resolve them either. */
export const ruleDnsProvider: Rule = (ctx) => {
  const d = (ctx.fails.get('dns') ?? []).filter((it) => it.o.service !== null);
  if (d.length < DNS_MIN) return null;
  const failing = new Set(distinctHosts(d));
  const missing = dnsProbes(ctx).filter((p) => p.exists === false && (failing.has(p.target) || p.target === ''));
  if (missing.length === 0 && !ctx.control.works) return null;
  const ev = [evidence('dns-failed', [d.length, hostList([...failing])], d)];
  if (missing.length)
    ev.push(fact('dns-probe-missing', [missing[0]!.target], missing[0]!.t, missing.length, [missing[0]!.target]));
  return provider('dns-provider', [...ev, ...controlEvidence(ctx)], blameOf(d));
};

/**
 * Onset (2023-11-12): keys and services that worked start being refused, on several services at once →
 * the provider's authentication service.
 */
export const ruleAuthOnset: Rule = (ctx) => {
  // Weak candidates (signed OpenAPI refusals without a body code) count, but one service must show a real auth failure.
  const auth = failsOf(ctx, ['auth', 'auth-weak'], true);
  if (auth.length < AUTH_ONSET_MIN_FAILURES) return null;
  const keyOk = firstOkByKey(ctx);
  const firstFail = new Map<ServiceId, number>();
  const onsetBy = new Map<ServiceId, Item[]>();
  for (const it of auth) {
    const s = it.o.service!;
    if (!firstFail.has(s)) firstFail.set(s, it.o.t);
  }
  for (const it of auth) {
    const s = it.o.service!;
    const workedBefore =
      firstOk(ctx, s) < firstFail.get(s)! ||
      (it.o.keyTag !== undefined && (keyOk.get(it.o.keyTag) ?? Infinity) < it.o.t);
    if (!workedBefore) continue;
    let a = onsetBy.get(s);
    if (!a) onsetBy.set(s, (a = []));
    a.push(it);
  }
  if (onsetBy.size < AUTH_ONSET_MIN_SERVICES) return null;
  const items = [...onsetBy.values()].flat();
  if (!items.some((it) => it.c === 'auth')) return null;
  const ev = [evidence('auth-onset', [items.length, [...onsetBy.keys()].join(', ')], items)];
  const five = failsOf(ctx, ['http5'], true);
  if (five.length) ev.push(evidence('server-5xx', [five.length, hostList(distinctHosts(five))], five));
  return provider('auth-service', [...ev, ...controlEvidence(ctx)], { services: [...onsetBy.keys()] });
};

/** Services whose failures overlap in time, grouped by independent infrastructure group. */
function overlappingGroups(sig: SvcStat[]): SvcStat[] {
  // Keep the services whose failure span overlaps (±OUTAGE_OVERLAP_MS) with the largest one's span.
  if (sig.length === 0) return [];
  const anchor = [...sig].sort((a, b) => b.strong - a.strong)[0]!;
  // Ordered by first failure, then id: the same whatever order the window met the hosts in (LiveEngine ≡ diagnose()).
  return sig
    .filter((s) => s.first! <= anchor.last! + OUTAGE_OVERLAP_MS && s.last! >= anchor.first! - OUTAGE_OVERLAP_MS)
    .sort((a, b) => a.first! - b.first! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Breadth: independent service groups failing at the same time → an outage. */
export const ruleOutage: Rule = (ctx) => {
  const sig = [...ctx.services.values()].filter((s) => s.significant && s.first !== undefined);
  const together = overlappingGroups(sig);
  const groups = new Set(together.map((s) => s.group));
  const status = ctx.probes.filter(isOfficialIncident);
  if (groups.size < OUTAGE_MIN_GROUPS && !(status.length > 0 && sig.length > 0)) return null;
  const items = failsOf(ctx, ['conn', 'http5', 'auth', 'dns', 'tls', 'loop'], true).filter((it) =>
    together.some((s) => s.id === it.o.service),
  );
  const ev = [evidence('services-failing', [together.length, together.map((s) => s.id).join(', ')], items)];
  if (status.length) ev.push(fact('status-page', [status[0]!.target], status[0]!.t));
  for (const s of together) ev.push(...retryFailsEvidence(ctx, s.id));
  return provider('outage', [...ev, ...controlEvidence(ctx)], {
    services: (together.length ? together : sig).map((s) => s.id),
  });
};

/**
 * A status-page probe is official evidence of an incident only when the feed was read (`ok`) AND it lists alarms
 * still open when it was read (`alarms`, counted by the probe: core/probes/status-page.ts openAlarms). An unreadable
 * feed (HTTP error, garbage, timeout) is no evidence either way; a readable feed without open alarms is none.
 */
export function isOfficialIncident(p: ProbeObs): boolean {
  return p.probe === 'status-page' && p.ok && (p.alarms ?? 0) > 0;
}

function serviceFailEvidence(ctx: Ctx, s: SvcStat): Evidence[] {
  const five = (ctx.fails.get('http5') ?? []).filter((it) => it.o.service === s.id);
  const conn = failsOf(ctx, ['conn', 'tls'], true).filter((it) => it.o.service === s.id);
  const ev: Evidence[] = [];
  if (five.length) ev.push(evidence('server-5xx', [five.length, hostList(distinctHosts(five))], five));
  if (conn.length) ev.push(evidence('conn-failed', [conn.length, hostList(distinctHosts(conn))], conn));
  ev.push(...retryFailsEvidence(ctx, s.id));
  return ev;
}

const significantBy = (ctx: Ctx, classes: FailClass[]) =>
  [...ctx.services.values()].filter(
    (s) => s.significant && classes.reduce((n, c) => n + (s.byClass[c] ?? 0), 0) >= Math.max(1, s.strong / 2),
  );

/**
 * Broken pictures (load error, zero size) on CDN hosts, counted like CDN failures: each picture is a failure
 * of its host (the larger of its failed requests and its broken pictures, as a failed request usually is a
 * broken picture too), against the host's requests. Only hosts with outcomes count (a ratio needs requests).
 * A picture whose own request the CDN answered with a 4xx is a missing or forbidden object (the page's link),
 * not the CDN failing: it does not count.
 */
function brokenCdn(ctx: Ctx): { n: number; hosts: string[]; used: BrokenImage[] } | null {
  const byHost = new Map<string, { n: number; obs: BrokenImage[] }>();
  for (const o of ctx.obs) {
    if (o.kind !== 'broken-image' || (o.reason !== 'error' && o.reason !== 'zero-size') || o.service !== 'cdn')
      continue;
    if (o.failure === 'http.4xx') continue;
    let b = byHost.get(o.host);
    if (!b) byHost.set(o.host, (b = { n: 0, obs: [] }));
    b.n += Math.max(1, o.count);
    b.obs.push(o);
  }
  if (byHost.size === 0) return null;
  const strong = new Map<string, number>();
  for (const it of failsOf(ctx, ['conn', 'http5', 'tls'], true))
    if (byHost.has(it.o.host)) strong.set(it.o.host, (strong.get(it.o.host) ?? 0) + 1);
  let pictures = 0;
  let failed = 0;
  let bad = false;
  const hosts: string[] = [];
  const used: BrokenImage[] = [];
  for (const [host, b] of byHost) {
    const h = ctx.tally.hosts.get(host);
    if (!h || h.service !== 'cdn') continue;
    const f = Math.max(strong.get(host) ?? 0, b.n);
    pictures += b.n;
    failed += f;
    hosts.push(host);
    used.push(...b.obs);
    if (b.n >= BROKEN_IMAGE_MIN && f >= HOST_FAIL_RATIO * Math.max(h.requests, f)) bad = true;
  }
  if (pictures < BROKEN_IMAGE_MIN) return null;
  const svcReq = ctx.services.get('cdn')?.requests ?? 0;
  if (!bad && !(failed >= SERVICE_FAIL_RATIO * Math.max(svcReq, failed))) return null;
  return { n: pictures, hosts, used };
}

/** The CDN / image edge resets, times out or answers 5xx, or many of its pictures arrive broken. */
export const ruleCdn: Rule = (ctx) => {
  const s = significantBy(ctx, ['conn', 'http5', 'tls']).find((x) => x.id === 'cdn');
  const pics = brokenCdn(ctx);
  if (!s && !pics) return null;
  const ev = s ? serviceFailEvidence(ctx, s) : retryFailsEvidence(ctx, 'cdn');
  const blame: Blame = { services: ['cdn'] };
  if (pics) {
    let t = 0;
    for (const o of pics.used) t = Math.max(t, o.t);
    ev.push(fact('broken-images', [pics.n, hostList(pics.hosts)], t, pics.n, pics.hosts));
    blame.obs = pics.used;
  }
  return provider('cdn', [...ev, ...controlEvidence(ctx)], blame);
};

/** One service answers 5xx (or drops connections while the rest works). */
export const ruleServerError: Rule = (ctx) => {
  const others = ctx.control.works || [...ctx.services.values()].some((x) => !x.significant && x.ok >= CONTROL_MIN_OK);
  // A clean request of the extension's own (no cookies) answered with an error too: the resource fails for anyone.
  const retryFails = (s: SvcStat) => retryFailsEvidence(ctx, s.id).length > 0;
  const sig = significantBy(ctx, ['conn', 'http5', 'tls']).filter(
    (s) => (s.byClass.http5 ?? 0) > 0 || others || retryFails(s),
  );
  if (sig.length === 0) return null;
  sig.sort((a, b) => b.strong - a.strong);
  return provider('server-error', [...serviceFailEvidence(ctx, sig[0]!), ...controlEvidence(ctx)], {
    services: [sig[0]!.id],
  });
};

/**
 * Requests that got no answer and no error text (a Firefox HAR's status 0), read as a person would: the page
 * loaded, neutral sites answered, and one provider host has NO_ANSWER_MIN of them and not one success → that host
 * is failing (its CDN, or its server). Without that context they stay unclear (ruleUnclear).
 */
export const ruleNoAnswer: Rule = (ctx) => {
  const t = ctx.tally;
  if (!ctx.control.works) return null;
  let pageLoaded = false;
  for (const h of t.pageHosts.keys()) if ((t.hosts.get(h)?.ok ?? 0) > 0) pageLoaded = true;
  if (!pageLoaded) return null;
  const byHost = new Map<string, Item[]>();
  for (const it of ctx.fails.get('unknown') ?? []) {
    if (it.o.service === null || it.o.status !== 0 || (t.hosts.get(it.o.host)?.ok ?? 0) > 0) continue;
    let a = byHost.get(it.o.host);
    if (!a) byHost.set(it.o.host, (a = []));
    a.push(it);
  }
  let worst: Item[] = [];
  for (const a of byHost.values()) if (a.length > worst.length) worst = a;
  if (worst.length < NO_ANSWER_MIN) return null;
  const host = worst[0]!.o.host;
  return provider(
    worst[0]!.o.service === 'cdn' ? 'cdn' : 'server-error',
    [evidence('no-answer', [worst.length, host], worst), ...controlEvidence(ctx)],
    blameOf(worst),
  );
};

/** Path shapes of static files (a missing one is a missing file, not a broken API). */
const STATIC_FILE =
  /\.(?:js|mjs|css|map|png|jpe?g|gif|webp|avif|svg|ico|woff2?|ttf|otf|eot|mp4|webm|mp3|wasm|txt|html?)$/i;

/** The registrable part of a host, roughly (a.b.example.com → example.com, x.example.com.cn → example.com.cn). */
function siteOf(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2 || /^\d+$/.test(labels[labels.length - 1]!)) return host;
  const sld = labels[labels.length - 2]!;
  const n = labels[labels.length - 1]!.length === 2 && /^(?:com|net|org|gov|edu|co|ac)$/.test(sld) ? 3 : 2;
  return labels.slice(-n).join('.');
}

/**
 * A broken deployment: one of the site's own API endpoints (fetch/XHR, a path that is not a static file) answered
 * 404 to every call — API_NOT_FOUND_MIN of them and not one success in the window. The site's own: a provider
 * service, or a watched site on the same domain as a page loaded in the window (third-party calls stay noise, as
 * do missing pictures, favicons and static files).
 */
export const ruleBrokenApi: Rule = (ctx) => {
  const t = ctx.tally;
  if (t.apiNotFound.length < API_NOT_FOUND_MIN) return null;
  const pages = new Set<string>();
  for (const h of t.pageHosts.keys()) pages.add(siteOf(h));
  const byEndpoint = new Map<string, RequestOutcome[]>();
  t.apiNotFound.forEach((o) => {
    if (o.service === null || STATIC_FILE.test(o.path)) return;
    if (o.service === 'site' && !pages.has(siteOf(o.host))) return;
    const k = o.host + o.path;
    let a = byEndpoint.get(k);
    if (!a) byEndpoint.set(k, (a = []));
    a.push(o);
  });
  const broken: RequestOutcome[] = [];
  const endpoints: string[] = [];
  for (const [k, a] of byEndpoint)
    if (a.length >= API_NOT_FOUND_MIN && t.endpoint(a[0]!.host, a[0]!.path) === undefined) {
      broken.push(...a);
      endpoints.push(k);
    }
  if (broken.length === 0) return null;
  return provider('page-bug', [
    evidence(
      'api-not-found',
      [broken.length, hostList(endpoints)],
      broken.map((o) => ({ o })),
    ),
  ]);
};
