/**
 * The streaming HAR reader: bytes in (any chunking, any file size), outcomes out, without ever building the
 * HAR's whole JSON tree. Pure (no Node, no browser APIs): the CLI feeds it file or stdin chunks.
 *
 * How: a small validating JSON tokenizer walks the outer structure (`{ "log": { "entries": [ … ] } }` and
 * anything beside it: comments, custom fields — checked, never kept). Each element of `log.entries` (and
 * `log.pages`, `log.creator`, `log.browser`) is *captured*: its bytes are copied by a fast scanner that only
 * tracks strings and brackets, then `JSON.parse`d on its own and handed to the one per-entry conversion
 * (read.ts `HarCollector` → `convertHarEntry`), exactly as the in-memory reader does. Small objects that die
 * young cost the garbage collector almost nothing, where one 150 MB tree costs it most of a whole-file parse.
 *
 * Every field of an entry is kept except bodies, so whatever the conversion reads tomorrow is there:
 * - a `text` value (response `content.text`, request `postData.text`) longer than KEEP_TEXT_RAW bytes becomes
 *   `""`. The conversion never reads a body longer than MAX_BODY_TEXT characters, and one character is at most
 *   6 bytes of JSON (`\uXXXX`), so every body it could read is kept whole: same outcome, bounded memory;
 * - `_webSocketMessages` (Chrome's WebSocket frames) becomes `[]`;
 * - any other string value longer than MAX_STRING_RAW bytes becomes `""` (bigger than any URL a browser sends:
 *   Chrome caps URLs at 2 MB);
 * - an entry still larger than MAX_ENTRY bytes after that is an error ('entry-too-large'), never a 1 GB buffer.
 *
 * `log.pages` gives the conversion its context (harContext) when it comes before the entries, as every tool
 * writes it; when it comes after them and names pages by URL, the result says so (`pagesAfterEntries`) and a
 * second pass given those pages (`opts.pages`) gets exactly what the in-memory reader gets.
 *
 * Invalid JSON anywhere is 'not-json' (captured values are checked by JSON.parse, the rest by the tokenizer).
 * A file that cannot be a HAR stops the reading as soon as that is certain: not `{` at the top ('not-json' or
 * 'not-har'), `log` not an object ('not-har'), `entries` not an array ('no-entries-array'). A key given twice
 * keeps the last value, as JSON.parse does.
 *
 * Text: UTF-8 files are decoded per value as Latin-1, as the in-memory path always did (test/corpus/in-memory.ts:
 * JSON's structure is ASCII, the engine reads only ASCII fields, and V8 keeps one-byte strings); files with a
 * UTF-16 BOM are transcoded to UTF-8 and decoded as UTF-8; a UTF-8 BOM is skipped.
 */
import { MAX_BODY_TEXT } from './body';
import { HarCollector, harContext, type HarResult, type WatchFn } from './read';

export type HarStreamError = 'not-json' | 'not-har' | 'no-entries-array' | 'entry-too-large';

export type HarStreamResult =
  | (HarResult & {
      ok: true;
      /** "name version" of `log.browser`, else of `log.creator` ('' when neither). */
      tool: string;
      /**
       * Set when `log.pages` came after the entries and names pages by URL, which the conversion would have used
       * (harContext): read the input again with `pages` set to this to get exactly what the in-memory reader
       * gets. Every tool we know writes the pages first.
       */
      pagesAfterEntries?: unknown;
    })
  | { ok: false; error: HarStreamError };

export interface HarStreamOptions {
  /**
   * Latin-1 decoding of captured bytes (Node: `Buffer#toString('latin1')`, much faster than the default).
   * Must map every byte to the code point of the same value.
   */
  latin1?: (bytes: Uint8Array) => string;
  /** First index of `needle` in `haystack` at or after `from`, or -1 (Node: `Buffer#indexOf`, much faster). */
  indexOf?: (haystack: Uint8Array, needle: Uint8Array, from: number) => number;
  /** Refuse an entry larger than this (bytes, after bodies are set aside). Default MAX_ENTRY. */
  maxEntry?: number;
  /** log.pages, when known before reading (see `pagesAfterEntries`); the input's own pages are then ignored. */
  pages?: unknown;
}

/** Bodies: raw JSON bytes of a `text` value kept whole (6 bytes per character at most, see above). */
export const KEEP_TEXT_RAW = Math.ceil(6 * MAX_BODY_TEXT);
/** Any other string value longer than this (raw JSON bytes) is set aside. */
export const MAX_STRING_RAW = 4 * 1024 * 1024;
/** An entry larger than this after bodies are set aside is refused. */
export const MAX_ENTRY = 64 * 1024 * 1024;

const QUOTE = 0x22;
const BSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const QUOTE_BYTE = new Uint8Array([QUOTE]);
/** A string this long is a body: the rest of it is searched natively. */
const LONG_STRING = 256;

/** Tokenizer states outside captured values. */
const enum St {
  Value,
  ValueOrEnd,
  KeyOrEnd,
  Key,
  Colon,
  After,
  Str,
  Num,
  Lit,
  Done,
}

/** What a container walked by the tokenizer is. */
const enum Role {
  Root,
  Log,
  Entries,
  Other,
}

/** What a captured value is for. */
const enum Target {
  Entry,
  Pages,
  Creator,
  Browser,
}

/** The keys the capture scanner recognises (by their raw bytes). */
const enum Key {
  None,
  Text,
  WebSocketMessages,
}
const TEXT = [0x74, 0x65, 0x78, 0x74]; // text
const WS_MESSAGES = Array.from('_webSocketMessages', (ch) => ch.charCodeAt(0));

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const HEX = /^[0-9a-fA-F]$/;

function latin1Fallback(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

function indexOfFallback(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(needle[0]!, from); i >= 0 && i <= last; i = haystack.indexOf(needle[0]!, i + 1)) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

function nameVersion(x: unknown): string {
  if (!x || typeof x !== 'object') return '';
  const { name, version } = x as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || !name) return '';
  return typeof version === 'string' && version ? `${name} ${version}` : name;
}

export class HarStream {
  private collector: HarCollector;
  private readonly watch: WatchFn;
  private failed: HarStreamError | null = null;
  private decode: (bytes: Uint8Array) => string;
  private readonly indexOf: (haystack: Uint8Array, needle: Uint8Array, from: number) => number;
  private readonly maxEntry: number;
  /** First bytes, until the byte-order mark is known. */
  private head: Uint8Array | null = new Uint8Array(0);
  private utf16: TextDecoder | null = null;

  // The outer tokenizer.
  private st = St.Value;
  private roles: Role[] = [];
  private isArray: boolean[] = [];
  private strIsKey = false;
  private strEsc = 0; // 0 none, 1 after a backslash, 2..5 inside \uXXXX
  private keyBytes: number[] = [];
  private key = '';
  private tok = '';
  private logSeen = false;
  private entriesSeen = false;
  private creator: unknown = undefined;
  private browser: unknown = undefined;
  private pages: unknown = undefined;
  private pagesLate = false;
  private readonly givenPages: { pages: unknown } | null;

  // The capture scanner.
  private capturing = false;
  private target = Target.Entry;
  private capKinds: number[] = []; // 1 array, 0 object
  private out = new Uint8Array(64 * 1024);
  private outLen = 0;
  private seg = 0;
  private inStr = false;
  private esc = false;
  private afterColon = false;
  private lastKey = Key.None;
  private strOut = 0;
  private strLen = 0;
  private strLimit = 0;
  private strSkip = false;
  private strIsValue = false;
  private skipTo = -1;

  // The entry boundary, once learnt (see fastEntries).
  private boundary: Uint8Array | null = null;
  private braceAt = 0;
  private hits = 0;
  private misses = 0;

  constructor(watch: WatchFn, opts: HarStreamOptions = {}) {
    this.watch = watch;
    this.collector = new HarCollector(watch);
    this.decode = opts.latin1 ?? latin1Fallback;
    this.indexOf = opts.indexOf ?? indexOfFallback;
    this.maxEntry = opts.maxEntry ?? MAX_ENTRY;
    this.givenPages = 'pages' in opts ? { pages: opts.pages } : null;
  }

  /** The error that stopped the reading, if any: stop feeding once it is set. */
  get error(): HarStreamError | null {
    return this.failed;
  }

  /** Feed the next chunk. Returns false once the input is known to be unusable (see `error`). */
  write(chunk: Uint8Array): boolean {
    if (this.failed) return false;
    if (this.head) {
      const h = new Uint8Array(this.head.length + chunk.length);
      h.set(this.head);
      h.set(chunk, this.head.length);
      if (h.length < 3) {
        this.head = h;
        return true;
      }
      this.head = null;
      chunk = this.start(h);
    } else if (this.utf16) {
      chunk = new TextEncoder().encode(this.utf16.decode(chunk, { stream: true }));
    }
    this.scan(chunk);
    return this.failed === null;
  }

  /** End of input: the outcomes (sorted by start time) or why there are none. */
  end(): HarStreamResult {
    if (this.head) {
      const h = this.head;
      this.head = null;
      this.scan(this.start(h));
    } else if (this.utf16 && !this.failed) {
      this.scan(new TextEncoder().encode(this.utf16.decode()));
    }
    if (this.failed) return { ok: false, error: this.failed };
    if (this.st !== St.Done || this.capturing) return { ok: false, error: 'not-json' };
    if (!this.logSeen) return { ok: false, error: 'not-har' };
    if (!this.entriesSeen) return { ok: false, error: 'no-entries-array' };
    const creatorName = (this.creator as { name?: unknown } | undefined)?.name;
    const r = this.collector.finish(typeof creatorName === 'string' ? creatorName : '');
    const tool = nameVersion(this.browser) || nameVersion(this.creator);
    if (this.pagesLate && harContext(this.watch, this.pages).pages.size > 0)
      return { ...r, tool, pagesAfterEntries: this.pages };
    return { ...r, tool };
  }

  /** Byte-order mark: skip UTF-8's, transcode UTF-16 to UTF-8. */
  private start(h: Uint8Array): Uint8Array {
    const [b0, b1, b2] = h;
    if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
      this.utf16 = new TextDecoder(b0 === 0xff ? 'utf-16le' : 'utf-16be');
      const utf8 = new TextDecoder('utf-8');
      this.decode = (b) => utf8.decode(b);
      return new TextEncoder().encode(this.utf16.decode(h, { stream: true }));
    }
    return b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? h.subarray(3) : h;
  }

  private fail(e: HarStreamError): number {
    if (!this.failed) this.failed = e;
    return Number.MAX_SAFE_INTEGER;
  }

  private scan(buf: Uint8Array): void {
    const n = buf.length;
    let i = 0;
    if (this.capturing) this.seg = 0;
    while (!this.failed) {
      if (this.capturing) {
        i = this.capture(buf, i, n); // n: the chunk ended inside the value, kept what was copied so far
        if (i >= n) return;
      } else if (i < n) i = this.outer(buf, i, n);
      else return;
    }
  }

  // ---------------------------------------------------------------- the outer tokenizer

  private get role(): Role {
    return this.roles[this.roles.length - 1] ?? Role.Root;
  }

  private push(role: Role, array: boolean): void {
    this.roles.push(role);
    this.isArray.push(array);
    this.st = array ? St.ValueOrEnd : St.KeyOrEnd;
  }

  private pop(): void {
    this.roles.pop();
    this.isArray.pop();
    this.st = this.roles.length === 0 ? St.Done : St.After;
  }

  private valueDone(primitive: boolean): void {
    if (primitive && this.roles.length > 0 && this.role === Role.Entries) this.collector.add(null); // skipped
    this.st = this.roles.length === 0 ? St.Done : St.After;
  }

  /** A value starts with byte c at i: walk it, capture it, or decide the file is no HAR. */
  private startValue(i: number, c: number): number {
    const depth = this.roles.length;
    const role = this.role;
    const isContainer = c === LBRACE || c === LBRACK;
    const isValueStart =
      isContainer || c === QUOTE || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
    if (!isValueStart) return this.fail('not-json');
    if (depth === 0) {
      if (c !== LBRACE) return this.fail('not-har');
      this.push(Role.Root, false);
      return i + 1;
    }
    if (role === Role.Root && this.key === 'log') {
      if (c === LBRACK) return this.fail('no-entries-array'); // an array is an object without `entries`
      if (c !== LBRACE) return this.fail('not-har');
      this.logSeen = true;
      this.entriesSeen = false;
      this.creator = this.browser = this.pages = undefined;
      this.pagesLate = false;
      this.push(Role.Log, false);
      return i + 1;
    }
    if (role === Role.Log && this.key === 'entries') {
      if (c !== LBRACK) return this.fail('no-entries-array');
      this.entriesSeen = true;
      this.pagesLate = false;
      this.collector = new HarCollector(this.watch, this.givenPages ? this.givenPages.pages : this.pages);
      this.push(Role.Entries, true);
      return i + 1;
    }
    if (isContainer && role === Role.Entries) return this.beginCapture(Target.Entry, i, c);
    if (c === LBRACE && role === Role.Log && (this.key === 'creator' || this.key === 'browser'))
      return this.beginCapture(this.key === 'creator' ? Target.Creator : Target.Browser, i, c);
    if (c === LBRACK && role === Role.Log && this.key === 'pages') return this.beginCapture(Target.Pages, i, c);
    if (role === Role.Log && this.key === 'pages') this.pagesArrived(undefined);
    if (role === Role.Log && this.key === 'creator') this.creator = undefined;
    if (role === Role.Log && this.key === 'browser') this.browser = undefined;
    if (isContainer) {
      this.push(Role.Other, c === LBRACK);
      return i + 1;
    }
    if (c === QUOTE) {
      this.strIsKey = false;
      this.strEsc = 0;
      this.st = St.Str;
      return i + 1;
    }
    this.tok = '';
    this.st = c === 0x2d || (c >= 0x30 && c <= 0x39) ? St.Num : St.Lit;
    return i; // the token's first byte is read in its state
  }

  private outer(buf: Uint8Array, i: number, n: number): number {
    while (i < n && !this.capturing) {
      const c = buf[i]!;
      switch (this.st) {
        case St.Value:
          if (isWs(c)) i++;
          else i = this.startValue(i, c);
          break;
        case St.ValueOrEnd:
          if (isWs(c)) i++;
          else if (c === RBRACK) {
            this.pop();
            i++;
          } else i = this.startValue(i, c);
          break;
        case St.KeyOrEnd:
        case St.Key:
          if (isWs(c)) i++;
          else if (c === QUOTE) {
            this.strIsKey = true;
            this.strEsc = 0;
            this.keyBytes.length = 0;
            this.st = St.Str;
            i++;
          } else if (c === RBRACE && this.st === St.KeyOrEnd) {
            this.pop();
            i++;
          } else return this.fail('not-json');
          break;
        case St.Colon:
          if (isWs(c)) i++;
          else if (c === COLON) {
            this.st = St.Value;
            i++;
          } else return this.fail('not-json');
          break;
        case St.After:
          if (isWs(c)) i++;
          else if (c === COMMA) {
            this.st = this.isArray[this.isArray.length - 1] ? St.Value : St.Key;
            i++;
          } else if (c === (this.isArray[this.isArray.length - 1] ? RBRACK : RBRACE)) {
            this.pop();
            i++;
          } else return this.fail('not-json');
          break;
        case St.Done:
          if (isWs(c)) i++;
          else return this.fail('not-json');
          break;
        case St.Str:
          i = this.outerString(buf, i, n);
          break;
        case St.Num:
          if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) {
            this.tok += String.fromCharCode(c);
            i++;
          } else {
            if (!NUMBER.test(this.tok)) return this.fail('not-json');
            this.valueDone(true);
          }
          break;
        case St.Lit:
          if (c >= 0x61 && c <= 0x7a) {
            this.tok += String.fromCharCode(c);
            i++;
          } else {
            if (this.tok !== 'true' && this.tok !== 'false' && this.tok !== 'null') return this.fail('not-json');
            this.valueDone(true);
          }
          break;
      }
    }
    return i;
  }

  /** A string outside captured values: checked byte by byte; keys of the root and of `log` are remembered. */
  private outerString(buf: Uint8Array, i: number, n: number): number {
    const keep = this.strIsKey && (this.role === Role.Root || this.role === Role.Log);
    for (; i < n; i++) {
      const c = buf[i]!;
      if (this.strEsc === 1) {
        if (c === 0x75) this.strEsc = 2;
        else if (
          c === QUOTE ||
          c === BSLASH ||
          c === 0x2f ||
          c === 0x62 ||
          c === 0x66 ||
          c === 0x6e ||
          c === 0x72 ||
          c === 0x74
        )
          this.strEsc = 0;
        else return this.fail('not-json');
      } else if (this.strEsc > 1) {
        if (!HEX.test(String.fromCharCode(c))) return this.fail('not-json');
        this.strEsc = this.strEsc === 5 ? 0 : this.strEsc + 1;
      } else if (c === QUOTE) {
        if (this.strIsKey) {
          this.key = keep && this.keyBytes.length <= 64 ? this.keyText() : '';
          this.st = St.Colon;
        } else this.valueDone(true);
        return i + 1;
      } else if (c === BSLASH) this.strEsc = 1;
      else if (c < 0x20) return this.fail('not-json');
      if (keep && this.keyBytes.length <= 64) this.keyBytes.push(c);
    }
    return i;
  }

  private keyText(): string {
    const raw = this.decode(Uint8Array.from(this.keyBytes));
    return this.keyBytes.includes(BSLASH) ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  // ---------------------------------------------------------------- the capture scanner

  private beginCapture(target: Target, i: number, c: number): number {
    this.capturing = true;
    this.target = target;
    this.capKinds.length = 0;
    this.capKinds.push(c === LBRACK ? 1 : 0);
    this.outLen = 0;
    this.seg = i;
    this.inStr = false;
    this.esc = false;
    this.afterColon = false;
    this.lastKey = Key.None;
    this.skipTo = -1;
    return i + 1;
  }

  private flush(buf: Uint8Array, from: number, to: number): void {
    const len = to - from;
    if (len <= 0) return;
    if (this.outLen + len > this.out.length) {
      let size = this.out.length * 2;
      while (size < this.outLen + len) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.out.subarray(0, this.outLen));
      this.out = bigger;
    }
    this.out.set(buf.subarray(from, to), this.outLen);
    this.outLen += len;
  }

  private append2(a: number, b: number): void {
    if (this.outLen + 2 > this.out.length) this.flush(new Uint8Array([a, b]), 0, 2);
    else {
      this.out[this.outLen++] = a;
      this.out[this.outLen++] = b;
    }
  }

  /** Byte k of the captured value so far (flushed to `out`, or still in this chunk from `seg`). */
  private vbyte(buf: Uint8Array, k: number): number {
    return k < this.outLen ? this.out[k]! : buf[this.seg + k - this.outLen]!;
  }

  private keyIs(buf: Uint8Array, at: number, len: number, want: readonly number[]): boolean {
    if (len !== want.length) return false;
    for (let k = 0; k < len; k++) if (this.vbyte(buf, at + k) !== want[k]) return false;
    return true;
  }

  /** The hot loop: copy one captured value, setting bodies aside, until its closing bracket. */
  private capture(buf: Uint8Array, i: number, n: number): number {
    const kinds = this.capKinds;
    while (i < n) {
      if (this.inStr) {
        const sBeg = i;
        let j = i;
        if (this.esc) {
          this.esc = false;
          j++;
        }
        const long = j + LONG_STRING;
        while (j < n) {
          const c = buf[j]!;
          if (c === QUOTE) break;
          j += c === BSLASH ? 2 : 1;
          if (j >= long && j < n) {
            j = this.closingQuote(buf, j, n); // a body: let native code search
            break;
          }
        }
        if (j >= n) {
          if (j > n) this.esc = true; // a backslash was the last byte
          this.strLen += n - sBeg;
          return this.chunkEnd(buf, n);
        }
        const len = this.strLen + (j - sBeg);
        this.inStr = false;
        if (this.skipTo < 0) {
          if (!this.strIsValue) {
            const at = this.strOut + 1;
            this.lastKey = this.keyIs(buf, at, len, TEXT)
              ? Key.Text
              : this.keyIs(buf, at, len, WS_MESSAGES)
                ? Key.WebSocketMessages
                : Key.None;
          } else if (this.strSkip || len > this.strLimit) {
            // Set the value aside: `""` where it stood.
            if (this.strOut >= this.outLen) this.flush(buf, this.seg, this.seg + this.strOut - this.outLen);
            else this.outLen = this.strOut;
            this.append2(QUOTE, QUOTE);
            this.seg = j + 1;
            this.strSkip = false;
          }
        }
        i = j + 1;
        continue;
      }
      const c = buf[i]!;
      if (c === QUOTE) {
        this.inStr = true;
        this.strIsValue = this.afterColon;
        this.afterColon = false;
        this.strLimit = this.lastKey === Key.Text ? KEEP_TEXT_RAW : MAX_STRING_RAW;
        this.strOut = this.outLen + (i - this.seg);
        this.strLen = 0;
        this.strSkip = false;
        i++;
        continue;
      }
      if (c === LBRACE || c === LBRACK) {
        if (this.afterColon && this.lastKey === Key.WebSocketMessages && this.skipTo < 0) {
          // Set the frames aside: `[]` (or `{}`) where they stood.
          this.flush(buf, this.seg, i);
          this.append2(c, c + 2);
          this.skipTo = kinds.length;
        }
        kinds.push(c === LBRACK ? 1 : 0);
        this.afterColon = false;
      } else if (c === RBRACE || c === RBRACK) {
        if (kinds.pop() !== (c === RBRACK ? 1 : 0)) return this.fail('not-json');
        this.afterColon = false;
        if (kinds.length === this.skipTo) {
          this.skipTo = -1;
          this.seg = i + 1;
        } else if (kinds.length === 0) return this.endCapture(buf, i + 1);
      } else if (c === COLON) this.afterColon = true;
      else if (c === COMMA) this.afterColon = false;
      i++;
    }
    return this.chunkEnd(buf, n);
  }

  /**
   * The closing quote of a string at or after `from` (not inside an escape), found by the native search; or
   * n + 1 when the chunk ends after an odd run of backslashes (the next chunk starts escaped), else n.
   */
  private closingQuote(buf: Uint8Array, from: number, n: number): number {
    for (;;) {
      const q = this.indexOf(buf, QUOTE_BYTE, from);
      let k = q < 0 ? n : q;
      while (k > from && buf[k - 1] === BSLASH) k--;
      const escaped = ((q < 0 ? n : q) - k) % 2 === 1;
      if (q < 0) return escaped ? n + 1 : n;
      if (!escaped) return q;
      from = q + 1;
    }
  }

  /** The chunk ends inside a captured value: keep what is kept, drop what is set aside. */
  private chunkEnd(buf: Uint8Array, n: number): number {
    if (this.skipTo < 0 && !this.strSkip) this.flush(buf, this.seg, n);
    this.seg = n;
    if (this.inStr && this.strIsValue && this.skipTo < 0 && !this.strSkip && this.strLen > this.strLimit) {
      this.outLen = this.strOut;
      this.strSkip = true;
    }
    if (this.outLen > this.maxEntry) return this.fail('entry-too-large');
    return n;
  }

  private endCapture(buf: Uint8Array, end: number): number {
    let bytes: Uint8Array;
    if (this.outLen === 0) bytes = buf.subarray(this.seg, end);
    else {
      this.flush(buf, this.seg, end);
      bytes = this.out.subarray(0, this.outLen);
    }
    this.capturing = false;
    this.outLen = 0;
    let value: unknown;
    try {
      value = JSON.parse(this.decode(bytes));
    } catch {
      return this.fail('not-json');
    }
    this.valueDone(false);
    if (this.target === Target.Creator) this.creator = value;
    else if (this.target === Target.Browser) this.browser = value;
    else if (this.target === Target.Pages) this.pagesArrived(value);
    else {
      this.collector.add(value);
      return this.fastEntries(buf, end);
    }
    return end;
  }

  private pagesArrived(pages: unknown): void {
    this.pages = pages;
    if (this.entriesSeen && !this.givenPages) this.pagesLate = true;
  }

  // ---------------------------------------------------------------- the fast path between entries

  /**
   * An entry just ended at `e` (exclusive). The bytes from its closing brace to the first key of the next entry
   * are nearly always the same in a file (`},{"_initiator"` minified, `},\n    {\n      "startedDateTime"`
   * pretty-printed): once learnt, the next entry's end is searched natively and the slice between is handed to
   * JSON.parse directly, with no byte-by-byte scanning. Exact, not a heuristic: the slice starts where a value
   * starts, and a JSON object that parses is complete, so a wrong guess (the pattern inside a string, an entry
   * whose first key differs) can only fail to parse — and that entry is then read by the capture scanner.
   * Entries running past the chunk are read by the capture scanner too (memory stays bounded by the chunk).
   */
  private fastEntries(buf: Uint8Array, e: number): number {
    const n = buf.length;
    if (!this.boundary && !this.learn(buf, e)) return e;
    const p = this.boundary!;
    for (;;) {
      if (this.misses > 16 && this.misses * 8 > this.hits) return e; // this file defeats the guess: scan it
      if (e - 1 + p.length > n) return e;
      for (let k = 1; k < p.length; k++) if (buf[e - 1 + k] !== p[k]) return e;
      const s = e - 1 + this.braceAt;
      const c = this.indexOf(buf, p, s + 1);
      if (c < 0) return this.beginCapture(Target.Entry, s, LBRACE);
      let value: unknown;
      try {
        value = JSON.parse(this.decode(buf.subarray(s, c + 1)));
      } catch {
        this.misses++;
        return this.beginCapture(Target.Entry, s, LBRACE);
      }
      this.hits++;
      this.collector.add(value);
      e = c + 1;
    }
  }

  /** Learn the boundary from the bytes after the entry that ended at `e`: `}` ws `,` ws `{` ws `"key"`. */
  private learn(buf: Uint8Array, e: number): boolean {
    const n = buf.length;
    let k = e;
    while (k < n && isWs(buf[k]!)) k++;
    if (buf[k++] !== COMMA) return false;
    while (k < n && isWs(buf[k]!)) k++;
    if (buf[k] !== LBRACE) return false;
    const braceAt = k - (e - 1);
    k++;
    while (k < n && isWs(buf[k]!)) k++;
    if (buf[k++] !== QUOTE) return false;
    const keyStart = k;
    while (k < n && k - keyStart <= 64 && buf[k]! >= 0x20 && buf[k] !== QUOTE && buf[k] !== BSLASH) k++;
    if (buf[k] !== QUOTE || k === keyStart) return false;
    this.boundary = buf.slice(e - 1, k + 1);
    this.braceAt = braceAt;
    return true;
  }
}
