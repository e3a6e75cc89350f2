/**
 * The quiet state: healthy, with too little traffic to say more (a fresh install, a quiet hour) — the engine's
 * healthy rule then rests on the `few-requests` fact (engine/rules/healthy.ts). The popup, the badge and the CLI say
 * "watching, nothing wrong seen" instead of "everything works", and never "something failed" (unclear is for
 * failures whose side is undecided).
 */
import type { Diagnosis } from './types';

/** The number of watched requests a quiet diagnosis rests on, or null when the diagnosis is not quiet. */
export function quietRequests(d: Pick<Diagnosis, 'verdict' | 'evidence'>): number | null {
  if (d.verdict !== 'healthy') return null;
  const e = d.evidence.find((x) => x.id === 'few-requests');
  return e ? e.count : null;
}
