/**
 * The labelled corpus, end to end through the real CLI: every scenario's expected verdict AND cause, the real
 * HAR captures, exit codes and one-line errors. Most cases call main() in-process (fast); a sample spawns the
 * real process.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/diagnose';
import { ALL_CAUSES, type Diagnosis } from '../../src/core/types';
import { build } from './build';
import { CORPUS, REPO, realHarDir } from './paths';

const expected = JSON.parse(readFileSync(resolve(REPO, 'test/corpus/expected.json'), 'utf8')) as Record<
  string,
  { verdict: string; cause: string; watchAll?: boolean }
>;

function run(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: Io = {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env,
    readFile: (p) => readFileSync(p, 'utf8'),
    readStdin: () => '',
  };
  const code = main(args, io);
  return { code, out, err };
}

function spawnCli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(REPO, 'src/cli/diagnose.ts'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    input,
    env: { ...process.env, LANG: 'C' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

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
    it(`${name} → ${exp.verdict}/${exp.cause}`, () => {
      const args = ['--json', ...(exp.watchAll ? ['--watch-all'] : []), join(CORPUS, `${name}.har`)];
      const r = run(args);
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
    it(`${f} → ${want.verdict}/${want.cause}`, () => {
      const r = run(['--json', '--watch-all', join(dir, f)]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const d = JSON.parse(r.out) as Diagnosis;
      expect({ verdict: d.verdict, cause: d.cause }).toEqual(want);
    });
  }
});

describe('the real process', () => {
  it('prints exactly one JSON object and exits 0', () => {
    const r = spawnCli(['--json', join(CORPUS, 'auth-service-2023-11-12.har')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const d = JSON.parse(r.out) as Diagnosis;
    expect([d.verdict, d.cause]).toEqual(['provider', 'auth-service']);
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('reads stdin with FILE -', () => {
    const r = spawnCli(['--json', '-'], readFileSync(join(CORPUS, 'cookies-blocked.har'), 'utf8'));
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Diagnosis).cause).toBe('cookies-blocked');
  });

  it('reads UTF-8 bodies with Chinese text through the fast Latin-1 path (mtop risk control)', () => {
    const r = spawnCli(['--json', join(CORPUS, 'risk-control.har')]);
    expect(r.code).toBe(0);
    expect([(JSON.parse(r.out) as Diagnosis).verdict, (JSON.parse(r.out) as Diagnosis).cause]).toEqual([
      'user',
      'risk-control',
    ]);
  });

  it('writes a readable Chinese report', () => {
    const r = spawnCli(['--lang', 'zh-CN', join(CORPUS, 'outage.har')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('是服务方的锅');
    expect(r.out).toContain('阿里系服务大范围故障');
  });

  it('exits 0 on a committed watch-all capture with a failing site', () => {
    const r = spawnCli(['--json', '--watch-all', join(CORPUS, 'watch-all-site-server-error.har')]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Diagnosis).verdict).toBe('provider');
  });

  const tmp = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
  const bad = {
    missing: join(tmp, 'nope.har'),
    notJson: join(tmp, 'text.har'),
    notHar: join(tmp, 'object.har'),
    entriesNotArray: join(tmp, 'entries.har'),
    directory: tmp,
  };
  writeFileSync(bad.notJson, 'this is not json {');
  writeFileSync(bad.notHar, '{"hello": [1,2,3]}');
  writeFileSync(bad.entriesNotArray, '{"log": {"entries": {}}}');
  for (const [what, path] of Object.entries(bad)) {
    it(`exits 2 with one stderr line: ${what}`, () => {
      const r = spawnCli(['--json', path]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(lines[0]).toMatch(/^faultline: /);
    });
  }
  it('exits 2 on bad usage', () => {
    const r = spawnCli(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
  it('catch-all: an unexpected exception is one line, exit 2', () => {
    let err = '';
    const io: Io = {
      stdout: () => {},
      stderr: (s) => (err += s),
      env: {},
      readFile: () => {
        throw new TypeError('boom');
      },
      readStdin: () => '',
    };
    // readFile errors are reported as unreadable; a throwing stdout is the catch-all.
    expect(main(['x.har'], io)).toBe(2);
    const io2: Io = {
      ...io,
      readFile: () => readFileSync(join(CORPUS, 'outage.har'), 'utf8'),
      stdout: () => {
        throw new Error('stdout closed\nsecond line');
      },
    };
    err = '';
    expect(main(['x.har'], io2)).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('internal error');
  });
});
