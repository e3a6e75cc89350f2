/**
 * The edge tags the AccessKeyId a request was signed with through the function the background passes in (keyed
 * with the per-install secret), and holds outcomes, in order, while that secret is still loading.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PARKED, RequestTracker } from '../../src/core/convert/webrequest';
import { serviceOf } from '../../src/core/catalogue/match';
import { makeKeyTagger } from '../../src/core/url/key-tag';
import type { RequestOutcome } from '../../src/core/types';

const KEY = 'LTAI5tAbCdEfGhIjKlMnOpQr';
const signed = `https://b.oss-cn-hangzhou.aliyuncs.com/a.png?OSSAccessKeyId=${KEY}&Expires=1&Signature=abc`;
const plain = 'https://img.alicdn.com/b.png';

function request(tr: RequestTracker, id: number, url: string, status = 200): void {
  tr.onBeforeRequest({ requestId: String(id), url, type: 'image', timeStamp: id, tabId: 1 });
  tr.onCompleted({ requestId: String(id), url, timeStamp: id + 1, statusCode: status });
}

describe('RequestTracker key tags', () => {
  const tag = makeKeyTagger(new Uint8Array(32).fill(1));

  it('tags signed requests with the function given; the id itself never reaches the outcome', () => {
    const out: RequestOutcome[] = [];
    const tr = new RequestTracker(serviceOf, (o) => out.push(o), { keyTag: tag });
    request(tr, 1, signed, 403);
    request(tr, 2, plain);
    expect(out[0]!.keyTag).toBe(tag(KEY));
    expect(out[1]!.keyTag).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain('LTAI5t');
  });

  it("'later': holds every outcome, in order, until the secret arrives, then tags them", () => {
    const out: { o: RequestOutcome; url?: string }[] = [];
    const tr = new RequestTracker(serviceOf, (o, url) => out.push(url ? { o, url } : { o }), { keyTag: 'later' });
    request(tr, 1, plain);
    request(tr, 2, signed, 403);
    request(tr, 3, plain, 404);
    expect(out).toEqual([]);
    tr.setKeyTag(tag);
    expect(out.map((x) => x.o.t)).toEqual([1, 2, 3]);
    expect(out[1]!.o.keyTag).toBe(tag(KEY));
    expect(out[1]!.url, 'a failure keeps its in-memory URL for the retry probe').toBe(signed);
    expect(out[2]!.url).toBe(plain);
    request(tr, 4, signed);
    expect(out[3]!.o.keyTag).toBe(tag(KEY));
  });

  it('lets held outcomes go untagged rather than hold the stream when the secret never comes', () => {
    const out: RequestOutcome[] = [];
    const tr = new RequestTracker(serviceOf, (o) => out.push(o), { keyTag: 'later' });
    for (let i = 0; i < MAX_PARKED; i++) request(tr, 10 + i * 2, i === 0 ? signed : plain);
    expect(out).toHaveLength(0);
    request(tr, 100_000, plain);
    expect(out).toHaveLength(MAX_PARKED + 1);
    expect(out[0]!.keyTag).toBeUndefined();
    expect(out.map((o) => o.t)).toEqual([...out.map((o) => o.t)].sort((a, b) => a - b));
  });

  it('a redirect to another signed URL is tagged with the new key', () => {
    const out: RequestOutcome[] = [];
    const tr = new RequestTracker(serviceOf, (o) => out.push(o), { keyTag: tag });
    const other = signed.replace(KEY, 'LTAI5tZZZZZZZZZZZZZZZZZZ');
    tr.onBeforeRequest({ requestId: '1', url: signed, type: 'image', timeStamp: 1 });
    tr.onBeforeRedirect({ requestId: '1', url: signed, timeStamp: 2, statusCode: 302, redirectUrl: other });
    tr.onCompleted({ requestId: '1', url: other, timeStamp: 3, statusCode: 200 });
    expect(out.map((o) => o.keyTag)).toEqual([tag(KEY), tag('LTAI5tZZZZZZZZZZZZZZZZZZ')]);
  });
});
