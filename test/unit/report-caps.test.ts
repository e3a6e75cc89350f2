import { describe, expect, it } from 'vitest';
import { REPORT_CAPS, ReportCaps } from '../../src/background/report-caps';

function caps() {
  const clock = { now: 1_700_000_000_000 };
  return { c: new ReportCaps(() => clock.now), clock };
}

describe('content-script report caps', () => {
  it('a tab gets its burst, then one observation a second', () => {
    const { c, clock } = caps();
    expect(REPORT_CAPS.perTab).toEqual({ burst: 100, perMinute: 60 });
    expect(c.take(1, 80)).toBe(80);
    expect(c.take(1, 80)).toBe(20);
    expect(c.take(1, 10)).toBe(0);
    clock.now += 5_000;
    expect(c.take(1, 100)).toBe(5);
    expect(c.refused).toBe(60 + 10 + 95);
  });

  it('~100 observations a second from one tab for a minute: at most burst + 60 get through', () => {
    const { c, clock } = caps();
    let ok = 0;
    for (let s = 0; s < 60; s++) {
      ok += c.take(7, 100);
      clock.now += 1000;
    }
    expect(ok).toBeLessThanOrEqual(100 + 60);
    expect(ok).toBeGreaterThanOrEqual(100 + 59);
  });

  it('all tabs together share one bucket: many tabs cannot multiply the rate', () => {
    const { c, clock } = caps();
    let ok = 0;
    for (let tab = 0; tab < 50; tab++) ok += c.take(tab, 100);
    expect(ok).toBe(REPORT_CAPS.allTabs.burst);
    clock.now += 60_000;
    ok = 0;
    for (let tab = 0; tab < 50; tab++) ok += c.take(tab, 100);
    expect(ok).toBe(REPORT_CAPS.allTabs.perMinute);
  });

  it('a clock set back refills nothing; set forward a day refills no more than the burst', () => {
    const { c, clock } = caps();
    expect(c.take(1, 100)).toBe(100);
    clock.now -= 3600_000;
    expect(c.take(1, 10)).toBe(0);
    clock.now += 5_000;
    expect(c.take(1, 10)).toBe(5);
    clock.now += 24 * 3600_000;
    expect(c.take(1, 1000)).toBe(100);
  });

  it('remembers a bounded number of tabs', () => {
    const { c } = caps();
    for (let tab = 0; tab < 10 * REPORT_CAPS.maxTabs; tab++) c.take(tab, 1);
    expect((c as unknown as { tabs: Map<number, unknown> }).tabs.size).toBe(REPORT_CAPS.maxTabs);
  });
});
