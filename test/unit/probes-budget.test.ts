import { describe, expect, it } from 'vitest';
import {
  BACKOFF_CAP_MS,
  INCIDENT_QUIET_MS,
  MAX_PER_INCIDENT,
  MAX_PER_MINUTE,
  STATUS_PAGE_RESERVE,
  backoffMs,
  budgetDenial,
  initialProbeState,
  prune,
  recordResult,
  recordSent,
  sentInLastMinute,
  updateIncident,
  type ProbeState,
} from '../../src/core/probes/budget';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function inIncident(now = T0): ProbeState {
  return updateIncident(initialProbeState(), now, true);
}

describe('budget numbers', () => {
  it('are the documented ones', () => {
    expect(MAX_PER_MINUTE).toBe(8);
    expect(MAX_PER_INCIDENT).toBe(40);
    expect(STATUS_PAGE_RESERVE).toBe(10);
    expect(INCIDENT_QUIET_MS).toBe(5 * MIN);
    expect(BACKOFF_CAP_MS).toBe(15 * MIN);
  });
  it('back-off is 1, 2, 4, 8, then capped at 15 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(backoffMs)).toEqual([
      0,
      MIN,
      2 * MIN,
      4 * MIN,
      8 * MIN,
      15 * MIN,
      15 * MIN,
      15 * MIN,
    ]);
  });
});

describe('none while healthy', () => {
  it('denies every probe outside an incident', () => {
    const s = initialProbeState();
    expect(budgetDenial(s, T0, 'control:www.baidu.com')).toBe('healthy');
    expect(budgetDenial(s, T0, 'status-page:status.aliyun.com')).toBe('healthy');
    expect(updateIncident(s, T0, false)).toBe(s);
  });
  it('an incident ends after exactly 5 quiet minutes, and then nothing is allowed', () => {
    let s = inIncident(T0);
    s = updateIncident(s, T0 + 2 * MIN, true);
    expect(s.incident).toEqual({ start: T0, lastFailure: T0 + 2 * MIN, probes: 0 });
    expect(updateIncident(s, T0 + 7 * MIN - 1, false).incident).not.toBeNull();
    expect(budgetDenial(s, T0 + 7 * MIN - 1, 'control:a.com')).toBeNull();
    expect(budgetDenial(s, T0 + 7 * MIN, 'control:a.com')).toBe('healthy');
    const ended = updateIncident(s, T0 + 7 * MIN, false);
    expect(ended.incident).toBeNull();
    expect(budgetDenial(ended, T0 + 7 * MIN, 'control:a.com')).toBe('healthy');
  });
});

describe('per-minute cap', () => {
  it('allows 8 probes in a sliding minute, the 9th waits until the first is 60 s old', () => {
    let s = inIncident();
    for (let i = 0; i < 8; i++) {
      expect(budgetDenial(s, T0 + i * 1000, `cookieless-retry:h${i}`)).toBeNull();
      s = recordSent(s, T0 + i * 1000, `cookieless-retry:h${i}`);
    }
    expect(sentInLastMinute(s, T0 + 8000)).toBe(8);
    expect(budgetDenial(s, T0 + 8000, 'cookieless-retry:h9')).toBe('minute');
    expect(budgetDenial(s, T0 + MIN - 1, 'cookieless-retry:h9')).toBe('minute');
    expect(budgetDenial(s, T0 + MIN, 'cookieless-retry:h9')).toBeNull();
    expect(sentInLastMinute(s, T0 + MIN)).toBe(7);
  });
  it('counts probes already planned in the same round', () => {
    const s = inIncident();
    expect(budgetDenial(s, T0, 'control:x.com', 7)).toBeNull();
    expect(budgetDenial(s, T0, 'control:x.com', 8)).toBe('minute');
  });
});

describe('per-incident cap', () => {
  it('stops ordinary probes at 30 and keeps 10 for the status page, 40 in all', () => {
    let s = inIncident();
    let t = T0;
    for (let i = 0; i < 30; i++) {
      t = T0 + i * MIN; // one per minute: never the per-minute cap
      s = updateIncident(s, t, true);
      expect(budgetDenial(s, t, `cookieless-retry:h${i}`)).toBeNull();
      s = recordSent(s, t, `cookieless-retry:h${i}`);
    }
    expect(s.incident!.probes).toBe(30);
    t += MIN;
    s = updateIncident(s, t, true);
    expect(budgetDenial(s, t, 'cookieless-retry:new')).toBe('incident');
    expect(budgetDenial(s, t, 'status-page:status.aliyun.com')).toBeNull();
    for (let i = 0; i < 10; i++) {
      for (let m = 0; m < 5; m++) s = updateIncident(s, (t += MIN), true); // failures every minute
      expect(budgetDenial(s, t, 'status-page:status.aliyun.com')).toBeNull();
      s = recordSent(s, t, 'status-page:status.aliyun.com');
    }
    expect(s.incident!.probes).toBe(40);
    for (let m = 0; m < 5; m++) s = updateIncident(s, (t += MIN), true);
    expect(budgetDenial(s, t, 'status-page:status.aliyun.com')).toBe('incident');
  });
  it('a new incident starts with a fresh count and no back-offs', () => {
    let s = inIncident();
    s = recordSent(s, T0, 'dns:a.com');
    s = recordResult(s, T0, 'dns:a.com', false);
    const later = T0 + 5 * MIN;
    s = updateIncident(s, later, false);
    expect(s.incident).toBeNull();
    s = updateIncident(s, later + MIN, true);
    expect(s.incident).toEqual({ start: later + MIN, lastFailure: later + MIN, probes: 0 });
    expect(s.backoff).toEqual({});
    expect(s.last).toEqual({});
  });
});

describe('back-off per target', () => {
  it('doubles on each failure and resets on success', () => {
    const key = 'cookieless-retry:img.alicdn.com';
    let s = inIncident();
    s = recordSent(s, T0, key);
    s = recordResult(s, T0, key, false);
    expect(s.backoff[key]).toEqual({ failures: 1, until: T0 + MIN });
    expect(budgetDenial(s, T0 + MIN - 1, key)).toBe('backoff');
    expect(budgetDenial(s, T0 + MIN, key)).toBeNull();

    s = recordSent(s, T0 + MIN, key);
    s = recordResult(s, T0 + MIN, key, false);
    expect(s.backoff[key]).toEqual({ failures: 2, until: T0 + 3 * MIN });
    expect(budgetDenial(s, T0 + 3 * MIN - 1, key)).toBe('backoff');

    s = recordResult(s, T0 + 3 * MIN, key, false);
    expect(s.backoff[key]).toEqual({ failures: 3, until: T0 + 7 * MIN });
    for (let i = 0; i < 5; i++) s = recordResult(s, T0 + 7 * MIN, key, false);
    expect(s.backoff[key]).toEqual({ failures: 8, until: T0 + 22 * MIN });

    s = recordResult(s, T0 + 22 * MIN, key, true);
    expect(s.backoff[key]).toBeUndefined();
    s = recordResult(s, T0 + 23 * MIN, key, false);
    expect(s.backoff[key]).toEqual({ failures: 1, until: T0 + 24 * MIN });
  });
  it('is per key: another target is not held back', () => {
    let s = inIncident();
    s = recordResult(s, T0, 'control:www.baidu.com', false);
    expect(budgetDenial(s, T0 + 1, 'control:www.baidu.com')).toBe('backoff');
    expect(budgetDenial(s, T0 + 1, 'control:www.qq.com')).toBeNull();
  });
  it('minimum interval per key: control 2 min, retry 1 min, clock and status page 5 min', () => {
    let s = inIncident();
    for (const k of ['control:a.com', 'cookieless-retry:b.com', 'clock:*', 'status-page:status.aliyun.com'])
      s = recordSent(s, T0, k);
    s = updateIncident(s, T0 + 4 * MIN, true);
    expect(budgetDenial(s, T0 + MIN - 1, 'cookieless-retry:b.com')).toBe('interval');
    expect(budgetDenial(s, T0 + MIN, 'cookieless-retry:b.com')).toBeNull();
    expect(budgetDenial(s, T0 + 2 * MIN - 1, 'control:a.com')).toBe('interval');
    expect(budgetDenial(s, T0 + 2 * MIN, 'control:a.com')).toBeNull();
    expect(budgetDenial(s, T0 + 5 * MIN - 1, 'clock:*')).toBe('interval');
    expect(budgetDenial(s, T0 + 5 * MIN, 'status-page:status.aliyun.com')).toBeNull();
  });
});

describe('pure transitions', () => {
  it('never mutate their input', () => {
    const s = inIncident();
    const snap = JSON.stringify(s);
    recordSent(s, T0, 'control:a.com');
    recordResult(s, T0, 'control:a.com', false);
    updateIncident(s, T0 + 10 * MIN, false);
    prune(s, T0 + 10 * MIN, true);
    expect(JSON.stringify(s)).toBe(snap);
  });
  it('prune forgets old sends, intervals and long-expired back-offs', () => {
    let s = inIncident();
    s = recordSent(s, T0, 'control:a.com');
    s = recordResult(s, T0, 'control:a.com', false);
    const p = prune(s, T0 + 16 * MIN);
    expect(p.sent).toEqual([]);
    expect(p.last).toEqual({});
    expect(p.backoff['control:a.com']).toEqual({ failures: 1, until: T0 + MIN });
    expect(prune(s, T0 + 31 * MIN).backoff).toEqual({});
  });
});
