/**
 * The per-install secret of the AccessKey tag (src/core/url/key-tag.ts): 32 random bytes, generated once with
 * crypto.getRandomValues and kept in storage.local (never in history, never exported, never sent). The core
 * only ever receives the tag function built from it.
 *
 * Clearing the history draws a new secret, so tags written before cannot be linked with tags written after.
 * If storage.local cannot be read or written, a secret for this worker's life is used (tags then match only
 * within it) rather than none.
 */
import { browser } from '../platform/browser';
import { SECRET_BYTES, fromHex, makeKeyTagger, toHex, type KeyTagFn } from '../core/url/key-tag';

export const KEY_SECRET_KEY = 'faultline.keyTagSecret';

function fresh(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

async function store(secret: Uint8Array): Promise<void> {
  await browser.storage.local.set({ [KEY_SECRET_KEY]: toHex(secret) });
}

/** The install's tag function: the stored secret, or a new one stored now. */
export async function loadKeyTagger(): Promise<KeyTagFn> {
  try {
    const got = (await browser.storage.local.get(KEY_SECRET_KEY)) as Record<string, unknown>;
    const v = got[KEY_SECRET_KEY];
    const stored = typeof v === 'string' ? fromHex(v) : null;
    if (stored && stored.length === SECRET_BYTES) return makeKeyTagger(stored);
    const secret = fresh();
    await store(secret);
    return makeKeyTagger(secret);
  } catch (e) {
    console.error('[faultline] key-tag secret', e);
    return makeKeyTagger(fresh());
  }
}

/** A new secret (after the history was cleared). */
export async function rotateKeyTagger(): Promise<KeyTagFn> {
  const secret = fresh();
  await store(secret).catch((e) => console.error('[faultline] key-tag secret', e));
  return makeKeyTagger(secret);
}
