/**
 * `faultline`: diagnose HAR files from the command line.
 *
 *   faultline diagnose [--json | --format text|json|md] [--watch-all] [--lang zh-CN|en] FILE|FOLDER|- …
 *   faultline --help | --version
 *
 * One FILE: the readable report (text), one JSON diagnosis on one line (json, unchanged since the first
 * version), or the ticket-ready Markdown (md). Several files or a folder (its .har files, recursively): one line
 * per file and a summary (json: one object per line, the last one the summary). Exit 0 when every file was
 * diagnosed, whatever the verdicts; exit 2 with one line on stderr per bad input or on bad usage.
 * Files are read as a stream (src/core/har/stream.ts): memory stays bounded whatever the size of the HAR. The
 * diagnosis "now" is the time of the last entry (a HAR is history) and the window spans the whole HAR.
 */
import { version } from '../../package.json';
import { serviceOf } from '../core/catalogue/match';
import { diagnose } from '../core/engine/diagnose';
import type { WatchFn } from '../core/har/read';
import { HarStream, MAX_ENTRY, type HarStreamResult } from '../core/har/stream';
import { type Lang, pickLang, t } from '../core/i18n/messages';
import type { Diagnosis, RequestOutcome } from '../core/types';
import type { Io } from './io';
import {
  jsonLine,
  printable,
  printableLines,
  renderFileLine,
  renderReport,
  renderSummary,
  type Summary,
} from './report';
import { ticketMarkdown } from './ticket';

export const VERSION: string = version;

type Format = 'text' | 'json' | 'md';

export interface Args {
  command: 'diagnose' | 'help' | 'version';
  format: Format;
  watchAll: boolean;
  lang: Lang | null;
  paths: string[];
}

/** argv (without node and the script) → Args, or the message key of a usage error. */
export function parseArgs(argv: readonly string[]): Args | { usage: string; lang: Lang | null } {
  const a: Args = { command: 'diagnose', format: 'text', watchAll: false, lang: null, paths: [] };
  let usage: string | null = null;
  let commandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = (name: string) => (x === name ? argv[++i] : x.slice(name.length + 1));
    if (x === '--help' || x === '-h') a.command = 'help';
    else if (x === '--version' || x === '-V') a.command = 'version';
    else if (x === '--json') a.format = 'json';
    else if (x === '--watch-all') a.watchAll = true;
    else if (x === '--lang' || x.startsWith('--lang=')) {
      const v = value('--lang');
      if (v) a.lang = pickLang(v);
      else usage ??= 'cli_err_usage';
    } else if (x === '--format' || x.startsWith('--format=')) {
      const v = value('--format');
      if (v === 'text' || v === 'json' || v === 'md') a.format = v;
      else if (v === 'markdown') a.format = 'md';
      else usage ??= 'cli_err_usage';
    } else if (x === '--') {
      a.paths.push(...argv.slice(i + 1));
      break;
    } else if (!commandSeen && a.paths.length === 0 && (x === 'diagnose' || x === 'help' || x === 'version')) {
      // the command, before any file (`faultline --lang zh-CN diagnose x.har` too); `./help` is a file
      commandSeen = true;
      if (x !== 'diagnose' && a.command === 'diagnose') a.command = x;
    } else if (x === '-' || !x.startsWith('-')) a.paths.push(x);
    else usage ??= 'cli_err_usage';
  }
  if (a.command !== 'diagnose') return a;
  if (usage || a.paths.length === 0) return { usage: usage ?? 'cli_err_usage', lang: a.lang };
  return a;
}

/** What is left of a HAR after reading: enough for every output format. */
export interface Read {
  file: string;
  diagnosis: Diagnosis;
  outcomes: RequestOutcome[];
  requests: number;
  first: number;
  last: number;
  tool: string;
}

type Failure = { file: string; error: string; args: (string | number)[] };

/** Node's Buffer is far faster at both than any pure code; the reader takes them as plain functions. */
const NODE_BYTES = {
  latin1: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'),
  indexOf: (h: Uint8Array, needle: Uint8Array, from: number) =>
    Buffer.from(h.buffer, h.byteOffset, h.byteLength).indexOf(needle, from),
};

/**
 * Stream one file (or stdin) through the HAR reader; stops reading as soon as the input is known to be bad. A
 * file whose log.pages come after its entries (no tool we know writes that) is read a second time with them.
 */
export async function readHarFile(
  io: Io,
  path: string,
  watch: WatchFn,
  pages?: { pages: unknown },
): Promise<HarStreamResult | { ok: false; error: 'read'; code: string }> {
  const reader = new HarStream(watch, pages ? { ...NODE_BYTES, pages: pages.pages } : NODE_BYTES);
  try {
    for await (const chunk of io.open(path)) if (!reader.write(chunk)) break;
  } catch (e) {
    return { ok: false, error: 'read', code: (e as { code?: string }).code ?? 'error' };
  }
  const r = reader.end();
  if (r.ok && r.pagesAfterEntries !== undefined && !pages && path !== '-')
    return readHarFile(io, path, watch, { pages: r.pagesAfterEntries });
  return r;
}

async function diagnoseFile(io: Io, file: string, watchAll: boolean): Promise<Read | Failure> {
  const watch: WatchFn = watchAll ? (h) => serviceOf(h) ?? 'site' : serviceOf;
  const har = await readHarFile(io, file, watch);
  if (!har.ok) {
    if (har.error === 'read') return { file, error: 'cli_err_read', args: [file, har.code] };
    if (har.error === 'not-json') return { file, error: 'cli_err_not_json', args: [file] };
    if (har.error === 'entry-too-large')
      return { file, error: 'cli_err_entry_too_large', args: [file, MAX_ENTRY / 1024 / 1024] };
    return { file, error: 'cli_err_not_har', args: [file] };
  }
  const now = har.last;
  const diagnosis = diagnose(har.outcomes, har.observations, { now, window: now - har.first + 1 });
  return {
    file,
    diagnosis,
    outcomes: har.outcomes,
    requests: har.outcomes.length,
    first: har.first,
    last: har.last,
    tool: har.tool,
  };
}

/** The files named on the command line: folders expanded to their .har files. */
async function expand(io: Io, paths: readonly string[]): Promise<{ files: (string | Failure)[]; many: boolean }> {
  const files: (string | Failure)[] = [];
  let many = paths.length > 1;
  for (const p of paths) {
    let kind: 'file' | 'dir';
    try {
      kind = await io.kind(p);
    } catch (e) {
      files.push({ file: p, error: 'cli_err_read', args: [p, (e as { code?: string }).code ?? 'error'] });
      continue;
    }
    if (kind === 'file') {
      files.push(p);
      continue;
    }
    many = true;
    let found: string[];
    try {
      found = await io.list(p);
    } catch (e) {
      files.push({ file: p, error: 'cli_err_read', args: [p, (e as { code?: string }).code ?? 'error'] });
      continue;
    }
    if (found.length === 0) files.push({ file: p, error: 'cli_err_no_hars', args: [p] });
    files.push(...found);
  }
  return { files, many };
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let lang: Lang = pickLang(io.env.LC_ALL || io.env.LC_MESSAGES || io.env.LANG);
  const fail = (key: string, args: (string | number)[]) => io.stderr(printable(t(lang, key, args)) + '\n');
  try {
    const args = parseArgs(argv);
    if (args.lang) lang = args.lang;
    if ('usage' in args) {
      fail(args.usage, []);
      return 2;
    }
    if (args.command === 'version') {
      io.stdout(`faultline ${VERSION}\n`);
      return 0;
    }
    if (args.command === 'help') {
      io.stdout(t(lang, 'cli_help', [VERSION]) + '\n');
      return 0;
    }
    const { files, many } = await expand(io, args.paths);
    const summary: Summary = { files: 0, errors: 0, verdicts: { provider: 0, user: 0, healthy: 0, unclear: 0 } };
    let mdCount = 0;
    for (const f of files) {
      const r = typeof f === 'string' ? await diagnoseFile(io, f, args.watchAll) : f;
      if ('error' in r) {
        summary.errors++;
        fail(r.error, r.args);
        if (many && args.format === 'json')
          io.stdout(jsonLine({ file: r.file, error: r.error.replace(/^cli_err_/, '').replace(/_/g, '-') }));
        continue;
      }
      summary.files++;
      summary.verdicts[r.diagnosis.verdict]++;
      if (args.format === 'md') {
        const md = ticketMarkdown(r.diagnosis, r.outcomes, { lang, version: VERSION, tool: r.tool, now: io.now() });
        io.stdout((mdCount++ ? '\n---\n\n' : '') + printableLines(md));
      } else if (args.format === 'json') {
        io.stdout(
          jsonLine(
            many ? { file: r.file, requests: r.requests, first: r.first, last: r.last, ...r.diagnosis } : r.diagnosis,
          ),
        );
      } else if (many) io.stdout(renderFileLine(lang, r));
      else io.stdout(renderReport(r.diagnosis, lang, { file: r.file, requests: r.requests }));
    }
    if (many && args.format === 'json')
      io.stdout(jsonLine({ summary: { files: summary.files, errors: summary.errors, verdicts: summary.verdicts } }));
    else if (many && args.format === 'text') io.stdout(renderSummary(lang, summary));
    return summary.errors ? 2 : 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    fail('cli_err_internal', [msg.split('\n')[0]!.slice(0, 200)]);
    return 2;
  }
}
