/**
 * GET /v1/status from a store: roll up finished quarter hours that still lack their rollup, fetch the rows of
 * the windows (window.ts windowSpans) and fold them (window.ts foldStatus). The store only fetches and saves.
 */
import {
  PROTOCOL_VERSION,
  type CollectorMode,
  type StatusResponse,
  type StatusRules,
} from '../../src/core/crowd/protocol';
import { QUARTER_MS, RAW_RETENTION_MS, type Store } from './store';
import { foldStatus, quartersToRoll, rollupRows, windowSpans } from './window';

/** Save the rollup of every finished quarter hour whose votes are still stored and that has none yet. */
export async function rollUp(store: Store, now: number): Promise<number> {
  const have = await store.rollups(now - RAW_RETENTION_MS - QUARTER_MS, now);
  const todo = quartersToRoll(now, have);
  for (const q of todo) await store.saveRollups(rollupRows(q, await store.distinct(q, q + QUARTER_MS)));
  return todo.length;
}

export async function readStatus(
  store: Store,
  now: number,
  mode: CollectorMode,
  rules: StatusRules,
): Promise<StatusResponse> {
  await rollUp(store, now);
  const sp = windowSpans(now, rules);
  const [minutes, d15, d60, rollups] = await Promise.all([
    store.minuteRows(sp.minutes.from, sp.minutes.to),
    store.distinct(sp.d15.from, sp.d15.to),
    store.distinct(sp.d60.from, sp.d60.to),
    store.rollups(sp.rollups.from, sp.rollups.to),
  ]);
  return {
    v: PROTOCOL_VERSION,
    at: now,
    mode,
    rules,
    services: foldStatus(now, { minutes, d15, d60, rollups }, rules),
  };
}
