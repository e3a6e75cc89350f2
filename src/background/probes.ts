/**
 * Runs the active checks (src/core/probes) while watched failures are seen, and never while browsing is
 * healthy: the planner returns nothing without a recent watched failure, and the budget caps the rest.
 * Results become probe observations: stored in history, fed to the engine, never counted as user traffic.
 * The probe state (budget, back-off, incident) lives in storage.session so a worker restart keeps it; the
 * real URLs of recent failures (for the cookie-less retry) stay in memory only.
 */
import { browser } from '../platform/browser';
import {
  initialProbeState,
  probeSettingsOf,
  recordResult,
  runProbe,
  schedule,
  toObservation,
  type ProbeObservation,
  type ProbeResult,
  type ProbeState,
  type RecentRequest,
  type StatusEvent,
} from '../core/probes';
import type { RequestOutcome } from '../core/types';
import type { Settings } from '../core/settings';

const STATE_KEY = 'faultline.probes';
const RECENT_MS = 2 * 60_000;
const RECENT_MAX = 300;

export interface ProbeDriverDeps {
  now: () => number;
  settings: () => Settings;
  onObservation: (o: ProbeObservation) => void;
  fetch?: typeof fetch;
}

export class ProbeDriver {
  private state: ProbeState = initialProbeState();
  private readonly loaded: Promise<void>;
  private readonly recent: RecentRequest[] = [];
  private running: Promise<number> | null = null;
  /** The state as last read from or written to storage.session (JSON). */
  private saved = '';
  /** Latest official events from the status page, for the popup. */
  official: { at: number; events: StatusEvent[] } | null = null;
  /** Probes sent since the worker started (tests and diagnostics). */
  sent = 0;

  constructor(private readonly deps: ProbeDriverDeps) {
    this.loaded = browser.storage.session
      .get(STATE_KEY)
      .then((got) => {
        const s = (got as Record<string, unknown>)[STATE_KEY];
        if (s && typeof s === 'object') this.state = s as ProbeState;
        this.saved = JSON.stringify(this.state);
      })
      .catch(() => undefined);
  }

  /** Per-event path: keep watched outcomes of the last two minutes (and the real URL of failures). O(1) amortised. */
  note(outcome: RequestOutcome, url?: string): void {
    this.recent.push(url ? { outcome, url } : { outcome });
    if (this.recent.length > RECENT_MAX * 2) this.recent.splice(0, this.recent.length - RECENT_MAX);
  }

  /** Plan and run what the budget allows. Resolves to the number of probes sent. */
  run(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.runNow().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runNow(): Promise<number> {
    await this.loaded;
    const now = this.deps.now();
    const from = now - RECENT_MS;
    let i = 0;
    while (i < this.recent.length && this.recent[i]!.outcome.t < from) i++;
    if (i > 0) this.recent.splice(0, i);
    const s = this.deps.settings();
    const { requests, state } = schedule({
      now,
      recent: this.recent,
      settings: probeSettingsOf(s),
      state: this.state,
    });
    this.state = state;
    if (requests.length === 0) {
      await this.save();
      return 0;
    }
    const deps = {
      fetch: this.deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
      now: this.deps.now,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
      abortController: () => new AbortController(),
    };
    const results: ProbeResult[] = await Promise.all(requests.map((r) => runProbe(r, deps)));
    for (let k = 0; k < requests.length; k++) {
      const r = results[k]!;
      this.state = recordResult(this.state, this.deps.now(), requests[k]!.key, r.ok);
      if (r.events) this.official = { at: r.t, events: r.events };
      const o = toObservation(r);
      if (r.inconclusive) o.detail = 'inconclusive' + (o.detail ? `: ${o.detail}` : '');
      this.deps.onObservation(o);
    }
    this.sent += requests.length;
    await this.save();
    return requests.length;
  }

  /** Writes the probe state to storage.session when it changed (an idle worker writes nothing). */
  private async save(): Promise<void> {
    const json = JSON.stringify(this.state);
    if (json === this.saved) return;
    this.saved = json;
    await browser.storage.session.set({ [STATE_KEY]: this.state }).catch(() => undefined);
  }
}
