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
 * Where the last policy read from managed storage is kept (storage.local), for the background to use.
 *
 * Why a copy: Chromium's `storage.managed.get` can stay unanswered for a whole browser session (seen here on a
 * fresh profile; reported for Chrome and Edge in the wild). An unanswered extension API call keeps the service
 * worker running — the worker would never sleep. So the background never calls it: the extension's pages (the
 * welcome page at install, the options page, the popup) read managed storage, where a pending call costs
 * nothing, and keep this copy current; the background reads the copy and applies `storage.onChanged` changes
 * of the managed area as they come.
 */
export const POLICY_CACHE_KEY = 'faultline.policy';
/** How long a page waits for managed storage before it uses the copy. */
const POLICY_WAIT_MS = 3000;

async function readManaged(): Promise<ManagedPolicy> {
  if (TEST_BUILD) {
    const got = (await browser.storage.local.get(TEST_MANAGED_KEY)) as Record<string, unknown>;
    if (got[TEST_MANAGED_KEY] !== undefined) return parsePolicy(got[TEST_MANAGED_KEY]);
  }
  try {
    // Chromium answers {} without a policy; Firefox rejects when no policies.json names the extension.
    return parsePolicy(await browser.storage.managed.get());
  } catch {
    return {};
  }
}

/** The copy of the policy the pages last read (the background's only source, with onChanged). */
export async function cachedPolicy(): Promise<ManagedPolicy> {
  const keys = TEST_BUILD ? [POLICY_CACHE_KEY, TEST_MANAGED_KEY] : [POLICY_CACHE_KEY];
  const got = (await browser.storage.local.get(keys)) as Record<string, unknown>;
  if (TEST_BUILD && got[TEST_MANAGED_KEY] !== undefined) return parsePolicy(got[TEST_MANAGED_KEY]);
  return parsePolicy(got[POLICY_CACHE_KEY] ?? {});
}

/**
 * Pages only: the administrator's policy from managed storage, the background's copy refreshed when it
 * changed. When managed storage does not answer within POLICY_WAIT_MS, the copy.
 */
export async function loadPolicy(): Promise<ManagedPolicy> {
  const read = readManaged().then(async (p) => {
    const before = await cachedPolicy();
    if (JSON.stringify(before) !== JSON.stringify(p)) await browser.storage.local.set({ [POLICY_CACHE_KEY]: p });
    return p;
  });
  const late = new Promise<null>((r) => setTimeout(() => r(null), POLICY_WAIT_MS));
  return (await Promise.race([read, late])) ?? cachedPolicy();
}

/** The settings in force: the user's with the policy laid over them (src/core/policy.ts). Background only. */
export async function loadEffectiveSettings(): Promise<Settings> {
  const [user, policy] = await Promise.all([loadSettings(), cachedPolicy()]);
  return effectiveSettings(user, policy);
}

/** Called with the settings in force whenever the user's settings or the policy change. Background only. */
export function onEffectiveSettingsChanged(cb: (s: Settings) => void): () => void {
  const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area === 'managed') {
      // An administrator changed the policy: the copy follows (its change brings us back here, area local).
      void cachedPolicy()
        .then((p) => {
          const next: Record<string, unknown> = { ...p };
          for (const [k, c] of Object.entries(changes)) {
            if (c.newValue === undefined) delete next[k];
            else next[k] = c.newValue;
          }
          return browser.storage.local.set({ [POLICY_CACHE_KEY]: parsePolicy(next) });
        })
        .catch(() => undefined);
      return;
    }
    const relevant =
      area === 'local' &&
      (SETTINGS_KEY in changes || POLICY_CACHE_KEY in changes || (TEST_BUILD && TEST_MANAGED_KEY in changes));
    if (relevant) void loadEffectiveSettings().then(cb, () => undefined);
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
