/** The collector's one window fold (collector/src/window.ts) and its address grouping, pure. */
import { describe, expect, it } from 'vitest';
import { addressKeys } from '../../collector/src/address';
import { reconnectDelay, RECONNECT_MAX_MS } from '../../collector/src/redis-store';
import { PUBLIC_RULES, TEAM_RULES, stateOf, votersNeeded, youngMinimums } from '../../collector/src/rules';
import { configFromEnv } from '../../collector/src/config';
import type { MinuteRow, RollupRow } from '../../collector/src/store';
import { baseline15, foldStatus, quartersToRoll, rollupRows, windowSpans } from '../../collector/src/window';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 10, 9, 20, 30); // 09:20:30
const CUR = Date.UTC(2025, 5, 10, 9, 20);

describe('foldStatus', () => {
  it('sums minutes into m5/m15/m60, the chart and the 15-minute breakdowns; ignores other minutes', () => {
    const rows: MinuteRow[] = [
      { service: 'oss', minute: CUR, phase: 'dns', verdict: 'provider', n: 3 },
      { service: 'oss', minute: CUR, phase: 'connection', verdict: 'unclear', n: 1 },
      { service: 'oss', minute: CUR - 4 * MIN, phase: 'dns', verdict: 'provider', n: 2 },
      { service: 'oss', minute: CUR - 5 * MIN, phase: 'dns', verdict: 'provider', n: 5 },
      { service: 'oss', minute: CUR - 14 * MIN, phase: 'tls', verdict: 'provider', n: 7 },
      { service: 'oss', minute: CUR - 15 * MIN, phase: 'tls', verdict: 'provider', n: 11 },
      { service: 'oss', minute: CUR - 59 * MIN, phase: 'tls', verdict: 'provider', n: 13 },
      { service: 'oss', minute: CUR - 60 * MIN, phase: 'tls', verdict: 'provider', n: 1000 }, // out of the hour
      { service: 'oss', minute: CUR + MIN, phase: 'tls', verdict: 'provider', n: 1000 }, // in the future
      { service: 'cdn', minute: CUR, phase: 'application', verdict: 'provider', n: 1 },
    ];
    const out = foldStatus(
      NOW,
      {
        minutes: rows,
        d15: [{ service: 'oss', voters: 9, networks: 4 }],
        d60: [{ service: 'oss', voters: 30, networks: 9 }],
        rollups: [],
      },
      PUBLIC_RULES,
    );
    expect(out).toHaveLength(14);
    const oss = out.find((s) => s.service === 'oss')!;
    expect(oss.reports).toEqual({ m5: 6, m15: 18, m60: 42 });
    expect(oss.byPhase15).toEqual({ dns: 10, connection: 1, tls: 7 });
    expect(oss.byVerdict15).toEqual({ provider: 17, unclear: 1 });
    expect(oss.perMinute[59]).toBe(4);
    expect(oss.perMinute[55]).toBe(2);
    expect(oss.perMinute[0]).toBe(13);
    expect(oss.perMinute.reduce((a, b) => a + b, 0)).toBe(42);
    expect(oss).toMatchObject({ voters15: 9, voters60: 30, networks15: 4, state: 'elevated' });
    expect(out.find((s) => s.service === 'cdn')!.reports.m5).toBe(1);
  });

  it('asks for the right spans', () => {
    const sp = windowSpans(NOW, PUBLIC_RULES);
    expect(sp.d15).toEqual({ from: CUR - 14 * MIN, to: CUR + MIN });
    expect(sp.minutes).toEqual({ from: CUR - 59 * MIN, to: CUR + MIN });
    expect(sp.rollups.from).toBe(Date.UTC(2025, 5, 3, 9, 0)); // 7 days before the 09:15 quarter, minus one
    expect(sp.rollups.to).toBe(Date.UTC(2025, 5, 9, 9, 30));
  });
});

describe('baseline15', () => {
  const roll = (daysAgo: number, voters: number[]): RollupRow[] =>
    voters.map((v, q) => ({
      service: 'oss',
      quarter: Date.UTC(2025, 5, 10, 9, q * 15) - daysAgo * DAY,
      voters: v,
      networks: Math.ceil(v / 2),
    }));

  // NOW is 09:20:30: its window overlaps the quarters 09:00 and 09:15 (rows 0 and 1 of each day).
  it('is the median over days of the larger of the two quarters the window overlaps: one flooded day moves nothing', () => {
    const rows = [
      ...roll(1, [4, 4, 90, 90]), // later quarters of the hour do not count for 09:20
      ...roll(2, [2, 6, 4, 4]),
      ...roll(3, [4000, 4000, 4000, 4000]), // flooded
      ...roll(4, [4, 3, 4, 4]),
      ...roll(5, [5, 5, 5, 5]),
      ...roll(6, [3, 3, 3, 3]),
      ...roll(7, [4, 4, 4, 4]),
      ...roll(8, [900, 900, 900, 900]), // older than seven days
    ];
    expect(baseline15(rows, 'oss', NOW, 7)).toEqual({ voters: 4, networks: 2, days: 7 });
    expect(baseline15(rows, 'cdn', NOW, 7)).toEqual({ voters: 0, networks: 0, days: 0 });
    expect(baseline15(rows, 'oss', NOW, 0)).toEqual({ voters: 0, networks: 0, days: 0 });
    // Three flooded days of seven: the median is still one of the ordinary days (3, 4, 4, 5 → 5), never a flood.
    const worse = [...rows, ...roll(1, [4000, 4000, 4000, 4000]), ...roll(2, [4000, 4000, 4000, 4000])];
    expect(baseline15(worse, 'oss', NOW, 7).voters).toBe(5);
  });
});

describe('rollups', () => {
  it('rolls each finished quarter still in store once, after a minute of grace', () => {
    const q = (h: number, m: number) => Date.UTC(2025, 5, 10, h, m);
    const todo = quartersToRoll(q(9, 16) + 30_000, []);
    expect(todo[0]).toBe(q(7, 30)); // the oldest quarter entirely within the 2 h of stored votes
    expect(todo.at(-1)).toBe(q(9, 0)); // 09:00-09:15 ended more than a minute ago
    expect(quartersToRoll(q(9, 15) + 30_000, []).at(-1)).toBe(q(8, 45)); // not yet
    const have = rollupRows(q(9, 0), [{ service: 'oss', voters: 5, networks: 3 }]);
    expect(have).toHaveLength(14);
    expect(have.find((r) => r.service === 'oss')).toMatchObject({ voters: 5, networks: 3 });
    expect(quartersToRoll(q(9, 16) + 30_000, have)).not.toContain(q(9, 0));
  });
});

describe('rules', () => {
  const at = (voters15: number, networks15: number, baseline15 = 0, baselineNetworks15 = 0) => ({
    voters15,
    networks15,
    baseline15,
    baselineNetworks15,
  });
  it('public: outage needs voters on many networks; team: people', () => {
    expect(stateOf(at(300, 9), PUBLIC_RULES)).toBe('elevated');
    expect(stateOf(at(20, 10), PUBLIC_RULES)).toBe('outage');
    expect(stateOf(at(7, 7), PUBLIC_RULES)).toBe('normal');
    expect(stateOf(at(5, 1), TEAM_RULES)).toBe('outage');
    expect(stateOf(at(3, 1), TEAM_RULES)).toBe('elevated');
  });
  it('above a baseline: the factor at large counts, a deviation chance does not explain at small ones', () => {
    expect(votersNeeded(20, 4, 10, 100)).toBe(400);
    expect(votersNeeded(8, 2, 5, 4)).toBe(14); // 4 + 5 × 2
    expect(stateOf(at(13, 13, 4, 4), PUBLIC_RULES)).toBe('normal'); // chance, at a baseline of 4
    expect(stateOf(at(14, 14, 4, 4), PUBLIC_RULES)).toBe('elevated');
    expect(stateOf(at(400, 400, 100, 100), PUBLIC_RULES)).toBe('outage');
    expect(stateOf(at(400, 20, 100, 20), PUBLIC_RULES)).toBe('normal'); // the voters, but not the networks
  });
});

describe('configuration', () => {
  it('COLLECTOR_EXPECTED_USERS raises the minimums of services without history, and only those', () => {
    expect(youngMinimums(PUBLIC_RULES)).toMatchObject({ outageMinVoters: 20, elevatedMinVoters: 8 });
    const rules = { ...PUBLIC_RULES, ...configFromEnv({ COLLECTOR_EXPECTED_USERS: '100000' }).rules };
    expect(youngMinimums(rules)).toEqual({
      outageMinVoters: 100,
      outageMinNetworks: 50,
      elevatedMinVoters: 80,
      elevatedMinNetworks: 40,
    });
    expect(youngMinimums({ ...PUBLIC_RULES, expectedUsers: 5000 })).toMatchObject({ outageMinVoters: 20 }); // floors stay
    const noisy = { voters15: 60, networks15: 60, baseline15: 0, baselineNetworks15: 0 };
    expect(stateOf(noisy, rules, true)).toBe('normal'); // new: everyday noise of 100,000 users
    expect(stateOf(noisy, rules, false)).toBe('outage'); // with history the baseline would be > 0 (not here)
    expect(configFromEnv({ COLLECTOR_OUTAGE_MIN_VOTERS: '500' }).rules).toEqual({ outageMinVoters: 500 });
  });

  it('refuses a team mode without keys, keys without team mode, and short keys, with one line each', () => {
    expect(() => configFromEnv({ COLLECTOR_MODE: 'team' })).toThrow(/needs COLLECTOR_TEAM_KEYS/);
    expect(() => configFromEnv({ COLLECTOR_TEAM_KEYS: 'k'.repeat(20) })).toThrow(/set COLLECTOR_MODE=team/);
    expect(() => configFromEnv({ COLLECTOR_MODE: 'team', COLLECTOR_TEAM_KEYS: 'short' })).toThrow(/at least 16/);
    expect(() => configFromEnv({ COLLECTOR_MODE: 'teams' })).toThrow(
      'COLLECTOR_MODE: expected public or team, got "teams"',
    );
    const c = configFromEnv({ COLLECTOR_MODE: 'team', COLLECTOR_TEAM_KEYS: `${'a'.repeat(16)}, ${'b'.repeat(16)}` });
    expect(c.teamKeys).toEqual(['a'.repeat(16), 'b'.repeat(16)]);
    expect(c.mode).toBe('team');
  });
});

describe('addresses', () => {
  it('groups IPv6 by /64 (voter) and /32 (network), IPv4 by address and /16', () => {
    expect(addressKeys('203.0.113.7')).toEqual({ voter: '203.0.113.7', net: '203.0' });
    expect(addressKeys('::ffff:203.0.113.7')).toEqual({ voter: '203.0.113.7', net: '203.0' });
    expect(addressKeys('2001:db8:1:2::5')).toEqual({ voter: '2001:db8:1:2', net: '2001:db8' });
    expect(addressKeys('2001:DB8:0001:0002:aaaa:bbbb:cccc:dddd')).toEqual(addressKeys('2001:db8:1:2::ffff'));
    expect(addressKeys('fe80::1%eth0').voter).toBe('fe80:0:0:0');
  });
});

describe('Redis reconnection', () => {
  it('backs off with jitter up to a cap and never gives up', () => {
    expect(reconnectDelay(1, () => 0)).toBe(100);
    expect(reconnectDelay(1, () => 1)).toBe(200);
    for (const n of [10, 100, 10_000]) {
      const d = reconnectDelay(n, () => 1);
      expect(d).toBe(RECONNECT_MAX_MS);
    }
  });
});
