/**
 * The command line against a bare JSON.parse of the same file, end to end with process start, all in one run:
 *
 * - start-up: `faultline diagnose` on a small corpus HAR against a bare `node -e ''`;
 * - a generated 100,000-entry HAR (realistic mix of Taobao / Alibaba Cloud / control traffic, Chrome dialect,
 *   ~2 % failures, mtop bodies with Chinese text; minified): `faultline diagnose --json` (the bundle,
 *   dist/cli/faultline.mjs) against `node -e 'JSON.parse(fs.readFileSync(f, "utf8"))'`, interleaved, medians,
 *   wall time and peak RSS (process.resourceUsage().maxRSS, read by a preloaded probe in both processes).
 *   Targets: ≤ 1.0× the time, ≤ 0.5× the peak RSS;
 * - HARs of more than 1 GB, beyond V8's string limit, where JSON.parse cannot read them at all: one as DevTools
 *   "save all as HAR with content" writes it (pretty-printed, base64 pictures, scripts and JSON bodies), and one
 *   of about 700,000 entries without bodies (minified). Target: diagnosed, in memory bounded
 *   by what the engine keeps per request (about 0.4 KB), never by the bytes: peak RSS ≤ 0.5× the file;
 * - the readers alone, in-process, on the 100k HAR: our streaming reader, a maintained streaming JSON parser
 *   (@streamparser/json, `$.log.entries.*`) feeding the same conversion, and the in-memory path (JSON.parse +
 *   readHar). This is how the streaming reader was chosen.
 *
 * The HARs are generated in a temp dir and deleted afterwards. `tsx bench/har-bench.ts` prints the tables.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error a plain .mjs build script without types
import { buildCli } from '../scripts/build-cli.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SMALL_HAR = join(REPO, 'test', 'corpus', 'har', 'outage.har');

const HOSTS = [
  ['img.alicdn.com', 'image', 40],
  ['g.alicdn.com', 'script', 10],
  ['gw.alicdn.com', 'image', 8],
  ['h5api.m.taobao.com', 'xhr', 8],
  ['www.taobao.com', 'document', 2],
  ['s.taobao.com', 'xhr', 4],
  ['log.mmstat.com', 'image', 6],
  ['mybucket.oss-cn-hangzhou.aliyuncs.com', 'xhr', 5],
  ['ecs.console.aliyun.com', 'xhr', 4],
  ['ecs.cn-hangzhou.aliyuncs.com', 'xhr', 2],
  ['www.yuque.com', 'xhr', 3],
  ['www.baidu.com', 'document', 4],
  ['www.qq.com', 'image', 4],
] as const;

/** Deterministic PRNG so every run benches the same file. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const T0 = Date.parse('2023-11-12T09:00:00Z');
const TOTAL_WEIGHT = HOSTS.reduce((a, h) => a + h[2], 0);

/** Entry i of n (spread over an hour). `withContent`: bodies as DevTools saves them "with content". */
function generateEntry(i: number, n: number, rand: () => number, withContent = false): Record<string, unknown> {
  let r = rand() * TOTAL_WEIGHT;
  let h: (typeof HOSTS)[number] = HOSTS[0];
  for (const x of HOSTS)
    if ((r -= x[2]) < 0) {
      h = x;
      break;
    }
  const [host, type] = h;
  const t = T0 + Math.floor((i * 3_600_000) / n);
  const id = Math.floor(rand() * 1e9);
  let url = `https://${host}/`;
  if (type === 'image') url += `imgextra/i${id % 4}/O1CN01${id.toString(36)}Ab_!!2206${id}.jpg_300x300q90.jpg`;
  else if (type === 'script') url += `tb-page/index/0.0.${id % 50}/index.js`;
  else if (host.startsWith('h5api'))
    url += `h5/mtop.taobao.detail.getdetail/6.0/?jsv=2.7.2&appKey=12574478&t=${t}&sign=${id.toString(16)}`;
  else if (host.includes('oss-'))
    url += `photos/${id}.jpg?OSSAccessKeyId=LTAI5tAbCdEfGhIjKlMnOpQr&Expires=1699785600&Signature=abc`;
  // Pages of many kinds (a person does not load one page shape every two seconds: that would be a client loop).
  else if (type === 'document') url += `page${id % 97}/index.htm?spm=a21bo.${id % 1000}`;
  else url += `api/v1/items/${id}?spm=a21bo.${id % 1000}`;
  const roll = rand();
  let status = 200;
  let error: string | undefined;
  if (roll < 0.008) error = 'net::ERR_ABORTED';
  else if (roll < 0.012) error = 'net::ERR_CONNECTION_RESET';
  else if (roll < 0.016) status = 404;
  else if (roll < 0.018) status = 503;
  else if (roll < 0.08) status = 304;
  if (error) status = 0;
  const headers = [
    { name: 'Date', value: new Date(t).toUTCString() },
    {
      name: 'Content-Type',
      value: type === 'image' ? 'image/jpeg' : type === 'document' ? 'text/html; charset=utf-8' : 'application/json',
    },
    { name: 'Content-Length', value: String(id % 90_000) },
    { name: 'Server', value: host.includes('oss-') ? 'AliyunOSS' : 'Tengine' },
    { name: 'Cache-Control', value: 'max-age=31536000' },
    { name: 'Timing-Allow-Origin', value: '*' },
    { name: 'Via', value: `cache${id % 60}.l2cn1832[38,304-0,M], kunlun15.cn3157[55,55,200-0,H]` },
    { name: host.includes('oss-') ? 'x-oss-request-id' : 'EagleId', value: id.toString(16).padStart(24, '0') },
  ];
  const content: Record<string, unknown> = { size: id % 90_000, mimeType: headers[1]!.value };
  if (host.startsWith('h5api'))
    content.text = `mtopjsonp${id % 9}({"api":"mtop.taobao.detail.getdetail","data":{"item":{"title":"商品${id}"}},"ret":["SUCCESS::调用成功"],"v":"6.0"})`;
  else if (withContent && status === 200) {
    if (type === 'image') {
      content.text = pick(BLOBS.base64, id);
      content.encoding = 'base64';
    } else if (type === 'script' || type === 'document') content.text = pick(BLOBS.text, id);
    else content.text = `{"code":"200","data":{"items":[${'{"id":1,"name":"x"},'.repeat(id % 200)}{"id":0}]}}`;
  }
  const response: Record<string, unknown> = {
    status,
    statusText: status === 200 ? 'OK' : '',
    httpVersion: 'http/2.0',
    headers,
    cookies: [],
    content,
    redirectURL: '',
    headersSize: -1,
    bodySize: id % 90_000,
    _transferSize: id % 90_000,
  };
  if (error) response._error = error;
  return {
    _initiator: { type: 'script' },
    _priority: 'Low',
    _resourceType: type,
    cache: {},
    connection: String(id % 300),
    pageref: 'page_1',
    request: {
      method: 'GET',
      url,
      httpVersion: 'http/2.0',
      headers: [
        { name: ':authority', value: host },
        { name: ':method', value: 'GET' },
        { name: 'accept', value: '*/*' },
        {
          name: 'user-agent',
          value:
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
        },
        { name: 'referer', value: 'https://www.taobao.com/' },
      ],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: 0,
    },
    response,
    serverIPAddress: '203.119.0.1',
    startedDateTime: new Date(t).toISOString(),
    time: 20 + (id % 400) + rand(),
    timings: {
      blocked: 1.2,
      dns: -1,
      ssl: -1,
      connect: -1,
      send: 0.1,
      wait: 20 + (id % 300),
      receive: 1.5,
      _blocked_queueing: 0.8,
    },
  };
}

/**
 * Bodies for the big HAR, [size, weight in %]: pictures (base64 of 2 KB – 1.5 MB, mostly small) and scripts or
 * pages (5 – 400 KB); about 60 KB per entry on average.
 */
const BLOBS = (() => {
  const rand = rng(7);
  const bytes = (n: number) => Buffer.from(Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const js = (n: number) =>
    'function f(a){return a+1}\n/* 商品 */ var s="\\"{}[]";\n'.repeat(Math.ceil(n / 50)).slice(0, n);
  const sizes = {
    base64: [
      [2_000, 30],
      [8_000, 30],
      [30_000, 20],
      [60_000, 10],
      [150_000, 7],
      [400_000, 2.5],
      [1_500_000, 0.5],
    ],
    text: [
      [5_000, 40],
      [40_000, 30],
      [120_000, 20],
      [400_000, 10],
    ],
  } as const;
  return {
    base64: sizes.base64.map(([n, w]) => [bytes(n).toString('base64'), w] as const),
    text: sizes.text.map(([n, w]) => [js(n), w] as const),
  };
})();

function pick(blobs: readonly (readonly [string, number])[], id: number): string {
  let r = id % 1000;
  for (const [b, w] of blobs) if ((r -= w * 10) < 0) return b;
  return blobs[0]![0];
}

/** The 100k HAR: minified, small mtop bodies only. */
export function generateHar(n: number): string {
  const rand = rng(42);
  const entries: unknown[] = [];
  for (let i = 0; i < n; i++) entries.push(generateEntry(i, n, rand));
  return JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [{ startedDateTime: new Date(T0).toISOString(), id: 'page_1', title: 'bench', pageTimings: {} }],
      entries,
    },
  });
}

/**
 * A HAR of at least `minBytes`, written as it is generated: with content, as DevTools saves it (2-space indent,
 * bodies); without, minified (chrome-har, WebPageTest), small mtop bodies only.
 */
export function writeBigHar(path: string, minBytes: number, withContent: boolean): { bytes: number; entries: number } {
  const fd = openSync(path, 'w');
  const rand = rng(1);
  // timestamps: with bodies (~60 KB an entry) the capture spans an hour; without, 100,000 entries an hour as in
  // the 100k HAR (a 700,000-entry capture spans seven hours)
  const n = withContent ? Math.ceil(minBytes / 60_000) : 100_000;
  let bytes = 0;
  let pending: string[] = [];
  let pendingLen = 0;
  const put = (s: string) => {
    pending.push(s);
    pendingLen += s.length;
    if (pendingLen > 8_000_000) flush();
  };
  const flush = () => {
    bytes += writeSync(fd, pending.join(''));
    pending = [];
    pendingLen = 0;
  };
  const head = { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, pages: [] };
  if (withContent) put(JSON.stringify({ log: head }, null, 2).replace(/\n {2}\}\n\}$/, ',\n    "entries": [\n'));
  else put(JSON.stringify({ log: head }).replace(/\}\}$/, ',"entries":['));
  let i = 0;
  for (; bytes + pendingLen < minBytes; i++) {
    const entry = generateEntry(i, n, rand, withContent);
    if (withContent) put((i ? ',\n      ' : '      ') + JSON.stringify(entry, null, 2).replace(/\n/g, '\n      '));
    else put((i ? ',' : '') + JSON.stringify(entry));
  }
  put(withContent ? '\n    ]\n  }\n}\n' : ']}}');
  flush();
  closeSync(fd);
  return { bytes, entries: i };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface ProcRun {
  ms: number;
  rssMB: number;
  code: number | null;
  err: string;
  out: string;
}

/** One process, timed from spawn to exit; its peak RSS from the probe preloaded into it. */
function timed(probe: string, rssFile: string, args: string[]): ProcRun {
  rmSync(rssFile, { force: true });
  const s = performance.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FAULTLINE_RSS_OUT: rssFile, LANG: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - s;
  let rssMB = NaN;
  try {
    rssMB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  } catch {
    // the process died before its exit handler ran
  }
  return { ms, rssMB, code: r.status, err: r.stderr, out: r.stdout };
}

export interface ReaderRow {
  reader: string;
  ms: number;
  rssMB: number;
  outcomes: number;
}

export interface BigRow {
  what: string;
  bytes: number;
  entries: number;
  ms: number;
  rssMB: number;
  verdict: string;
  floor: string;
  ok: boolean;
}

export interface HarBenchResult {
  entries: number;
  bytes: number;
  reps: number;
  verdict: string;
  startup: { cliMs: number; nodeMs: number };
  floor: { ms: number; rssMB: number };
  cli: { ms: number; rssMB: number };
  timeRatio: number;
  rssRatio: number;
  big: BigRow[];
  readers: ReaderRow[];
  pass: boolean;
}

export async function benchHar(
  opts: { entries?: number; reps?: number; bigBytes?: number } = {},
): Promise<HarBenchResult> {
  const n = opts.entries ?? 100_000;
  const reps = opts.reps ?? 5;
  const bigBytes = opts.bigBytes ?? 1.1e9;
  const bundle = await (buildCli as () => Promise<string>)();
  const dir = mkdtempSync(join(tmpdir(), 'faultline-har-bench-'));
  const file = join(dir, 'bench.har');
  const probe = join(dir, 'rss-probe.mjs');
  const rssFile = join(dir, 'rss.txt');
  writeFileSync(
    probe,
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.FAULTLINE_RSS_OUT, String(process.resourceUsage().maxRSS)));\n",
  );
  const floorArgs = (f: string) => ['-e', `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(f)}, 'utf8'))`];
  try {
    // start-up
    const cliStart: number[] = [];
    const nodeStart: number[] = [];
    for (let r = 0; r < 11; r++) {
      nodeStart.push(timed(probe, rssFile, ['-e', '']).ms);
      cliStart.push(timed(probe, rssFile, [bundle, 'diagnose', '--json', SMALL_HAR]).ms);
    }

    // 100k entries, end to end
    writeFileSync(file, generateHar(n));
    const bytes = statSync(file).size;
    const floor: ProcRun[] = [];
    const cli: ProcRun[] = [];
    timed(probe, rssFile, floorArgs(file)); // warm the page cache
    for (let r = 0; r < reps; r++) {
      floor.push(timed(probe, rssFile, floorArgs(file)));
      const c = timed(probe, rssFile, [bundle, 'diagnose', '--json', file]);
      if (c.code !== 0) throw new Error(`faultline failed on the 100k HAR: ${c.err.trim()}`);
      cli.push(c);
    }
    const d = JSON.parse(cli[0]!.out) as { verdict: string; cause: string };

    // the readers alone, each in its own process (peak RSS of the reader alone), in turn so load hits all alike
    const names = ['stream', 'streamparser', 'in-memory'];
    const runs = new Map<string, ReaderRow[]>(names.map((x) => [x, []]));
    for (let r = 0; r < 3; r++) {
      for (const reader of names) {
        const p = spawnSync(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(new URL('./har-readers.ts', import.meta.url)), reader, file],
          { cwd: REPO, encoding: 'utf8' },
        );
        if (p.status !== 0) throw new Error(`reader ${reader} failed: ${p.stderr.trim().split('\n')[0]}`);
        runs.get(reader)!.push(JSON.parse(p.stdout) as ReaderRow);
      }
    }
    const readers: ReaderRow[] = names.map((x) => {
      const rs = runs.get(x)!;
      return {
        reader: rs[0]!.reader,
        ms: median(rs.map((y) => y.ms)),
        rssMB: median(rs.map((y) => y.rssMB)),
        outcomes: rs[0]!.outcomes,
      };
    });
    rmSync(file);

    // more than 1 GB
    const big: BigRow[] = [];
    const bigFile = join(dir, 'big.har');
    for (const what of ['with content', 'no bodies'] as const) {
      const gen = writeBigHar(bigFile, what === 'with content' ? bigBytes : 1.05e9, what === 'with content');
      const f = timed(probe, rssFile, floorArgs(bigFile));
      const c = timed(probe, rssFile, [bundle, 'diagnose', '--json', bigFile]);
      rmSync(bigFile);
      const d = c.code === 0 ? (JSON.parse(c.out) as { verdict: string; cause: string }) : null;
      big.push({
        what,
        ...gen,
        ms: c.ms,
        rssMB: c.rssMB,
        verdict: d ? `${d.verdict}/${d.cause}` : `exit ${c.code}: ${c.err.trim()}`,
        floor:
          f.code === 0
            ? `read it in ${f.ms.toFixed(0)} ms, ${mb(f.rssMB)}`
            : `fails after ${(f.ms / 1000).toFixed(1)} s, ${mb(f.rssMB)}: ${(f.err.match(/Error: [^\n]*/)?.[0] ?? f.err.trim().split('\n').pop() ?? '').slice(0, 80)}`,
        ok: c.code === 0 && c.rssMB * 1024 * 1024 <= 0.5 * gen.bytes,
      });
    }

    const floorMs = median(floor.map((x) => x.ms));
    const cliMs = median(cli.map((x) => x.ms));
    const floorRss = median(floor.map((x) => x.rssMB));
    const cliRss = median(cli.map((x) => x.rssMB));
    const result: HarBenchResult = {
      entries: n,
      bytes,
      reps,
      verdict: `${d.verdict}/${d.cause}`,
      startup: { cliMs: median(cliStart), nodeMs: median(nodeStart) },
      floor: { ms: floorMs, rssMB: floorRss },
      cli: { ms: cliMs, rssMB: cliRss },
      timeRatio: cliMs / floorMs,
      rssRatio: cliRss / floorRss,
      big,
      readers,
      pass: false,
    };
    result.pass = result.timeRatio <= 1 && result.rssRatio <= 0.5 && big.every((x) => x.ok);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (x: number) => `${x.toFixed(0)} MB`;
const ok = (b: boolean) => (b ? '✅' : '❌');

export function harBenchTable(r: HarBenchResult): string {
  const inMemory = r.readers.find((x) => x.reader.startsWith('in-memory'));
  return [
    `End to end, process start included: \`faultline diagnose --json\` (the bundle) against \`node -e 'JSON.parse(fs.readFileSync(f, "utf8"))'\`, interleaved, median of ${r.reps}; peak RSS from process.resourceUsage().maxRSS.`,
    '',
    '| measure | faultline | JSON.parse | × JSON.parse | target |',
    '|---|---:|---:|---:|---|',
    `| start-up: a 22-request corpus HAR (faultline) vs \`node -e ''\`, median of 11 | ${r.startup.cliMs.toFixed(0)} ms | ${r.startup.nodeMs.toFixed(0)} ms (bare node) | ${(r.startup.cliMs / r.startup.nodeMs).toFixed(2)} | |`,
    `| ${r.entries.toLocaleString('en')}-entry HAR (${(r.bytes / 1e6).toFixed(1)} MB, verdict ${r.verdict}): time | ${r.cli.ms.toFixed(0)} ms | ${r.floor.ms.toFixed(0)} ms | ${r.timeRatio.toFixed(2)} | ≤ 1.00 ${ok(r.timeRatio <= 1)} |`,
    `| the same: peak RSS | ${mb(r.cli.rssMB)} | ${mb(r.floor.rssMB)} | ${r.rssRatio.toFixed(2)} | ≤ 0.50 ${ok(r.rssRatio <= 0.5)} |`,
    ...r.big.map(
      (b) =>
        `| ${(b.bytes / 1e9).toFixed(2)} GB HAR, ${b.what} (${b.entries.toLocaleString('en')} entries, verdict ${b.verdict}): time, peak RSS | ${(b.ms / 1000).toFixed(1)} s, ${mb(b.rssMB)} (${((b.rssMB * 1024 * 1024) / b.bytes).toFixed(2)} × the file) | ${b.floor} | | diagnosed, peak RSS ≤ 0.50 × the file ${ok(b.ok)} |`,
    ),
    '',
    `The readers alone, in-process (HAR file → outcomes, no diagnosis), on the ${r.entries.toLocaleString('en')}-entry HAR, median of 3 processes each:`,
    '',
    '| reader | ms | × in-memory | peak RSS | outcomes |',
    '|---|---:|---:|---:|---:|',
    ...r.readers.map(
      (x) =>
        `| ${x.reader} | ${x.ms.toFixed(0)} | ${inMemory ? (x.ms / inMemory.ms).toFixed(2) : ''} | ${mb(x.rssMB)} | ${x.outcomes.toLocaleString('en')} |`,
    ),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchHar().then((r) => {
    console.log(harBenchTable(r));
    if (!r.pass) process.exitCode = 1;
  });
}
