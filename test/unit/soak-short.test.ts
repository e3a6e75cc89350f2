/**
 * Short soak of the worker's pipeline in Node (the full one, 500,000 requests in real Chromium with the JS heap
 * and the database size sampled, is `npm run bench`, bench/soak.ts): 40,000 raw webRequest events and a flood of
 * content-script reports through the same classes the worker wires — RequestTracker → History (IndexedDB,
 * fake-indexeddb, caps scaled down) + LiveState, ReportCaps in front of the observations. At every checkpoint
 * the bounds hold, and once reached, what is stored and what is held in memory stops growing.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { History } from '../../src/background/history';
import { ReportCaps } from '../../src/background/report-caps';
import { RequestTracker, type RawRequestDetails } from '../../src/core/convert/webrequest';
import { serviceOf } from '../../src/core/catalogue/match';
import { LiveState } from '../../src/core/live/live-state';
import { MAX_WINDOW_OBSERVATIONS, MAX_WINDOW_OUTCOMES } from '../../src/core/engine/live';
import { makeKeyTagger } from '../../src/core/url/key-tag';
import type { Observation } from '../../src/core/types';

const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);
const HOSTS = ['img.alicdn.com', 'g.alicdn.com', 'h5api.m.taobao.com', 'ecs.console.aliyun.com', 'www.baidu.com'];

/** Request i: mostly fine, some 404s, resets, 5xx, signed OSS requests; its start time at `t`. */
function events(i: number, t: number): RawRequestDetails[] {
  const requestId = String(i);
  const signed = i % 20 === 0;
  const url = signed
    ? `https://b.oss-cn-hangzhou.aliyuncs.com/p/${i % 50}.jpg?OSSAccessKeyId=LTAI5tKEY${i % 3}AAAAAAAAAAAAA&Signature=s${i}`
    : `https://${HOSTS[i % HOSTS.length]}/a/${i % 300}.png`;
  const begin: RawRequestDetails = {
    requestId,
    url,
    type: i % 7 === 0 ? 'xmlhttprequest' : 'image',
    tabId: i % 9,
    timeStamp: t,
  };
  if (i % 31 === 0) return [begin, { requestId, url, timeStamp: t + 40, error: 'net::ERR_CONNECTION_RESET' }];
  const status = i % 10 === 0 ? 404 : i % 47 === 0 ? 503 : 200;
  return [
    begin,
    {
      requestId,
      url,
      timeStamp: t + 20,
      statusCode: status,
      responseHeaders: [{ name: 'Date', value: new Date(t).toUTCString() }],
    },
    { requestId, url, timeStamp: t + 25, statusCode: status },
  ];
}

describe('short soak (Node): bounds hold at every checkpoint and stop growing', () => {
  it('40,000 requests + a flood of page reports', async () => {
    const caps = { outcomes: 5_000, observations: 500 };
    let now = T0;
    const history = new History({
      idbFactory: new IDBFactory(),
      keyRange: IDBKeyRange,
      now: () => now,
      schedule: () => () => undefined, // flushed below, as the worker's timer would
      batchSize: Number.MAX_SAFE_INTEGER,
      maxOutcomes: caps.outcomes,
      maxObservations: caps.observations,
      maxAgeMs: 3600_000,
    });
    await history.ready;
    const live = new LiveState();
    const reports = new ReportCaps(() => now);
    const tracker = new RequestTracker(
      serviceOf,
      (o) => {
        history.add(o);
        live.add(o);
      },
      { keyTag: 'later' },
    );
    tracker.setKeyTag(makeKeyTagger(new Uint8Array(32).fill(9)));

    const N = 40_000;
    const samples: { i: number; stored: number; obs: number; window: number }[] = [];
    let refusedBefore = 0;
    for (let i = 0; i < N; i++) {
      // First half: a burst (200 requests a second); second half: two hours of ordinary browsing.
      now = i < N / 2 ? T0 + i * 5 : T0 + (N / 2) * 5 + (i - N / 2) * 360;
      const ev = events(i, now);
      tracker.onBeforeRequest(ev[0]!);
      if (ev.length === 2) tracker.onErrorOccurred(ev[1]!);
      else {
        tracker.onHeadersReceived(ev[1]!);
        tracker.onCompleted(ev[2]!);
      }
      // A page reporting 100 broken pictures with every 50th request (far above any real page).
      if (i % 50 === 0) {
        const ok = reports.take(i % 4, 100);
        for (let k = 0; k < ok; k++) {
          const o: Observation = {
            kind: 'broken-image',
            t: now,
            host: 'img.alicdn.com',
            service: 'cdn',
            path: `/b/${k}.jpg`,
            reason: 'error',
            count: 1,
            pageHost: 'www.taobao.com',
          };
          history.addObservation(o);
          live.addObservation(o);
        }
      }
      if (i % 500 === 499) await history.flush();
      if (i % 10_000 === 9_999) await history.prune(); // the 30-minute alarm, in compressed time
      if (i % 2_500 === 2_499) {
        live.diagnose(now);
        const s = {
          i: i + 1,
          stored: await history.count(),
          obs: await history.countObservations(),
          window: live.windowSize,
        };
        samples.push(s);
        expect(s.stored, `stored outcomes at ${s.i}`).toBeLessThanOrEqual(caps.outcomes);
        expect(s.obs, `stored observations at ${s.i}`).toBeLessThanOrEqual(caps.observations);
        expect(s.window).toBeLessThanOrEqual(MAX_WINDOW_OUTCOMES + MAX_WINDOW_OBSERVATIONS);
        expect(history.pending).toBe(0);
        expect(tracker.inFlight).toBe(0);
        expect(reports.refused).toBeGreaterThanOrEqual(refusedBefore);
        refusedBefore = reports.refused;
      }
    }
    // Stopped growing: from the point the caps were reached, stored counts stay at the caps…
    const late = samples.filter((s) => s.i >= 10_000);
    for (const s of late) expect(s.stored).toBe(caps.outcomes);
    // …and the live window is at its count bound during the burst, then bounded by time: 15 minutes of one
    // request every 360 ms (2,500) plus the page reports of those minutes.
    const burst = samples.filter((s) => s.i >= 12_500 && s.i <= N / 2);
    for (const s of burst) expect(s.window).toBeGreaterThanOrEqual(MAX_WINDOW_OUTCOMES);
    const calm = samples.filter((s) => s.i >= N / 2 + 5_000);
    for (const s of calm) {
      expect(s.window).toBeGreaterThanOrEqual(2_500);
      expect(s.window).toBeLessThanOrEqual(2_502 + MAX_WINDOW_OBSERVATIONS);
    }
    // The page's flood was capped: 200 reports × 100 pictures offered, far fewer stored.
    expect(reports.refused).toBeGreaterThan(10_000);
    // Age pruning ran in the calm half: nothing older than an hour is left.
    expect((await history.recent(0))[0]!.t).toBeGreaterThanOrEqual(now - 3600_000 - 30 * 60_000);
    history.close();
  }, 60_000);
});
