/**
 * The in-memory HAR path, as the command line read HARs before the streaming reader (src/core/har/stream.ts):
 * the whole file decoded to one string, one JSON.parse, then readHar. Kept as the reference the streaming
 * reader must agree with (test/corpus/stream-equivalence.test.ts) and as the in-process floor of the bench.
 */
import { readHar, type HarResult, type WatchFn } from '../../src/core/har/read';

/**
 * Bytes → text for JSON.parse. UTF-16 files (with a BOM) are decoded properly; everything else is decoded as
 * Latin-1, which is ~5× faster than UTF-8 on large files and keeps V8 on one-byte strings. This is safe for
 * JSON: UTF-8 multi-byte sequences never contain `"`, `\\` or control bytes, so the structure is intact and
 * only non-ASCII text inside strings is garbled — and the engine reads only ASCII fields (URLs, statuses,
 * header names and values it knows, error names, provider codes).
 */
export function decodeHar(input: Uint8Array): string {
  const b0 = input[0];
  const b1 = input[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff))
    return new TextDecoder(b0 === 0xff ? 'utf-16le' : 'utf-16be').decode(input);
  const skip = b0 === 0xef && b1 === 0xbb && input[2] === 0xbf ? 3 : 0;
  return Buffer.from(input.buffer, input.byteOffset + skip, input.byteLength - skip).toString('latin1');
}

/** The whole in-memory path: 'not-json' when JSON.parse refuses the text. */
export function readHarInMemory(bytes: Uint8Array, watch: WatchFn): HarResult | { ok: false; error: 'not-json' } {
  const text = decodeHar(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { ok: false, error: 'not-json' };
  }
  return readHar(json, watch);
}
