import { describe, expect, it } from 'vitest';
import { historyHealthLines } from '../../src/popup/HistoryHealth';
import { makeResolver } from '../../src/ui/texts';

const en = makeResolver('en');
const zh = makeResolver('zh_CN');

describe('popup footer: history health', () => {
  it('says nothing while the history is fine (or the background is older and does not say)', () => {
    expect(historyHealthLines(undefined, en)).toEqual([]);
    expect(historyHealthLines({ storage: 'indexeddb', dropped: 0 }, en)).toEqual([]);
  });

  it('memory only, failing writes and dropped events, in both languages', () => {
    const mem = historyHealthLines({ storage: 'memory', dropped: 0 }, en);
    expect(mem).toHaveLength(1);
    expect(mem[0]).toMatch(/memory only/);
    expect(historyHealthLines({ storage: 'memory', dropped: 0 }, zh)[0]).toMatch(/内存/);
    expect(historyHealthLines({ storage: 'indexeddb', dropped: 0, failing: 'QuotaExceededError' }, en)).toEqual([
      'Saving the history failed (QuotaExceededError); retrying.',
    ]);
    const both = historyHealthLines({ storage: 'indexeddb', dropped: 4200, failing: 'UnknownError' }, zh);
    expect(both).toHaveLength(2);
    expect(both[1]).toContain('4200');
  });
});
