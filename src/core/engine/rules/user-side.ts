/**
 * Rules that blame the user's side: everything failing (OONI: the control fails too), offline, a proxy, local
 * DNS, the clock, TLS interception; and, once the rest of the provider works, credentials, risk control and a
 * blocking extension.
 */
import { medianSkew } from '../../probes/clock';
import type { Cause, Evidence } from '../../types';
import { type FailClass, isProviderSide } from '../classify';
import { distinctHosts, evidence, fact, failsOf, hostList } from '../context';
import type { Item } from '../tally';
import {
  BLOCKED_MIN,
  CLOCK_SKEW_MIN_HOSTS,
  CLOCK_SKEW_MS,
  CREDENTIALS_MIN_FAILURES,
  CREDENTIALS_MIN_OTHERS_OK,
  DNS_MIN,
  OFFLINE_MIN,
  PROXY_MIN,
  RISK_MIN,
  TLS_DATE_MIN_HOSTS,
  TLS_INTERCEPT_MIN_HOSTS,
} from '../thresholds';
import {
  type Blame,
  blameOf,
  controlEvidence,
  type Ctx,
  dnsProbes,
  firstOkByKey,
  type ProbeObs,
  type Rule,
  user,
  watchedFailing,
} from './common';

/** OONI: the provider and the control both fail → the problem is on the user's side. */
export const ruleEverythingFailing: Rule = (ctx) => {
  if (!ctx.control.failing) return null;
  const watched = watchedFailing(ctx);
  if (watched.length === 0) return null;
  const count = (cs: FailClass[]) => cs.reduce((n, c) => n + (ctx.fails.get(c)?.length ?? 0), 0);
  const dns = count(['dns']);
  const proxy = count(['proxy']);
  const tls = count(['tls-ca']);
  const other = count(['offline', 'conn', 'unknown']);
  const max = Math.max(dns, proxy, tls, other);
  const cause: Cause =
    max === dns && dns > 0
      ? 'dns-local'
      : max === proxy && proxy > 0
        ? 'proxy'
        : max === tls && tls > 0
          ? 'tls-interception'
          : 'offline';
  const classes = [...ctx.fails.keys()].filter(
    (c) => isProviderSide(c) || c === 'offline' || c === 'proxy' || c === 'tls-ca' || c === 'unknown',
  );
  const blame: Blame = { classes, control: true };
  if (ctx.control.probes.failed.length) {
    const failed = new Set(ctx.control.probes.failed);
    const newest = new Map<string, ProbeObs>();
    for (const p of ctx.probes) if (p.probe === 'control' && failed.has(p.target)) newest.set(p.target, p);
    blame.obs = [...newest.values()];
  }
  return user(
    cause,
    [...controlEvidence(ctx), evidence('watched-failing', [watched.length, hostList(distinctHosts(watched))], watched)],
    blame,
  );
};

/** Did any request (watched or not) that started after `t` succeed? */
function succeededAfter(ctx: Ctx, t: number): boolean {
  for (const q of ctx.tally.hostOk.values()) if (q.length > 0 && q.at(q.length - 1) > t) return true;
  return false;
}

/**
 * The browser itself says it is offline (ERR_INTERNET_DISCONNECTED, NS_ERROR_OFFLINE): the operating system has no
 * network. Decisive on its own, unless a request that started after the newest of them succeeded (a blip).
 */
export const ruleOffline: Rule = (ctx) => {
  const off = ctx.fails.get('offline') ?? [];
  if (off.length < OFFLINE_MIN) return null;
  let newest = -Infinity;
  for (const it of off) if (it.o.t > newest) newest = it.o.t;
  if (succeededAfter(ctx, newest)) return null;
  return user('offline', [evidence('offline', [off.length], off), ...controlEvidence(ctx)], { classes: ['offline'] });
};

/** Proxy connection failures. */
export const ruleProxy: Rule = (ctx) => {
  const p = ctx.fails.get('proxy') ?? [];
  if (p.length < PROXY_MIN) return null;
  return user('proxy', [evidence('proxy-failed', [p.length, hostList(distinctHosts(p))], p)], { classes: ['proxy'] });
};

/** Names fail to resolve here but exist (public resolver), or control names fail too → local DNS. */
export const ruleDnsLocal: Rule = (ctx) => {
  const d = ctx.fails.get('dns') ?? [];
  if (d.length < DNS_MIN) return null;
  const failing = new Set(distinctHosts(d));
  const exists = dnsProbes(ctx).filter((p) => p.exists === true && (failing.has(p.target) || p.target === ''));
  const controlDns = d.filter((it) => it.o.service === null);
  if (exists.length === 0 && controlDns.length === 0) return null;
  const ev = [evidence('dns-failed', [d.length, hostList([...failing])], d)];
  if (exists.length)
    ev.push(fact('dns-probe-exists', [exists[0]!.target], exists[0]!.t, exists.length, [exists[0]!.target]));
  return user('dns-local', ev, { classes: ['dns'] });
};

/**
 * The clock: servers say our time is off (codes), certificate dates fail on several hosts, a clock probe shows skew,
 * or Date headers do — next to a failure a wrong clock explains.
 */
export const ruleClockSkew: Rule = (ctx) => {
  const ev: Evidence[] = [];
  const codes = ctx.fails.get('skew') ?? [];
  if (codes.length) ev.push(evidence('clock-code', [codes.length, hostList(distinctHosts(codes))], codes));
  // Date headers alone prove nothing (HAR tools write odd zones; caches keep old Dates): they count only next to
  // failures a wrong clock explains — skew codes, certificate dates, TLS, a signed request refused. Never an
  // ordinary 401 or an expired session.
  const signed = (ctx.fails.get('auth') ?? []).filter((it) => it.o.keyTag !== undefined).length;
  const clocky = codes.length + (ctx.fails.get('tls-date')?.length ?? 0) + (ctx.fails.get('tls')?.length ?? 0) + signed;
  // Fresh, dynamic responses only (Tally.dates), the median over hosts (one stale object cannot decide).
  const dates = clocky > 0 ? medianSkew(ctx.tally.dates.toArray(), CLOCK_SKEW_MIN_HOSTS) : null;
  const dateSkew = dates !== null && dates.skewMs !== null && Math.abs(dates.skewMs) > CLOCK_SKEW_MS;
  if (dateSkew)
    ev.push(fact('clock-date', [Math.round(Math.abs(dates.skewMs!) / 60_000), dates.samples], ctx.now, dates.samples));
  const probe = ctx.probes.filter(
    (p) => p.probe === 'clock' && p.skewMs !== undefined && Math.abs(p.skewMs) > CLOCK_SKEW_MS,
  );
  if (probe.length)
    ev.push(
      fact(
        'clock-probe',
        [Math.round(Math.abs(probe[probe.length - 1]!.skewMs!) / 60_000)],
        probe[probe.length - 1]!.t,
      ),
    );
  const date = ctx.fails.get('tls-date') ?? [];
  const dateHosts = distinctHosts(date);
  if (dateHosts.length >= TLS_DATE_MIN_HOSTS || (dateHosts.length > 0 && ev.length > 0))
    ev.push(evidence('tls-date', [dateHosts.length, hostList(dateHosts)], date));
  if (ev.length === 0) return null;
  // Resting on failures only (clock codes, certificate dates), it recovers like them; Date headers or a clock
  // probe that saw the skew keep it until they leave the window.
  return dateSkew || probe.length ? user('clock-skew', ev) : user('clock-skew', ev, blameOf([...codes, ...date]));
};

/** Certificates from an unknown authority on several hosts: something between the user and the internet re-signs TLS. */
export const ruleTlsInterception: Rule = (ctx) => {
  const ca = ctx.fails.get('tls-ca') ?? [];
  const hosts = distinctHosts(ca);
  if (hosts.length < TLS_INTERCEPT_MIN_HOSTS) return null;
  return user(
    'tls-interception',
    [evidence('tls-authority', [hosts.length, hostList(hosts)], ca), ...controlEvidence(ctx)],
    { classes: ['tls-ca'] },
  );
};

/**
 * One key (or resource) refused from its very first request while the rest of the provider works → the
 * user's credentials. An auth error alone never proves this.
 */
export const ruleCredentials: Rule = (ctx) => {
  const auth = failsOf(ctx, ['auth'], true);
  if (auth.length < CREDENTIALS_MIN_FAILURES) return null;
  const byRes = new Map<string, Item[]>();
  for (const it of auth) {
    const k = it.o.keyTag ?? 'host:' + it.o.host;
    let a = byRes.get(k);
    if (!a) byRes.set(k, (a = []));
    a.push(it);
  }
  if (byRes.size !== 1) return null;
  const [res, items] = [...byRes][0]!;
  if (items.length < CREDENTIALS_MIN_FAILURES) return null;
  const workedBefore = res.startsWith('host:')
    ? (ctx.tally.hosts.get(items[0]!.o.host)?.ok ?? 0) > 0
    : (firstOkByKey(ctx).get(res) ?? Infinity) < items[0]!.o.t;
  if (workedBefore) return null;
  let othersOk = 0;
  for (const s of ctx.services.values()) othersOk += s.ok;
  if (res.startsWith('host:')) othersOk -= ctx.tally.hosts.get(items[0]!.o.host)?.ok ?? 0;
  const otherFailing = [...ctx.services.values()].some((s) => s.significant && (s.byClass.auth ?? 0) < s.strong);
  if (othersOk < CREDENTIALS_MIN_OTHERS_OK || otherFailing) return null;
  return user('credentials', [evidence('credentials', [items.length, othersOk], items)], blameOf(items));
};

/** mtop anti-bot answers (RGV587_ERROR, FAIL_SYS_USER_VALIDATE, the punish page): risk control, never an outage. */
export const ruleRiskControl: Rule = (ctx) => {
  const r = ctx.fails.get('risk') ?? [];
  if (r.length < RISK_MIN) return null;
  return user('risk-control', [evidence('risk-control', [r.length, hostList(distinctHosts(r))], r)], blameOf(r));
};

/** Another extension blocks provider resources (not trackers). */
export const ruleBlockedByExtension: Rule = (ctx) => {
  const b = failsOf(ctx, ['blocked'], true);
  if (b.length < BLOCKED_MIN) return null;
  return user('blocked-by-extension', [evidence('blocked', [b.length, hostList(distinctHosts(b))], b)], {
    classes: ['blocked'],
  });
};
