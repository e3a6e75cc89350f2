/**
 * The labelled corpus, end to end through the command line's main() in-process (fast): every scenario's
 * expected verdict AND cause, and the real HAR captures. The real process, the installed command, exit codes
 * and one-line errors: test/corpus/cli.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CAUSES, type Diagnosis } from '../../src/core/types';
import { build } from './build';
import { CORPUS, REPO, realHarDir } from './paths';
import { run } from './run-cli';

const expected = JSON.parse(readFileSync(resolve(REPO, 'test/corpus/expected.json'), 'utf8')) as Record<
  string,
  { verdict: string; cause: string; watchAll?: boolean }
>;

describe('labelled corpus', () => {
  it('the committed HARs and expected.json are exactly what build.ts writes (npx tsx test/corpus/build.ts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-corpus-'));
    try {
      const n = build(dir);
      const built = readdirSync(join(dir, 'har')).sort();
      expect(built).toHaveLength(n);
      expect(
        readdirSync(CORPUS)
          .filter((f) => f.endsWith('.har'))
          .sort(),
        'the same files',
      ).toEqual(built);
      for (const f of built)
        expect(readFileSync(join(CORPUS, f), 'utf8') === readFileSync(join(dir, 'har', f), 'utf8'), f).toBe(true);
      expect(readFileSync(resolve(REPO, 'test/corpus/expected.json'), 'utf8')).toBe(
        readFileSync(join(dir, 'expected.json'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has at least 30 scenarios and covers every cause id', () => {
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(30);
    const causes = new Set(Object.values(expected).map((e) => e.cause));
    for (const c of ALL_CAUSES) expect(causes, c).toContain(c);
    // every expected file exists as a committed .har
    const files = new Set(readdirSync(CORPUS));
    for (const name of Object.keys(expected)) expect(files).toContain(`${name}.har`);
  });

  for (const [name, exp] of Object.entries(expected)) {
    it(`${name} → ${exp.verdict}/${exp.cause}`, async () => {
      const args = ['--json', ...(exp.watchAll ? ['--watch-all'] : []), join(CORPUS, `${name}.har`)];
      const r = await run(args);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const d = JSON.parse(r.out) as Diagnosis;
      expect({ verdict: d.verdict, cause: d.cause }).toEqual({ verdict: exp.verdict, cause: exp.cause });
      // the report never carries bodies or keys
      expect(r.out).not.toMatch(/LTAI5t|<Error>|secret/);
    });
  }
});

/**
 * Real captures nobody here wrote (optional, see paths.ts): every one must be read without a crash or a false
 * alarm. Known verdicts by file name; any other capture must come out healthy.
 */
const REAL_EXPECTED: Record<string, { verdict: string; cause: string }> = {
  // every picture from one image host answers 503 while the page works
  'responseCodes-304.har': { verdict: 'provider', cause: 'server-error' },
};

const realDir = realHarDir();
describe.skipIf(realDir === null)('real HAR captures (--watch-all)', () => {
  const dir = realDir ?? '';
  const files = realDir ? readdirSync(dir).filter((f) => f.endsWith('.har')) : [];
  it('are present', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    const want = REAL_EXPECTED[f] ?? { verdict: 'healthy', cause: 'none' };
    it(`${f} → ${want.verdict}/${want.cause}`, async () => {
      const r = await run(['--json', '--watch-all', join(dir, f)]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const d = JSON.parse(r.out) as Diagnosis;
      expect({ verdict: d.verdict, cause: d.cause }).toEqual(want);
    });
  }
});
