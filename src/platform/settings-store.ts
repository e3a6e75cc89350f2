/**
 * Settings in browser.storage.local (key SETTINGS_KEY), always read through `migrate` so the rest of the
 * extension only ever sees valid current Settings. The background reads the same key (and may listen with
 * `onSettingsChanged`).
 */
import { browser, TEST_BUILD } from './browser';
import { SETTINGS_KEY, migrate, type Settings } from '../core/settings';
import { effectiveSettings, parsePolicy, type ManagedPolicy } from '../core/policy';

export async function loadSettings(): Promise<Settings> {
  const got = await browser.storage.local.get(SETTINGS_KEY);
  const stored = (got as Record<string, unknown>)[SETTINGS_KEY];
  const s = migrate(stored);
  // Write back a migrated (older or invalid) value once, so the background reads the current shape too.
  if (stored !== undefined && JSON.stringify(stored) !== JSON.stringify(s))
    await browser.storage.local.set({ [SETTINGS_KEY]: s });
  return s;
}

export async function saveSettings(s: Settings): Promise<void> {
  await browser.storage.local.set({ [SETTINGS_KEY]: migrate(s) });
}

export function onSettingsChanged(cb: (s: Settings) => void): () => void {
  const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area === 'local' && SETTINGS_KEY in changes) cb(migrate(changes[SETTINGS_KEY]!.newValue));
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}

/**
 * Test builds only (TEST_BUILD): a policy written to storage.local under this key stands in for managed storage,
 * so real-browser tests exercise the policy path without a root-owned policy file (test/browser/crowd.test.ts).
 */
export const TEST_MANAGED_KEY = 'faultline.test.managed';

/**
 * The administrator's policy (storage.managed). Chromium answers {} without one; Firefox rejects when no
 * policies.json names the extension: both mean "no policy".
 */
export async function loadPolicy(): Promise<ManagedPolicy> {
  if (TEST_BUILD) {
    const got = (await browser.storage.local.get(TEST_MANAGED_KEY)) as Record<string, unknown>;
    if (got[TEST_MANAGED_KEY] !== undefined) return parsePolicy(got[TEST_MANAGED_KEY]);
  }
  try {
    return parsePolicy(await browser.storage.managed.get());
  } catch {
    return {};
  }
}

/** How long start-up waits for managed storage (Chromium may take seconds to answer in a fresh profile). */
const POLICY_WAIT_MS = 200;
const effectiveListeners = new Set<(s: Settings) => void>();

/**
 * The settings in force: the user's with the policy laid over them (src/core/policy.ts). Never waits long for
 * the policy: when managed storage is slow to answer, this resolves with the user's settings and the listeners of
 * onEffectiveSettingsChanged get the settings in force once the policy arrives (well before anything is sent).
 */
export async function loadEffectiveSettings(): Promise<Settings> {
  const policy = loadPolicy();
  const quick = await Promise.race([policy, new Promise<null>((r) => setTimeout(() => r(null), POLICY_WAIT_MS))]);
  const user = await loadSettings();
  if (quick) return effectiveSettings(user, quick);
  void policy.then(async (p) => {
    const s = effectiveSettings(await loadSettings(), p);
    for (const cb of effectiveListeners) cb(s);
  });
  return user;
}

/** Called with the settings in force whenever the user's settings or the policy change. */
export function onEffectiveSettingsChanged(cb: (s: Settings) => void): () => void {
  const listener = (changes: Record<string, unknown>, area: string) => {
    const relevant =
      area === 'managed' ||
      (area === 'local' && (SETTINGS_KEY in changes || (TEST_BUILD && TEST_MANAGED_KEY in changes)));
    if (relevant) void loadEffectiveSettings().then(cb, () => undefined);
  };
  effectiveListeners.add(cb);
  browser.storage.onChanged.addListener(listener);
  return () => {
    effectiveListeners.delete(cb);
    browser.storage.onChanged.removeListener(listener);
  };
}
