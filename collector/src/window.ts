/**
 * THE window fold: rows fetched from a store (store.ts) → the per-service status of GET /v1/status. Pure, and the
 * only place that sums minutes, picks windows or computes the baseline, so the SQLite and Redis stores cannot
 * drift apart. Also decides which quarter hours still need their rollup (the baseline's input).
 *
 * Windows, for `now` in minute `cur`:
 *   m5 / m15 / m60      votes in minutes (cur-4 … cur) / (cur-14 … cur) / (cur-59 … cur)
 *   voters15, networks15  distinct over (cur-14 … cur); voters60 over (cur-59 … cur)
 *   baseline15          for each of the previous `baselineDays` days, the larger of that day's rollups of the two
 *                       quarter hours the 15-minute window overlaps (the same time of day); then the median of
 *                       those days. One flooded hour (or day) moves a median of seven days not at all; rollups
 *                       count distinct voters, so one voter counts once. baselineNetworks15 likewise for networks.
 *                       A new collector has no usual level: while a service has data on at most half of those
 *                       days, the minimums for the expected population apply (rules.ts youngMinimums;
 *                       docs/crowd-protocol.md, "A new collector").
 */
import {
  CROWD_SERVICES,
  DAY_MS,
  MINUTE_MS,
  type CrowdService,
  type ReportPhase,
  type ReportVerdict,
  type ServiceCrowdStatus,
  type StatusRules,
} from '../../src/core/crowd/protocol';
import { stateOf } from './rules';
import { QUARTER_MS, RAW_RETENTION_MS, quarterOf, type DistinctRow, type MinuteRow, type RollupRow } from './store';

/** Minutes of the status chart. */
export const CHART_MINUTES = 60;
/** A quarter is rolled up once it ended this long ago (requests in flight at its end have landed). */
export const ROLLUP_GRACE_MS = MINUTE_MS;

export interface Span {
  from: number;
  to: number;
}

export interface WindowSpans {
  minutes: Span;
  d15: Span;
  d60: Span;
  rollups: Span;
}

export interface WindowRows {
  minutes: readonly MinuteRow[];
  d15: readonly DistinctRow[];
  d60: readonly DistinctRow[];
  rollups: readonly RollupRow[];
}

const minuteStart = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;

/** What to fetch for a status at `now`. */
export function windowSpans(now: number, rules: StatusRules): WindowSpans {
  const cur = minuteStart(now);
  const end = cur + MINUTE_MS;
  const q = quarterOf(now);
  return {
    minutes: { from: end - CHART_MINUTES * MINUTE_MS, to: end },
    d15: { from: end - 15 * MINUTE_MS, to: end },
    d60: { from: end - 60 * MINUTE_MS, to: end },
    rollups: { from: q - Math.max(1, rules.baselineDays) * DAY_MS - QUARTER_MS, to: q - DAY_MS + QUARTER_MS },
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Usual distinct voters (and networks) per 15 minutes at the time of day of `now`, from the rollups of the
 * previous days.
 */
export function baseline15(
  rollups: readonly RollupRow[],
  service: CrowdService,
  now: number,
  baselineDays: number,
): { voters: number; networks: number; days: number } {
  if (baselineDays <= 0) return { voters: 0, networks: 0, days: 0 };
  const byQuarter = new Map<number, RollupRow>();
  for (const r of rollups) if (r.service === service) byQuarter.set(r.quarter, r);
  const q = quarterOf(now);
  const voters: number[] = [];
  const networks: number[] = [];
  let days = 0;
  for (let d = 1; d <= baselineDays; d++) {
    const a = byQuarter.get(q - d * DAY_MS - QUARTER_MS);
    const b = byQuarter.get(q - d * DAY_MS);
    if (a || b) days++;
    // A day without data counts as zero: a flood on a collector's first day is one day of seven, not the baseline.
    voters.push(Math.max(a?.voters ?? 0, b?.voters ?? 0));
    networks.push(Math.max(a?.networks ?? 0, b?.networks ?? 0));
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { voters: r2(median(voters)), networks: r2(median(networks)), days };
}

/** Rows → one status per crowd service (every service listed, in CROWD_SERVICES order). */
export function foldStatus(now: number, rows: WindowRows, rules: StatusRules): ServiceCrowdStatus[] {
  const cur = minuteStart(now);
  const first = cur - (CHART_MINUTES - 1) * MINUTE_MS;
  const out = new Map<CrowdService, ServiceCrowdStatus>();
  for (const service of CROWD_SERVICES) {
    out.set(service, {
      service,
      state: 'normal',
      reports: { m5: 0, m15: 0, m60: 0 },
      voters15: 0,
      voters60: 0,
      networks15: 0,
      baseline15: 0,
      baselineNetworks15: 0,
      perMinute: new Array<number>(CHART_MINUTES).fill(0),
      byPhase15: {},
      byVerdict15: {},
    });
  }
  for (const r of rows.minutes) {
    const s = out.get(r.service);
    if (!s || r.minute < first || r.minute > cur || !(r.n > 0)) continue;
    const age = (cur - r.minute) / MINUTE_MS;
    const i = CHART_MINUTES - 1 - age;
    s.perMinute[i] = (s.perMinute[i] ?? 0) + r.n;
    s.reports.m60 += r.n;
    if (age < 15) {
      s.reports.m15 += r.n;
      add(s.byPhase15, r.phase, r.n);
      add(s.byVerdict15, r.verdict, r.n);
    }
    if (age < 5) s.reports.m5 += r.n;
  }
  for (const d of rows.d15) {
    const s = out.get(d.service);
    if (s) {
      s.voters15 = d.voters;
      s.networks15 = d.networks;
    }
  }
  for (const d of rows.d60) {
    const s = out.get(d.service);
    if (s) s.voters60 = d.voters;
  }
  for (const s of out.values()) {
    const b = baseline15(rows.rollups, s.service, now, rules.baselineDays);
    s.baseline15 = b.voters;
    s.baselineNetworks15 = b.networks;
    s.state = stateOf(s, rules, b.days * 2 <= rules.baselineDays);
  }
  return [...out.values()];
}

function add<K extends ReportPhase | ReportVerdict>(m: Partial<Record<K, number>>, k: K, n: number): void {
  m[k] = (m[k] ?? 0) + n;
}

/**
 * Complete quarter hours still lacking their rollup, oldest first: those that ended at least ROLLUP_GRACE_MS ago
 * and whose votes are still stored (within RAW_RETENTION_MS). A quarter counts as rolled once any row names it.
 */
export function quartersToRoll(now: number, have: readonly RollupRow[]): number[] {
  const rolled = new Set(have.map((r) => r.quarter));
  const out: number[] = [];
  const oldest = quarterOf(now - RAW_RETENTION_MS) + QUARTER_MS;
  for (let q = oldest; q + QUARTER_MS + ROLLUP_GRACE_MS <= now; q += QUARTER_MS) if (!rolled.has(q)) out.push(q);
  return out;
}

/** One rollup row per crowd service for `quarter` (zeros included, so the quarter reads as rolled). */
export function rollupRows(quarter: number, distinct: readonly DistinctRow[]): RollupRow[] {
  return CROWD_SERVICES.map((service) => {
    const d = distinct.find((x) => x.service === service);
    return { service, quarter, voters: d?.voters ?? 0, networks: d?.networks ?? 0 };
  });
}
