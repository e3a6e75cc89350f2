/**
 * The mock twin of src/ui/connector.ts: fixture PopupStates for each verdict, so every view renders without a
 * browser (screenshot gallery, tests). Records the calls it receives.
 */
import type { PopupState } from '../core/messages';
import { defaults, type LangSetting, type Settings } from '../core/settings';
import type { Verdict } from '../core/types';
import type { Connector } from './connector-api';
import type { ManagedPolicy } from '../core/policy';
import type { CrowdPreview } from '../core/crowd/queue';
import { FIXTURES } from './fixtures';

export interface MockOptions {
  verdict?: Verdict;
  /** Override the fixture entirely. */
  state?: PopupState;
  /** Browser UI language tag, e.g. 'zh-CN'. */
  uiLanguage?: string;
  /** The `lang` setting. */
  lang?: LangSetting;
  /** Delay of every answer, ms. */
  delayMs?: number;
  /** Never answer getState (tests the popup's timeout). */
  hang?: boolean;
  /** Reject getState. */
  fail?: boolean;
  activeOrigin?: string | null;
  /** Answer of requestHostPermissions and requestHostAccess. */
  grant?: boolean;
  /** Host access to the watched sites (default true); becomes true when requestHostAccess grants it. */
  hostAccess?: boolean;
  /** Private windows allowed (default false) and the browser (default chrome). */
  privateWindows?: { allowed: boolean; browser: 'chrome' | 'firefox' };
  /** Settings besides the defaults. */
  settings?: Partial<Settings>;
  /** The administrator's policy (default: none). */
  policy?: ManagedPolicy;
  /** Answer of crowdPreview (default: off, or empty when crowd mode is on in the mock's settings). */
  crowdPreview?: CrowdPreview;
}

function previewOf(s: Settings): CrowdPreview {
  const on = s.crowdEnabled && s.collectorUrl !== '';
  return {
    state: on ? 'empty' : 'off',
    url: on ? `${s.collectorUrl.replace(/\/+$/, '')}/v1/reports` : null,
    body: null,
    bytes: 0,
    reports: 0,
    queued: 0,
    pending: 0,
    teamKey: on && s.teamKey !== '',
    last: null,
  };
}

export interface MockConnector extends Connector {
  calls: { method: string; args: unknown[] }[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createMockConnector(o: MockOptions = {}): MockConnector {
  const calls: MockConnector['calls'] = [];
  let settings: Settings = { ...defaults(), ...o.settings, lang: o.lang ?? 'auto' };
  let access = o.hostAccess ?? true;
  const listeners = new Set<() => void>();
  const rec = async <T>(method: string, args: unknown[], v: T): Promise<T> => {
    calls.push({ method, args });
    if (o.delayMs) await sleep(o.delayMs);
    return v;
  };
  return {
    calls,
    getState() {
      calls.push({ method: 'getState', args: [] });
      if (o.hang) return new Promise<PopupState>(() => {});
      if (o.fail) return Promise.reject(new Error('mock: background error'));
      const st = structuredClone(o.state ?? FIXTURES[o.verdict ?? 'provider']);
      return o.delayMs ? sleep(o.delayMs).then(() => st) : Promise.resolve(st);
    },
    version: () => '0.1.0',
    clearSiteCookies: (origin) => rec('clearSiteCookies', [origin], { ok: true, removed: 7 }),
    retry: () => rec('retry', [], { ok: true }),
    clearHistory: () => rec('clearHistory', [], { ok: true }),
    uiLanguage: () => o.uiLanguage ?? 'zh-CN',
    activeTabOrigin: () => rec('activeTabOrigin', [], o.activeOrigin === undefined ? null : o.activeOrigin),
    openUrl: (url) => rec('openUrl', [url], undefined),
    openOptions: () => rec('openOptions', [], undefined),
    getSettings: () => rec('getSettings', [], settings),
    getPolicy: () => rec('getPolicy', [], o.policy ?? {}),
    crowdPreview: () => rec('crowdPreview', [], o.crowdPreview ?? previewOf(settings)),
    async saveSettings(s) {
      settings = s;
      await rec('saveSettings', [s], undefined);
    },
    requestHostPermissions: (origins) => rec('requestHostPermissions', [origins], o.grant ?? true),
    removeHostPermissions: (origins) => rec('removeHostPermissions', [origins], true),
    hostAccess: () => rec('hostAccess', [], access),
    async requestHostAccess() {
      const granted = await rec('requestHostAccess', [], o.grant ?? true);
      if (granted && !access) {
        access = true;
        for (const cb of [...listeners]) cb();
      }
      return granted;
    },
    onPermissionsChanged(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    privateWindows: () => rec('privateWindows', [], o.privateWindows ?? { allowed: false, browser: 'chrome' as const }),
  };
}
