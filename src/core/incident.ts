/**
 * Notification policy as a pure state machine: one notification when a provider-side problem is first
 * detected, one when it clears (back to healthy) — one per incident, never a stream. `unclear` in between
 * neither opens nor closes an incident. State is plain JSON (the background keeps it in storage.session).
 */
import type { Cause, Diagnosis } from './types';

export interface IncidentState {
  /** Open incident: when it began and its cause; null when none. */
  open: { since: number; cause: Cause } | null;
}

export type IncidentEvent =
  { kind: 'opened'; cause: Cause; since: number } | { kind: 'cleared'; minutes: number } | null;

export function nextIncident(
  state: IncidentState,
  d: Pick<Diagnosis, 'verdict' | 'cause' | 'since' | 'at'>,
): { state: IncidentState; event: IncidentEvent } {
  if (d.verdict === 'provider') {
    if (state.open) return { state, event: null };
    const since = d.since ?? d.at;
    return { state: { open: { since, cause: d.cause } }, event: { kind: 'opened', cause: d.cause, since } };
  }
  if (d.verdict === 'healthy' && state.open) {
    const minutes = Math.max(1, Math.round((d.at - state.open.since) / 60_000));
    return { state: { open: null }, event: { kind: 'cleared', minutes } };
  }
  return { state, event: null };
}
