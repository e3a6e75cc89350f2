import { describe, expect, it } from 'vitest';
import {
  officialLag,
  officialState,
  openAlarms,
  parseStatusFeed,
  severityOf,
  statusFeedUrl,
  toEpochMs,
} from '../../src/core/probes/status-page';
import type { StatusEvent } from '../../src/core/probes/types';

// 2023-11-12 17:44 Beijing = 09:44 UTC.
const START_S = Date.UTC(2023, 10, 12, 9, 44) / 1000;
const START_MS = START_S * 1000;
const END_MS = Date.UTC(2023, 10, 12, 13, 11);

describe('parseStatusFeed', () => {
  it('shape 1: the test-mock shape (productId, currentStateSeverity, epoch seconds)', () => {
    const feed = {
      success: true,
      code: 200,
      httpCode: 200,
      info: '成功处理',
      total: 1,
      requestId: 'X',
      data: [
        {
          productId: 'ecs',
          title: '云服务器 ECS 异常',
          currentStateSeverity: 'ALARM',
          startTime: START_S,
          endTime: null,
        },
      ],
    };
    expect(parseStatusFeed(feed)).toEqual({
      ok: true,
      events: [
        {
          id: `云服务器 ECS 异常@${START_MS}`,
          title: '云服务器 ECS 异常',
          severity: 'alarm',
          start: START_MS,
          end: null,
        },
      ],
    });
  });
  it('shape 2: id + eventType, epochs in ms as strings', () => {
    const feed = {
      success: true,
      code: 200,
      data: [
        {
          id: 42,
          title: 'OSS',
          eventType: 'NOTIFICATION',
          startTime: String(START_MS),
          endTime: String(END_MS),
          lastUpdateTime: 1,
        },
      ],
    };
    expect(parseStatusFeed(feed)).toEqual({
      ok: true,
      events: [{ id: '42', title: 'OSS', severity: 'notice', start: START_MS, end: END_MS }],
    });
  });
  it('shape 3: nested data.data.list, date strings without zone are Beijing time', () => {
    const feed = {
      success: 'true',
      data: {
        data: {
          list: [
            {
              eventId: 'e1',
              eventTitle: 'x',
              level: '正常',
              beginTime: '2023-11-12 17:44:00',
              gmtEnd: '2023-11-12T21:11:00+08:00',
            },
          ],
        },
      },
    };
    expect(parseStatusFeed(feed)).toEqual({
      ok: true,
      events: [{ id: 'e1', title: 'x', severity: 'normal', start: START_MS, end: END_MS }],
    });
  });
  it('shape 4: a bare array, and a JSON string of it', () => {
    const arr = [{ title: 'a', severity: 'warning', start: START_MS }];
    const expected = {
      ok: true,
      events: [{ id: `a@${START_MS}`, title: 'a', severity: 'notice', start: START_MS, end: null }],
    };
    expect(parseStatusFeed(arr)).toEqual(expected);
    expect(parseStatusFeed(JSON.stringify(arr))).toEqual(expected);
  });
  it('shape 5: success:false, or an error code, is not ok', () => {
    expect(parseStatusFeed({ success: false, code: 500, data: [{ title: 'a' }] })).toEqual({ ok: false, events: [] });
    expect(parseStatusFeed({ code: 403, message: 'denied', data: [] })).toEqual({ ok: false, events: [] });
    expect(parseStatusFeed({ success: 'false' })).toEqual({ ok: false, events: [] });
  });
  it('shape 6: success with no data is ok and empty; an empty list too', () => {
    expect(parseStatusFeed({ success: true, code: 200, data: null })).toEqual({ ok: true, events: [] });
    expect(parseStatusFeed({ success: true, data: {} })).toEqual({ ok: true, events: [] });
    expect(parseStatusFeed({ success: true, data: [] })).toEqual({ ok: true, events: [] });
  });
  it('shape 7: missing and odd fields degrade per field, non-objects in the list are skipped', () => {
    const feed = {
      data: [
        null,
        3,
        'x',
        { productId: 'rds' },
        { title: { zh: 'obj' }, status: 9, startTime: -5, endTime: 'soon' },
        { title: 'y', startTime: 99_999_999_999_999 },
      ],
    };
    expect(parseStatusFeed(feed)).toEqual({
      ok: true,
      events: [
        { id: 'rds@3', title: 'rds', severity: 'unknown', start: null, end: null },
        { id: 'event@4', title: '', severity: 'unknown', start: null, end: null },
        { id: 'y@5', title: 'y', severity: 'unknown', start: null, end: null },
      ],
    });
  });
  it('garbage never throws and is never ok', () => {
    const circular: Record<string, unknown> = {};
    circular.data = circular;
    for (const g of [
      null,
      undefined,
      0,
      42,
      true,
      '',
      'not json',
      '<html><body>502</body></html>',
      '{"data":',
      [],
      [1, 2, 3],
      {},
      { foo: 1 },
      { data: 'x' },
      { data: [1, 2] },
      circular,
      () => 1,
      Symbol('s'),
    ]) {
      const r = parseStatusFeed(g);
      if (Array.isArray(g) && g.length === 0) expect(r).toEqual({ ok: true, events: [] });
      else expect(r).toEqual({ ok: false, events: [] });
    }
  });
  it('caps the number of events at 200', () => {
    const data = Array.from({ length: 500 }, (_, i) => ({
      id: i,
      title: 't',
      eventType: 'ALARM',
      startTime: START_S + i,
    }));
    expect(parseStatusFeed({ success: true, data }).events.length).toBe(200);
  });
});

describe('helpers', () => {
  it('severityOf', () => {
    expect(
      ['ALARM', 'NOTIFICATION', 'NORMAL', 'alarm', '异常', '维护', 'ok', 'purple', 7, null].map(severityOf),
    ).toEqual(['alarm', 'notice', 'normal', 'alarm', 'alarm', 'notice', 'normal', 'unknown', 'unknown', 'unknown']);
  });
  it('toEpochMs: seconds vs ms, strings, junk', () => {
    expect(toEpochMs(START_S)).toBe(START_MS);
    expect(toEpochMs(START_MS)).toBe(START_MS);
    expect(toEpochMs(` ${START_S} `)).toBe(START_MS);
    expect(toEpochMs('2023-11-12 17:44')).toBe(START_MS);
    expect(toEpochMs('2023-11-12T09:44:00Z')).toBe(START_MS);
    expect([0, -1, NaN, Infinity, '', 'abc', null, {}, 1e20, '1899-01-01T00:00:00Z'].map(toEpochMs)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
  it('statusFeedUrl (undocumented endpoint)', () => {
    expect(statusFeedUrl('cn-beijing')).toBe(
      'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-beijing',
    );
    expect(statusFeedUrl()).toBe(
      'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-hangzhou',
    );
    expect(statusFeedUrl('cn-x&evil=1')).toBe(
      'https://status.aliyun.com/api/status/listProductEventForRegionInLast24Hours?regionId=cn-hangzhou',
    );
  });
});

describe('officialLag and officialState', () => {
  const ev = (
    start: number | null,
    severity: StatusEvent['severity'] = 'alarm',
    end: number | null = null,
  ): StatusEvent => ({ id: String(start), title: 't', severity, start, end });
  const detected = Date.UTC(2023, 10, 12, 9, 39); // 17:39 Beijing
  it('2023-11-12: detected 17:39, official start 17:44 → 5 minutes', () => {
    expect(officialLag(detected, [ev(START_MS)])).toBe(5 * 60_000);
  });
  it('earliest event in the window; an official start before detection gives a negative lag', () => {
    expect(officialLag(detected, [ev(START_MS), ev(detected - 10 * 60_000), ev(detected - 31 * 60_000)])).toBe(
      -10 * 60_000,
    );
  });
  it('null without a matching event', () => {
    expect(officialLag(detected, [])).toBeNull();
    expect(officialLag(detected, [ev(null), ev(detected - 2 * 3600_000)])).toBeNull();
  });
  it('officialState: the worst open event', () => {
    const now = START_MS + 60_000;
    expect(officialState([], now)).toBe('normal');
    expect(officialState([ev(START_MS, 'notice'), ev(START_MS, 'alarm', START_MS + 1000)], now)).toBe('notice');
    expect(officialState([ev(START_MS, 'notice'), ev(START_MS, 'alarm')], now)).toBe('alarm');
    expect(officialState([ev(now + 1, 'alarm')], now)).toBe('normal');
  });
  it('openAlarms: alarms started and not ended (what the engine reads as official evidence)', () => {
    const now = START_MS + 60_000;
    expect(openAlarms([], now)).toBe(0);
    expect(
      openAlarms([ev(START_MS), ev(null), ev(START_MS, 'notice'), ev(START_MS, 'alarm', START_MS + 1000)], now),
    ).toBe(2);
    expect(openAlarms([ev(now + 1), ev(START_MS, 'alarm', now)], now)).toBe(0);
  });
});
