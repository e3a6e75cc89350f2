import { describe, expect, it } from 'vitest';
import { nextIncident, type IncidentState } from '../../src/core/incident';
import type { Diagnosis } from '../../src/core/types';

const d = (
  verdict: Diagnosis['verdict'],
  at: number,
  cause: Diagnosis['cause'] = verdict === 'provider' ? 'auth-service' : 'none',
  since: number | null = null,
) => ({ verdict, cause, at, since });

describe('incident notifications', () => {
  it('one when a provider problem is first detected, one when it clears, none in between', () => {
    let s: IncidentState = { open: null };
    const events: string[] = [];
    const feed = (x: ReturnType<typeof d>) => {
      const r = nextIncident(s, x);
      s = r.state;
      if (r.event) events.push(r.event.kind === 'opened' ? `opened ${r.event.cause}` : `cleared ${r.event.minutes}`);
    };
    feed(d('healthy', 0));
    feed(d('provider', 60_000, 'auth-service', 50_000));
    for (let i = 2; i < 20; i++) feed(d('provider', i * 60_000, i % 2 ? 'outage' : 'auth-service', 50_000));
    feed(d('unclear', 21 * 60_000, 'insufficient-evidence'));
    feed(d('provider', 22 * 60_000));
    feed(d('healthy', 25 * 60_000 + 50_000));
    feed(d('healthy', 26 * 60_000));
    expect(events).toEqual(['opened auth-service', 'cleared 25']);
  });
  it('a user-side verdict never notifies', () => {
    expect(nextIncident({ open: null }, d('user', 0, 'proxy')).event).toBeNull();
  });
});
