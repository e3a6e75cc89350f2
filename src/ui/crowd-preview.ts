/**
 * What crowd mode would send, byte for byte, for the options page: one batch built by the real protocol
 * (src/core/crowd/protocol.ts makeReport) from a sample failure. Pure.
 */
import { PROTOCOL_VERSION, makeReport, type CrowdBatch } from '../core/crowd/protocol';
import type { RequestOutcome } from '../core/types';
import { FIXTURES, FIXTURE_NOW } from './fixtures';

/** A visibly fake reporter token (the real one is 128 random bits, replaced every UTC day). */
export const SAMPLE_TOKEN = '0123456789abcdef0123456789abcdef';

export interface CrowdPreview {
  batch: CrowdBatch;
  /** The exact request body: compact JSON, UTF-8. */
  body: string;
  /** Its size in bytes. */
  bytes: number;
}

export function sampleCrowdReport(
  version = '0.1.0',
  now = FIXTURE_NOW,
  outcomes: readonly RequestOutcome[] = FIXTURES.provider.recentFailures,
): CrowdPreview {
  const reports = outcomes
    .map((o) => makeReport(o, 'provider', version, SAMPLE_TOKEN, now))
    .filter((r): r is NonNullable<typeof r> => r !== null)
    .slice(0, 1);
  const batch: CrowdBatch = { v: PROTOCOL_VERSION, reports };
  const body = JSON.stringify(batch);
  return { batch, body, bytes: new TextEncoder().encode(body).length };
}
