/**
 * Command line: diagnose a HAR file.
 *   npm run -s diagnose -- [--json] [--watch-all] [--lang zh-CN|en] FILE.har     (FILE `-` = stdin)
 * Exit 0 for every verdict; exit 2 with one line on stderr for unreadable input or any unexpected error.
 * The diagnosis "now" is the time of the last entry (a HAR is history) and the window spans the whole HAR.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceOf } from '../core/catalogue/match';
import { diagnose } from '../core/engine/diagnose';
import { readHar, type WatchFn } from '../core/har/read';
import { type Lang, pickLang, t } from '../core/i18n/messages';
import type { Diagnosis } from '../core/types';
import { renderReport } from './report';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Raw bytes (or already-decoded text) of the file / stdin. */
  readFile: (path: string) => Uint8Array | string;
  readStdin: () => Uint8Array | string;
}

export interface Args {
  json: boolean;
  watchAll: boolean;
  lang: Lang | null;
  file: string | null;
}

export function parseArgs(argv: readonly string[]): Args | string {
  const a: Args = { json: false, watchAll: false, lang: null, file: null };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--json') a.json = true;
    else if (x === '--watch-all') a.watchAll = true;
    else if (x === '--lang' || x.startsWith('--lang=')) {
      const v = x === '--lang' ? argv[++i] : x.slice(7);
      if (!v) return 'cli_err_usage';
      a.lang = pickLang(v);
    } else if (x === '-' || !x.startsWith('-')) {
      if (a.file !== null) return 'cli_err_usage';
      a.file = x;
    } else return 'cli_err_usage';
  }
  if (a.file === null) return 'cli_err_usage';
  return a;
}

/**
 * Bytes → text for JSON.parse. UTF-16 files (with a BOM) are decoded properly; everything else is decoded as
 * Latin-1, which is ~5× faster than UTF-8 on large files and keeps V8 on one-byte strings. This is safe for
 * JSON: UTF-8 multi-byte sequences never contain `"`, `\\` or control bytes, so the structure is intact and
 * only non-ASCII text inside strings is garbled — and the engine reads only ASCII fields (URLs, statuses,
 * header names and values it knows, error names, provider codes).
 */
export function decodeHar(input: Uint8Array | string): string {
  if (typeof input === 'string') return input;
  const b0 = input[0];
  const b1 = input[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff))
    return new TextDecoder(b0 === 0xff ? 'utf-16le' : 'utf-16be').decode(input);
  const skip = b0 === 0xef && b1 === 0xbb && input[2] === 0xbf ? 3 : 0;
  return Buffer.from(input.buffer, input.byteOffset + skip, input.byteLength - skip).toString('latin1');
}

export function diagnoseHarText(
  textIn: string,
  watchAll: boolean,
): { diagnosis: Diagnosis; requests: number } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(textIn.charCodeAt(0) === 0xfeff ? textIn.slice(1) : textIn);
  } catch {
    return { error: 'cli_err_not_json' };
  }
  const watch: WatchFn = watchAll ? (h) => serviceOf(h) ?? 'site' : serviceOf;
  const har = readHar(json, watch);
  if (!har.ok) return { error: 'cli_err_not_har' };
  const now = har.last;
  const diagnosis = diagnose(har.outcomes, har.observations, { now, window: now - har.first + 1 });
  return { diagnosis, requests: har.outcomes.length };
}

export function main(argv: readonly string[], io: Io): number {
  const envLang = pickLang(io.env.LC_ALL || io.env.LC_MESSAGES || io.env.LANG);
  let lang: Lang = envLang;
  try {
    const args = parseArgs(argv);
    if (typeof args === 'string') {
      io.stderr(t(lang, args) + '\n');
      return 2;
    }
    if (args.lang) lang = args.lang;
    let textIn: string;
    try {
      textIn = decodeHar(args.file === '-' ? io.readStdin() : io.readFile(args.file!));
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'error';
      io.stderr(t(lang, 'cli_err_read', [args.file!, code]) + '\n');
      return 2;
    }
    const r = diagnoseHarText(textIn, args.watchAll);
    if ('error' in r) {
      io.stderr(t(lang, r.error, [args.file!]) + '\n');
      return 2;
    }
    if (args.json) io.stdout(JSON.stringify(r.diagnosis) + '\n');
    else io.stdout(renderReport(r.diagnosis, lang, { file: args.file!, requests: r.requests }));
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(t(lang, 'cli_err_internal', [msg.split('\n')[0]!.slice(0, 200)]) + '\n');
    return 2;
  }
}

const nodeIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  readFile: (p) => readFileSync(p),
  readStdin: () => readFileSync(0),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2), nodeIo);
  } catch {
    process.stderr.write('faultline: internal error\n');
    process.exitCode = 2;
  }
}
