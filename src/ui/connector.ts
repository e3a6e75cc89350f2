/**
 * The real connector: talks to the background only through the typed UiToBg messages of src/core/messages.ts.
 */
import { browser, TARGET } from '../platform/browser';
import { hostPermissions } from '../core/catalogue/match';
import { SNAPSHOT_KEY, type PopupState, type Replies, type UiToBg } from '../core/messages';
import type { Connector } from './connector-api';
import { loadPolicy, loadSettings, saveSettings } from '../platform/settings-store';

async function send<M extends UiToBg>(msg: M): Promise<Replies[M['type']]> {
  const reply = (await browser.runtime.sendMessage(msg)) as Replies[M['type']] | undefined;
  if (reply === undefined || reply === null) throw new Error(`no reply to ${msg.type}`);
  return reply;
}

export function createConnector(): Connector {
  return {
    getState: () => send({ type: 'ui/get-state' }) as Promise<PopupState>,
    lastSnapshot: () =>
      browser.storage.session
        .get(SNAPSHOT_KEY)
        .then((got) => (got as Record<string, PopupState | undefined>)[SNAPSHOT_KEY])
        .catch(() => undefined),
    version: () => browser.runtime.getManifest().version,
    clearSiteCookies: (origin) => send({ type: 'ui/clear-site-cookies', origin }),
    retry: () => send({ type: 'ui/retry' }),
    clearHistory: () => send({ type: 'ui/clear-history' }),
    uiLanguage: () => {
      try {
        return browser.i18n.getUILanguage();
      } catch {
        return navigator.language;
      }
    },
    async activeTabOrigin() {
      try {
        const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
        const url = tab?.url;
        if (!url || !/^https?:\/\//.test(url)) return null;
        return new URL(url).origin;
      } catch {
        return null;
      }
    },
    async openUrl(url) {
      await browser.tabs.create({ url });
    },
    async openOptions() {
      await browser.runtime.openOptionsPage();
    },
    getSettings: loadSettings,
    getPolicy: loadPolicy,
    crowdPreview: () => send({ type: 'ui/crowd-preview' }),
    saveSettings,
    requestHostPermissions: (origins) => browser.permissions.request({ origins }),
    removeHostPermissions: (origins) => browser.permissions.remove({ origins }),
    hostAccess: () => browser.permissions.contains({ origins: hostPermissions() }),
    requestHostAccess: () => browser.permissions.request({ origins: hostPermissions() }),
    onPermissionsChanged(cb) {
      const f = () => cb();
      browser.permissions.onAdded.addListener(f);
      browser.permissions.onRemoved.addListener(f);
      return () => {
        browser.permissions.onAdded.removeListener(f);
        browser.permissions.onRemoved.removeListener(f);
      };
    },
    async privateWindows() {
      const allowed = await browser.extension.isAllowedIncognitoAccess().catch(() => false);
      return { allowed, browser: TARGET };
    },
  };
}
