/**
 * HAR diagnosis speed: a generated 100,000-entry HAR (realistic mix of Taobao/Alibaba Cloud/control traffic,
 * Chrome dialect, ~2 % failures, some mtop bodies) is written to a temp file; in one run we measure the bare
 * JSON.parse of the file text (the floor) and the full diagnosis (read + parse + convert + diagnose), several
 * repetitions each, medians. Target: full ≤ 2 × floor. `tsx bench/har-bench.ts` prints a Markdown table.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHar, diagnoseHarText } from '../src/cli/diagnose';

export interface HarBenchResult {
  entries: number;
  bytes: number;
  reps: number;
  parseMs: number;
  fullMs: number;
  ratio: number;
  target: number;
  pass: boolean;
  verdict: string;
}

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

export function generateHar(n: number): string {
  const rand = rng(42);
  const total = HOSTS.reduce((a, h) => a + h[2], 0);
  const t0 = Date.parse('2023-11-12T09:00:00Z');
  const entries: unknown[] = [];
  for (let i = 0; i < n; i++) {
    let r = rand() * total;
    let h: (typeof HOSTS)[number] = HOSTS[0];
    for (const x of HOSTS)
      if ((r -= x[2]) < 0) {
        h = x;
        break;
      }
    const [host, type] = h;
    const t = t0 + Math.floor((i * 3_600_000) / n);
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
    entries.push({
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
    });
  }
  return JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [{ startedDateTime: new Date(t0).toISOString(), id: 'page_1', title: 'bench', pageTimings: {} }],
      entries,
    },
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchHar(opts: { entries?: number; reps?: number } = {}): Promise<HarBenchResult> {
  const n = opts.entries ?? 100_000;
  const reps = opts.reps ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-har-bench-'));
  const file = join(dir, 'bench.har');
  try {
    writeFileSync(file, generateHar(n));
    const bytes = statSync(file).size;
    const text = readFileSync(file, 'utf8');
    const parse: number[] = [];
    const full: number[] = [];
    let verdict = '';
    // warm-up, then interleave so both see the same machine state
    JSON.parse(text);
    diagnoseHarText(decodeHar(readFileSync(file)), false);
    for (let r = 0; r < reps; r++) {
      let s = performance.now();
      JSON.parse(text);
      parse.push(performance.now() - s);
      s = performance.now();
      const res = diagnoseHarText(decodeHar(readFileSync(file)), false);
      full.push(performance.now() - s);
      if ('diagnosis' in res) verdict = `${res.diagnosis.verdict}/${res.diagnosis.cause}`;
    }
    const parseMs = median(parse);
    const fullMs = median(full);
    const ratio = fullMs / parseMs;
    return { entries: n, bytes, reps, parseMs, fullMs, ratio, target: 2, pass: ratio <= 2, verdict };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function harBenchTable(r: HarBenchResult): string {
  return [
    `HAR diagnosis: ${r.entries.toLocaleString('en')} entries, ${(r.bytes / 1e6).toFixed(1)} MB, median of ${r.reps} (verdict ${r.verdict})`,
    '',
    '| step | median ms | × JSON.parse |',
    '|---|---:|---:|',
    `| JSON.parse of the file text (floor) | ${r.parseMs.toFixed(0)} | 1.00 |`,
    `| full diagnosis (read + parse + convert + diagnose) | ${r.fullMs.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
    `| target | | ≤ ${r.target.toFixed(2)} ${r.pass ? '✅' : '❌'} |`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchHar().then((r) => {
    console.log(harBenchTable(r));
    if (!r.pass) process.exitCode = 1;
  });
}
