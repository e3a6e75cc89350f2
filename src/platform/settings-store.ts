/**
 * Settings in browser.storage.local (key SETTINGS_KEY), always read through `migrate` so the rest of the
 * extension only ever sees valid current Settings. The background reads the same key (and may listen with
 * `onSettingsChanged`).
 */
import { browser } from './browser';
import { SETTINGS_KEY, migrate, type Settings } from '../core/settings';

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
