/**
 * Probe budget: pure state transitions (each returns a new state; inputs are never mutated). The state is
 * plain JSON so the background can keep it in storage.session across service-worker restarts.
 *
 * Rules (numbers in docs/active-checks.md):
 * - none while healthy: nothing may be sent outside an incident;
 * - an incident starts with the first minute with watched failures and ends after INCIDENT_QUIET_MS without any;
 * - at most MAX_PER_MINUTE probes in any sliding 60 s window, MAX_PER_INCIDENT per incident, of which the last
 *   STATUS_PAGE_RESERVE may only be used by the status page (so the official notice, often 30 min late, is
 *   still read after the other probes have used their share);
 * - per key (probe + target) a minimum interval (MIN_INTERVAL_MS), and after failures an exponential back-off:
 *   1, 2, 4, 8, 15, 15… minutes, reset by a success (and by the end of the incident).
 */
import type { ProbeKind } from './types';

export const MINUTE_MS = 60_000;
export const MAX_PER_MINUTE = 8;
export const MAX_PER_INCIDENT = 40;
export const STATUS_PAGE_RESERVE = 10;
export const INCIDENT_QUIET_MS = 5 * MINUTE_MS;
export const BACKOFF_BASE_MS = MINUTE_MS;
export const BACKOFF_CAP_MS = 15 * MINUTE_MS;
/** Minimum interval between two probes of the same key. */
export const MIN_INTERVAL_MS: Readonly<Record<ProbeKind, number>> = {
  control: 2 * MINUTE_MS,
  'cookieless-retry': MINUTE_MS,
  dns: 2 * MINUTE_MS,
  clock: 5 * MINUTE_MS,
  'status-page': 5 * MINUTE_MS,
};

export interface Incident {
  start: number;
  lastFailure: number;
  /** Probes sent during this incident. */
  probes: number;
}

export interface Backoff {
  /** Consecutive failures. */
  failures: number;
  /** No probe of this key before this time. */
  until: number;
}

export interface ProbeState {
  /** Send times within the last minute (sliding window). */
  sent: number[];
  /** key → last send time. */
  last: Record<string, number>;
  /** key → back-off after failures. */
  backoff: Record<string, Backoff>;
  incident: Incident | null;
}

export type BudgetDenial = 'healthy' | 'minute' | 'incident' | 'backoff' | 'interval';

export function initialProbeState(): ProbeState {
  return { sent: [], last: {}, backoff: {}, incident: null };
}

/** Back-off after `failures` consecutive failures: 1, 2, 4, 8 min…, capped at 15 min; 0 when none. */
export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30), BACKOFF_CAP_MS);
}

/** Probe kind of a key (`${probe}:${target}`). */
export function kindOfKey(key: string): ProbeKind {
  return key.slice(0, key.indexOf(':')) as ProbeKind;
}

/**
 * Note whether watched failures are being seen now. Starts an incident, extends it, or ends it after
 * INCIDENT_QUIET_MS without failures (which also forgets back-offs and intervals).
 */
export function updateIncident(state: ProbeState, now: number, failing: boolean): ProbeState {
  const inc = state.incident;
  if (failing) {
    if (inc && now - inc.lastFailure < INCIDENT_QUIET_MS) {
      return { ...state, incident: { ...inc, lastFailure: Math.max(inc.lastFailure, now) } };
    }
    return { ...prune(state, now, true), incident: { start: now, lastFailure: now, probes: 0 } };
  }
  if (inc && now - inc.lastFailure >= INCIDENT_QUIET_MS) return { ...prune(state, now, true), incident: null };
  return state;
}

/** Why a probe of `key` may not be sent now, or null when it may. `planned` = probes already chosen this round. */
export function budgetDenial(state: ProbeState, now: number, key: string, planned = 0): BudgetDenial | null {
  const inc = state.incident;
  if (!inc || now - inc.lastFailure >= INCIDENT_QUIET_MS) return 'healthy';
  const kind = kindOfKey(key);
  const cap = kind === 'status-page' ? MAX_PER_INCIDENT : MAX_PER_INCIDENT - STATUS_PAGE_RESERVE;
  if (inc.probes + planned >= cap) return 'incident';
  if (sentInLastMinute(state, now) + planned >= MAX_PER_MINUTE) return 'minute';
  const b = state.backoff[key];
  if (b && now < b.until) return 'backoff';
  const last = state.last[key];
  if (last !== undefined && now - last < (MIN_INTERVAL_MS[kind] ?? MINUTE_MS)) return 'interval';
  return null;
}

export function sentInLastMinute(state: ProbeState, now: number): number {
  let n = 0;
  for (const t of state.sent) if (now - t < MINUTE_MS && t <= now) n++;
  return n;
}

/** Record that a probe of `key` was sent at `now`. */
export function recordSent(state: ProbeState, now: number, key: string): ProbeState {
  const sent = state.sent.filter((t) => now - t < MINUTE_MS);
  sent.push(now);
  return {
    ...state,
    sent,
    last: { ...state.last, [key]: now },
    incident: state.incident ? { ...state.incident, probes: state.incident.probes + 1 } : null,
  };
}

/** Record a probe's result: a failure doubles the back-off of its key, a success resets it. */
export function recordResult(state: ProbeState, now: number, key: string, ok: boolean): ProbeState {
  const backoff = { ...state.backoff };
  if (ok) {
    if (!(key in backoff)) return state;
    delete backoff[key];
  } else {
    const failures = (backoff[key]?.failures ?? 0) + 1;
    backoff[key] = { failures, until: now + backoffMs(failures) };
  }
  return { ...state, backoff };
}

/** Drop expired bookkeeping (keeps the state small). `all` = also forget back-offs (incident boundary). */
export function prune(state: ProbeState, now: number, all = false): ProbeState {
  const last: Record<string, number> = {};
  for (const [k, t] of Object.entries(state.last)) if (!all && now - t < BACKOFF_CAP_MS) last[k] = t;
  const backoff: Record<string, Backoff> = {};
  if (!all) for (const [k, b] of Object.entries(state.backoff)) if (now < b.until + 2 * BACKOFF_CAP_MS) backoff[k] = b;
  return { ...state, sent: state.sent.filter((t) => now - t < MINUTE_MS), last, backoff };
}
