/**
 * Rate caps on what content scripts report (broken pictures), where their messages enter the background: a
 * token bucket per tab and one for all tabs together. A watched page can send ~100 observations a second
 * (a catalogue page full of broken pictures, or a hostile page forging reports); the caps keep what reaches
 * history and the live window bounded whatever it sends. What is refused is counted, not stored.
 *
 * No browser API and no timers: the clock is injected, and a clock that goes back refills nothing.
 */

export interface Bucket {
  /** Observations allowed at once. */
  burst: number;
  /** Refill, observations per minute. */
  perMinute: number;
}

export const REPORT_CAPS = {
  perTab: { burst: 100, perMinute: 60 } satisfies Bucket,
  allTabs: { burst: 300, perMinute: 180 } satisfies Bucket,
  /** Tabs remembered (least recently reporting forgotten first; a forgotten tab starts with a full bucket). */
  maxTabs: 200,
};

interface State {
  tokens: number;
  at: number;
}

function refill(s: State, b: Bucket, now: number): void {
  const elapsed = now - s.at;
  if (elapsed > 0) s.tokens = Math.min(b.burst, s.tokens + (elapsed * b.perMinute) / 60_000);
  s.at = now;
}

export class ReportCaps {
  private readonly tabs = new Map<number, State>();
  private readonly all: State;
  /** Observations refused since the worker started. */
  refused = 0;

  constructor(
    private readonly now: () => number,
    private readonly caps: typeof REPORT_CAPS = REPORT_CAPS,
  ) {
    this.all = { tokens: caps.allTabs.burst, at: now() };
  }

  /** How many of `n` observations from `tabId` may be accepted now (they are taken from both buckets). */
  take(tabId: number, n: number): number {
    if (n <= 0) return 0;
    const now = this.now();
    let tab = this.tabs.get(tabId);
    if (tab)
      this.tabs.delete(tabId); // re-inserted below: the Map's order is least recently used first
    else tab = { tokens: this.caps.perTab.burst, at: now };
    this.tabs.set(tabId, tab);
    if (this.tabs.size > this.caps.maxTabs) this.tabs.delete(this.tabs.keys().next().value!);
    refill(tab, this.caps.perTab, now);
    refill(this.all, this.caps.allTabs, now);
    const ok = Math.max(0, Math.min(n, Math.floor(tab.tokens), Math.floor(this.all.tokens)));
    tab.tokens -= ok;
    this.all.tokens -= ok;
    this.refused += n - ok;
    return ok;
  }
}
