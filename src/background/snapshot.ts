/**
 * The popup's early paint: the worker's last PopupState in storage.session (SNAPSHOT_KEY), which a popup that
 * wakes a stopped worker paints at once (src/popup/early-state.ts). Kept current without keeping the worker
 * awake: written only when something changed since the last write — new events, or a diagnosis that says
 * something else (verdict, cause, services, evidence, advice; not merely the time it was computed) — and then
 * at most once per `delayMs`, however many events arrive (coalesced). No change, no timer, no write: an idle
 * worker has nothing pending and the browser may stop it. Nothing is written before the worker has rebuilt its
 * state from history (`restore`): a woken worker that an event, a settings change or runtime.onSuspend reaches
 * before then would otherwise overwrite the last verdict with an empty "healthy, 0 requests" one.
 */
import type { PopupState } from '../core/messages';
import type { Diagnosis, Text } from '../core/types';

export interface SnapshotDeps {
  /** The state to write, from memory (must not recompute: that would schedule the next write). */
  build(): PopupState;
  write(state: PopupState): Promise<void>;
  delayMs: number;
  setTimer?: (fn: () => void, ms: number) => void;
}

/**
 * What a diagnosis says: verdict, cause, each service's state and counts, each fact with its counts, the advice.
 * Not when it was computed (`at`), not since when (`since`, rebuilt at each start), not the times of facts (some
 * are stamped with the time of the diagnosis; new events change counts anyway and mark the snapshot dirty
 * themselves), and not the samples of hosts and request ids a fact carries (a worker rebuilt from history may
 * pick other samples of the same requests). None of that is news worth a write.
 */
export function whatItSays(d: Diagnosis): string {
  return JSON.stringify([
    d.verdict,
    d.cause,
    d.services.map((s) => [s.id, s.state, s.requests, s.failures]),
    d.evidence.map((e) => [e.id, text(e.text), e.count]),
    d.advice.map((a) => [a.id, text(a.text), a.action ?? null]),
  ]);
}

/** A text as an array: a snapshot read back from storage may come with its object keys in another order. */
const text = (x: Text) => [x.key, x.args ?? []];

export class SnapshotWriter {
  private dirty = false;
  private armed = false;
  /** What the snapshot in storage says (null: nothing written yet, or not known). */
  private shown: string | null = null;
  /** The worker's state is rebuilt (restore() was called): until then its diagnosis says nothing yet. */
  private rebuilt = false;
  /** Writes since the worker started (diagnostics). */
  writes = 0;

  constructor(private readonly deps: SnapshotDeps) {}

  /**
   * Once the worker has rebuilt its state from history: `stored` (the snapshot read at start, if any) is what the
   * popup would paint. Writes are possible from here on.
   */
  restore(stored: PopupState | undefined): void {
    this.rebuilt = true;
    const d = stored?.diagnosis;
    if (d && typeof d.verdict === 'string') this.shown = whatItSays(d);
  }

  /** New events: the timeline, the recent failures and the count changed. */
  eventsArrived(): void {
    this.dirty = true;
  }

  /** After each recomputed diagnosis: schedule a write when anything changed. */
  diagnosed(d: Diagnosis): void {
    if (whatItSays(d) !== this.shown) this.dirty = true;
    if (!this.dirty || this.armed || !this.rebuilt) return;
    this.armed = true;
    (this.deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)))(() => void this.write(), this.deps.delayMs);
  }

  /** Write now what is pending, if anything (Firefox is about to unload the event page). */
  flush(): Promise<void> {
    return this.write();
  }

  private async write(): Promise<void> {
    this.armed = false;
    if (!this.dirty || !this.rebuilt) return;
    this.dirty = false;
    const state = this.deps.build();
    this.shown = whatItSays(state.diagnosis);
    this.writes++;
    await this.deps.write(state).catch(() => undefined);
  }
}
