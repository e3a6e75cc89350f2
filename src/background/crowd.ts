/**
 * Crowd mode in the worker (docs/crowd-protocol.md): sends nothing unless the user turned crowd mode on.
 * Failing outcomes are offered to the client after each recomputed verdict (a report carries the local verdict,
 * and a healthy verdict is never reported); batches go out from an alarm, with the client's back-off; the
 * collector's per-service status is refreshed (cached 60 s) while something fails, so the popup can show what
 * others report without waiting for the network.
 */
import { browser } from '../platform/browser';
import { CrowdClient } from '../core/crowd/client';
import { toPopupCrowd, type CrowdView } from '../core/crowd/summary';
import type { Diagnosis, RequestOutcome } from '../core/types';
import type { Settings } from '../core/settings';
import type { CrowdService } from '../core/crowd/protocol';
import { isFailureKind } from '../core/taxonomy/browser-errors';

export const CROWD_ALARM = 'faultline.crowd';
const PENDING_MAX = 200;

export class CrowdWiring {
  readonly client: CrowdClient;
  private pending: RequestOutcome[] = [];
  private view: CrowdView = { enabled: false, services: [] };

  constructor(private readonly settings: () => Settings | null) {
    this.client = new CrowdClient({
      settings: () => {
        const s = this.settings();
        return s ? { crowdEnabled: s.crowdEnabled, collectorUrl: s.collectorUrl } : null;
      },
      fetch: (url, init) => fetch(url, init),
      now: Date.now,
      kv: {
        get: async (k) => ((await browser.storage.local.get(k)) as Record<string, unknown>)[k],
        set: (k, v) => browser.storage.local.set({ [k]: v }),
      },
      random: (n) => crypto.getRandomValues(new Uint8Array(n)),
      version: browser.runtime.getManifest().version,
    });
  }

  /** Per-event path: O(1); only failures are kept, and only while crowd mode is on. */
  note(o: RequestOutcome): void {
    if (!this.settings()?.crowdEnabled || !isFailureKind(o.kind)) return;
    if (this.pending.length < PENDING_MAX) this.pending.push(o);
  }

  /** After each recomputed verdict: offer what failed since, with that verdict; schedule a send. */
  afterDiagnosis(d: Diagnosis): void {
    const batch = this.pending;
    this.pending = [];
    const s = this.settings();
    if (!s?.crowdEnabled) {
      this.view = { enabled: false, services: [] };
      return;
    }
    if (d.verdict !== 'healthy') for (const o of batch) this.client.offer(o, d.verdict);
    this.schedule();
    if (d.verdict !== 'healthy') void this.refreshStatus(d);
  }

  /** The alarm fired (or the 1-minute tick): send when due. */
  async onAlarm(): Promise<void> {
    const ms = this.client.nextFlushDelay(Date.now());
    if (ms !== null && ms <= 0) await this.client.flush();
    this.schedule();
  }

  popupView(): CrowdView {
    return this.settings()?.crowdEnabled ? this.view : { enabled: false, services: [] };
  }

  private schedule(): void {
    const ms = this.client.nextFlushDelay(Date.now());
    if (ms === null) return;
    void browser.alarms.get(CROWD_ALARM).then((a) => {
      if (!a) void browser.alarms.create(CROWD_ALARM, { delayInMinutes: Math.max(0.5, ms / 60_000) });
    });
  }

  private async refreshStatus(d: Diagnosis): Promise<void> {
    const ids = d.services.filter((s) => s.state !== 'ok' && s.id !== 'site').map((s) => s.id) as CrowdService[];
    const status = await this.client.fetchStatus(
      ids.length ? ids : (d.services.map((s) => s.id).filter((x) => x !== 'site') as CrowdService[]),
    );
    if (status) this.view = toPopupCrowd(true, status);
  }
}
