/**
 * The ONE module that imports webextension-polyfill. Everything else imports `browser` (and the API types)
 * from here, so the polyfill can be swapped for a thin shim later without touching callers
 * (test/unit/conventions.test.ts enforces this).
 */
import polyfill from 'webextension-polyfill';

export const browser = polyfill;
export type { Runtime, WebRequest, WebNavigation, Alarms, Action, Tabs } from 'webextension-polyfill';

/** Build target, set by vite.config.ts (`define`). 'chrome' when run outside a build (unit tests). */
export const TARGET: 'chrome' | 'firefox' = typeof __FAULTLINE_TARGET__ === 'string' ? __FAULTLINE_TARGET__ : 'chrome';

/** Test builds only (vite.config.ts); false in every shipped build, so test branches are compiled away. */
export const TEST_BUILD: boolean = typeof __FAULTLINE_TEST__ === 'boolean' ? __FAULTLINE_TEST__ : false;

/** Chromium's contentSettings API (read only here), absent from webextension-polyfill and from Firefox. */
export interface ContentSettingsApi {
  cookies: { get(d: { primaryUrl: string; secondaryUrl?: string }): Promise<{ setting: string }> };
}

/**
 * `chrome.contentSettings` where the browser has it (Chromium, with the optional permission granted), else
 * undefined. The one documented gap in the polyfill: this is the only place that reads the global `chrome`.
 */
export function contentSettings(): ContentSettingsApi | undefined {
  const g = globalThis as unknown as { chrome?: { contentSettings?: ContentSettingsApi } };
  return g.chrome?.contentSettings;
}
