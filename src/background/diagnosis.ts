/**
 * The single place the popup's `diagnosis` comes from: the pure engine (src/core/engine) over the outcomes
 * and observations the background read from history. Kept as one function so the lead can switch to the
 * incremental LiveEngine (src/core/engine/live.ts) without touching the message handler.
 */
import type { Diagnosis, Observation, RequestOutcome } from '../core/types';
import { diagnose } from '../core/engine';

export function currentDiagnosis(outcomes: readonly RequestOutcome[], observations: readonly Observation[], opts: { now: number }): Diagnosis {
  return diagnose(outcomes, observations, { now: opts.now });
}
