/**
 * The one interface between the UI pages (popup, options) and the rest of the extension. Two twins implement
 * it: src/ui/connector.ts (the background, through browser.runtime messages of src/core/messages.ts) and
 * test/fixtures/connector-mock.ts (engine-made popup states; the screenshot gallery and tests). The UI imports only this
 * type, never the browser.
 */
import type { PopupState, Replies } from '../core/messages';
import type { Settings } from '../core/settings';
import type { ManagedPolicy } from '../core/policy';

export interface Connector {
  /** One round-trip: the background has precomputed everything the popup paints. */
  getState(): Promise<PopupState>;
  /**
   * Optional: when getState() answered from the background's last snapshot (a stopped worker is still waking),
   * the fresh state that follows; null otherwise.
   */
  laterState?(): Promise<PopupState> | null;
  /**
   * Optional: the background's last snapshot (storage.session), read without waking the worker; undefined when
   * there is none. The popup paints it while a stopped worker wakes.
   */
  lastSnapshot?(): Promise<PopupState | undefined>;
  /** The extension's version (manifest). */
  version(): string;
  clearSiteCookies(origin: string): Promise<Replies['ui/clear-site-cookies']>;
  retry(): Promise<Replies['ui/retry']>;
  clearHistory(): Promise<Replies['ui/clear-history']>;
  /** The browser's UI language tag (browser.i18n.getUILanguage()). */
  uiLanguage(): string;
  /** Origin (scheme://host) of the active tab when it is a web page the extension may see, else null. */
  activeTabOrigin(): Promise<string | null>;
  openUrl(url: string): Promise<void>;
  openOptions(): Promise<void>;
  getSettings(): Promise<Settings>;
  /** The administrator's policy (managed storage), {} when there is none. */
  getPolicy(): Promise<ManagedPolicy>;
  /** The next crowd-mode request exactly as it would be sent, or why there is none. */
  crowdPreview(): Promise<Replies['ui/crowd-preview']>;
  saveSettings(s: Settings): Promise<void>;
  /** Ask for optional host permissions; must be called from a user gesture. */
  requestHostPermissions(origins: string[]): Promise<boolean>;
  removeHostPermissions(origins: string[]): Promise<boolean>;
  /** Whether the browser lets Faultline see the watched (catalogue) sites: all their host permissions granted. */
  hostAccess(): Promise<boolean>;
  /** Ask for the watched sites' host permissions; must be called from a user gesture (a click). */
  requestHostAccess(): Promise<boolean>;
  /** Calls `cb` whenever permissions are granted or withdrawn; returns the function that stops listening. */
  onPermissionsChanged(cb: () => void): () => void;
  /** Private (incognito) windows: whether Faultline may run in them, and in which browser (for how to allow it). */
  privateWindows(): Promise<{ allowed: boolean; browser: 'chrome' | 'firefox' }>;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Reject after `ms` if `p` has not settled: the popup shows an error with a retry, never an endless spinner. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** How long the popup waits for the background. */
export const STATE_TIMEOUT_MS = 1500;
