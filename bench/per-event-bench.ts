/**
 * Per-event cost of the background's hot path: raw webRequest event → RequestTracker (convert + classify) →
 * History.add (in-memory enqueue). IndexedDB must not be touched per event: transactions are counted on a
 * fake-indexeddb instance during the events (expected 0) and during the one flush after them (expected 1).
 *
 *   tsx bench/per-event-bench.ts        prints a Markdown table
 */
import 'fake-indexeddb/auto'; // idb's wrap() checks instanceof against the global IDB classes
import { IDBDatabase, IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { RequestTracker, type RawRequestDetails } from '../src/core/convert/webrequest';
import { serviceOf } from '../src/core/catalogue/match';
import { History } from '../src/background/history';
import { makeKeyTagger } from '../src/core/url/key-tag';
import { randomBytes } from 'node:crypto';

export interface PerEventResult {
  requests: number;
  events: number;
  repetitions: number;
  medianNsPerEvent: number;
  minNsPerEvent: number;
  maxNsPerEvent: number;
  medianNsPerRequest: number;
  transactionsDuringEvents: number;
  transactionsPerFlush: number;
  storedAfterFlush: number;
  targetNsPerEvent: number;
  pass: boolean;
}

const URLS = [
  'https://img.alicdn.com/imgextra/i4/2206686532409/O1CN01abcdEFGH_!!2206686532409.jpg_q90.jpg',
  'https://g.alicdn.com/mtb/lib-mtop/2.6.1/mtop.js',
  'https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/?jsv=2.6.1&appKey=12574478&t=1732700000000&sign=abc&data=%7B%7D',
  'https://bucket.oss-cn-hangzhou.aliyuncs.com/user/photos/2026/a.png?OSSAccessKeyId=LTAI5tABCDEFGHIJKLMN&Expires=1&Signature=x',
  'https://www.taobao.com/',
  'https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fwww.taobao.com',
  'https://ecs.console.aliyun.com/server/region/cn-hangzhou',
  'https://example.com/not-watched.png',
];
const TYPES = ['image', 'script', 'xmlhttprequest', 'image', 'main_frame', 'main_frame', 'xmlhttprequest', 'image'];
const HEADERS = [
  { name: 'Content-Type', value: 'image/jpeg' },
  { name: 'Date', value: 'Fri, 27 Nov 2026 12:00:00 GMT' },
  { name: 'EagleId', value: '7ae4b4a217327000000001234e' },
  { name: 'Server', value: 'Tengine' },
  { name: 'Cache-Control', value: 'max-age=31536000' },
  { name: 'x-oss-request-id', value: '6745A1B2C3D4E5F60718293A' },
];

/** Pre-built raw events (so building them is not measured): per request before + headers + completed/error. */
function makeEvents(n: number): RawRequestDetails[][] {
  const out: RawRequestDetails[][] = [];
  for (let i = 0; i < n; i++) {
    const k = i % URLS.length;
    const url = URLS[k]!;
    const requestId = String(100_000 + i);
    const t = 1_732_700_000_000 + i;
    const before: RawRequestDetails = {
      requestId,
      url,
      method: 'GET',
      type: TYPES[k]!,
      tabId: 7,
      timeStamp: t,
      initiator: 'https://www.taobao.com',
    };
    const failing = i % 10 === 0;
    const status = i % 17 === 0 ? 404 : 200;
    if (failing) {
      out.push([before, { requestId, url, timeStamp: t + 30, error: 'net::ERR_CONNECTION_RESET' }]);
    } else {
      out.push([
        before,
        { requestId, url, timeStamp: t + 20, statusCode: status, responseHeaders: HEADERS },
        { requestId, url, timeStamp: t + 25, statusCode: status, responseHeaders: HEADERS },
      ]);
    }
  }
  return out;
}

function countTransactions() {
  const proto = IDBDatabase.prototype as unknown as { transaction: (...a: unknown[]) => unknown };
  const orig = proto.transaction;
  const c = { n: 0, restore: () => void (proto.transaction = orig) };
  proto.transaction = function (this: unknown, ...a: unknown[]) {
    c.n++;
    return orig.apply(this, a);
  };
  return c;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export async function benchPerEvent(opts: { requests?: number; repetitions?: number } = {}): Promise<PerEventResult> {
  const requests = opts.requests ?? 20_000;
  const repetitions = opts.repetitions ?? 9;
  const batches = makeEvents(requests);
  const events = batches.reduce((a, b) => a + b.length, 0);
  const nsPerEvent: number[] = [];
  let transactionsDuringEvents = 0;
  let transactionsPerFlush = 0;
  let storedAfterFlush = 0;

  for (let rep = 0; rep < repetitions + 1; rep++) {
    // The real History, with the debounce timer captured (never fired during the run) and no size trigger,
    // so the measured path is exactly what a listener does per event.
    const history = new History({
      idbFactory: new IDBFactory(),
      keyRange: IDBKeyRange,
      schedule: () => () => undefined,
      batchSize: Number.MAX_SAFE_INTEGER,
      // Everything of the run stays buffered for the one flush after it (the worker flushes every 200).
      maxBufferedOutcomes: Number.MAX_SAFE_INTEGER,
    });
    await history.ready;
    // Signed requests are tagged as in the worker: HMAC-SHA-256 under a per-install secret.
    const tracker = new RequestTracker(serviceOf, (o) => history.add(o), { keyTag: makeKeyTagger(randomBytes(32)) });
    const counter = countTransactions();
    const t0 = process.hrtime.bigint();
    for (const b of batches) {
      tracker.onBeforeRequest(b[0]!);
      if (b.length === 3) {
        tracker.onHeadersReceived(b[1]!);
        tracker.onCompleted(b[2]!);
      } else {
        tracker.onErrorOccurred(b[1]!);
      }
    }
    const t1 = process.hrtime.bigint();
    const during = counter.n;
    await history.flush();
    const flushTx = counter.n - during;
    counter.restore();
    if (rep > 0) {
      // rep 0 is warm-up (JIT)
      nsPerEvent.push(Number(t1 - t0) / events);
      transactionsDuringEvents = Math.max(transactionsDuringEvents, during);
      transactionsPerFlush = Math.max(transactionsPerFlush, flushTx);
      storedAfterFlush = await history.count();
    }
    history.close();
  }
  const med = median(nsPerEvent);
  const target = 2000;
  return {
    requests,
    events,
    repetitions,
    medianNsPerEvent: Math.round(med),
    minNsPerEvent: Math.round(Math.min(...nsPerEvent)),
    maxNsPerEvent: Math.round(Math.max(...nsPerEvent)),
    medianNsPerRequest: Math.round((med * events) / requests),
    transactionsDuringEvents,
    transactionsPerFlush,
    storedAfterFlush,
    targetNsPerEvent: target,
    pass: med <= target && transactionsDuringEvents === 0 && transactionsPerFlush === 1,
  };
}

export function toMarkdown(r: PerEventResult): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| requests × repetitions | ${r.requests} × ${r.repetitions} (+1 warm-up) |`,
    `| raw webRequest events per repetition | ${r.events} |`,
    `| **median ns / event** (convert + classify + enqueue) | **${r.medianNsPerEvent}** (min ${r.minNsPerEvent}, max ${r.maxNsPerEvent}) |`,
    `| median ns / request | ${r.medianNsPerRequest} |`,
    `| IndexedDB transactions during the events | ${r.transactionsDuringEvents} (0 per event) |`,
    `| IndexedDB transactions for the flush after them | ${r.transactionsPerFlush} |`,
    `| outcomes stored after the flush | ${r.storedAfterFlush} |`,
    `| target ≤ ${r.targetNsPerEvent} ns / event, 0 transactions per event | ${r.pass ? 'PASS' : 'FAIL'} |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('per-event-bench.ts')) {
  const r = await benchPerEvent();
  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(toMarkdown(r));
  if (!r.pass) process.exitCode = 1;
}
