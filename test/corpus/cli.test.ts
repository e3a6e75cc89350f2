/**
 * The `faultline` command for real: the bundle scripts/build.mjs makes (dist/cli/faultline.mjs, rebuilt here so
 * it is never stale), run as a process with plain node, on its own without node_modules, through
 * `npm run diagnose`, and installed with npm into a temporary prefix. Exit codes, one-line errors, languages,
 * several files, Markdown, and terminal-safe output. In-process where only main() is under test.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs build script without types
import { buildCli, CLI_BUNDLE } from '../../scripts/build-cli.mjs';
import type { Diagnosis } from '../../src/core/types';
import { CORPUS, REPO } from './paths';
import { run, spawn } from './run-cli';

const BUNDLE = CLI_BUNDLE as string;
/** Tests that start processes (node, npm): room for a machine shared with other test runs. */
const SPAWNS = 60_000;
const tmp = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
const cli = (args: string[], opts: Parameters<typeof spawn>[2] = {}) =>
  spawn(process.execPath, [BUNDLE, ...args], opts);
const corpus = (name: string) => join(CORPUS, `${name}.har`);
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** One line on stderr starting with "faultline", exit 2, nothing on stdout, no stack trace. */
function expectOneLineError(r: { code: number | null; out: string; err: string }) {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^faultline[:：]/);
  expect(r.err).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  await (buildCli as () => Promise<string>)();
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the bundle', { timeout: SPAWNS }, () => {
  it('is one file that runs with plain node and no node_modules anywhere', () => {
    const alone = join(tmp, 'alone');
    mkdirSync(alone);
    copyFileSync(BUNDLE, join(alone, 'faultline.mjs'));
    copyFileSync(corpus('auth-service-2023-11-12'), join(alone, 'x.har'));
    const r = spawn(process.execPath, ['faultline.mjs', 'diagnose', '--json', 'x.har'], { cwd: alone });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const d = JSON.parse(r.out) as Diagnosis;
    expect([d.verdict, d.cause]).toEqual(['provider', 'auth-service']);
    expect(readFileSync(BUNDLE, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('npm run -s diagnose -- --json FILE: one JSON diagnosis on one line', () => {
    const r = spawn(
      'npm',
      ['run', '-s', 'diagnose', '--', '--json', '--watch-all', corpus('watch-all-site-server-error')],
      {
        cwd: REPO,
      },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect((JSON.parse(r.out) as Diagnosis).verdict).toBe('provider');
  });

  it('reads stdin with FILE -', () => {
    const r = cli(['diagnose', '--json', '-'], { input: readFileSync(corpus('cookies-blocked')) });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Diagnosis).cause).toBe('cookies-blocked');
  });

  it('writes a readable Chinese report (--lang, or the locale)', () => {
    for (const r of [
      cli(['diagnose', '--lang', 'zh-CN', corpus('outage')]),
      cli(['--lang', 'zh-CN', 'diagnose', corpus('outage')]),
      cli(['diagnose', corpus('outage')], { env: { LANG: 'zh_CN.UTF-8' } }),
    ]) {
      expect(r.code).toBe(0);
      expect(r.out).toContain('是服务方的锅');
      expect(r.out).toContain('阿里系服务大范围故障');
    }
  });

  it('--help and --version, in both languages', () => {
    const en = cli(['--help']);
    expect(en.code).toBe(0);
    expect(en.out).toContain('faultline diagnose [options] FILE|FOLDER|-');
    expect(en.out).toContain('--format FORMAT');
    const zh = cli(['help'], { env: { LANG: 'zh_CN.UTF-8' } });
    expect(zh.out).toContain('用法');
    expect(zh.out).toContain('--watch-all');
    expect(cli(['diagnose', '--help', '--lang', 'zh-CN']).out).toBe(zh.out);
    for (const v of [cli(['--version']), cli(['-V']), cli(['version'])]) {
      expect(v.code).toBe(0);
      expect(v.out).toBe(`faultline ${version}\n`);
    }
  });
});

describe('bad input: exit 2 and one line', { timeout: SPAWNS }, () => {
  const bad = {
    missing: join(tmp, 'nope.har'),
    notJson: join(tmp, 'text.har'),
    notHar: join(tmp, 'object.har'),
    entriesNotArray: join(tmp, 'entries.har'),
    truncated: join(tmp, 'truncated.har'),
    binary: join(tmp, 'big.bin'),
  };
  beforeAll(() => {
    writeFileSync(bad.notJson, 'this is not json {');
    writeFileSync(bad.notHar, '{"hello": [1,2,3]}');
    writeFileSync(bad.entriesNotArray, '{"log": {"entries": {}}}');
    const har = readFileSync(corpus('outage'));
    writeFileSync(bad.truncated, har.subarray(0, har.length >> 1));
    // 24 MB that is not a HAR: refused at its first bytes, whatever its size
    writeFileSync(bad.binary, Buffer.alloc(24 * 1024 * 1024, 0x89));
  });
  for (const [what, path] of Object.entries(bad)) {
    it(what, () => expectOneLineError(cli(['diagnose', '--json', path])));
  }
  it('a folder without HARs', () => {
    mkdirSync(join(tmp, 'empty'));
    const r = cli(['diagnose', join(tmp, 'empty')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`faultline: no .har files in ${join(tmp, 'empty')}\n`);
  });
  it('bad usage', () => {
    for (const args of [[], ['--bogus', 'x.har'], ['diagnose'], ['diagnose', '--format', 'pdf', 'x.har'], ['--lang']])
      expectOneLineError(cli(args));
  });
  it('a file that is not a HAR is read no further than its first chunk', async () => {
    let chunks = 0;
    const r = await run(
      ['x.har'],
      {},
      {
        kind: () => Promise.resolve('file'),
        open: async function* () {
          for (let i = 0; i < 1000; i++) {
            chunks++;
            yield new Uint8Array(1024 * 1024).fill(0x89);
          }
        },
      },
    );
    expect(r.code).toBe(2);
    expect(chunks).toBe(1);
  });
  it('an unexpected exception is one line, exit 2', async () => {
    const r = await run(
      ['diagnose', corpus('outage')],
      {},
      {
        stdout: () => {
          throw new Error('stdout closed\nsecond line');
        },
      },
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('internal error');
  });
});

describe('several files or a folder', { timeout: SPAWNS }, () => {
  const folder = join(tmp, 'captures');
  beforeAll(() => {
    mkdirSync(join(folder, 'sub'), { recursive: true });
    copyFileSync(corpus('outage'), join(folder, 'a-outage.har'));
    copyFileSync(corpus('cookies-blocked'), join(folder, 'sub', 'b-cookies.HAR'));
    copyFileSync(corpus('healthy-taobao'), join(folder, 'c-healthy.har'));
    writeFileSync(join(folder, 'notes.txt'), 'not a HAR, not listed');
  });

  it('a folder: one line per HAR (sub-folders too) and a summary', () => {
    const r = cli(['diagnose', folder]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /a-outage\.har {2}provider\/outage {2}22 requests {2}2023-11-12 09:39:00 → 09:4\d:\d\d UTC$/,
    );
    expect(lines[1]).toContain('c-healthy.har  healthy/none');
    expect(lines[2]).toMatch(/sub\/b-cookies\.HAR {2}user\/cookies-blocked/);
    expect(lines[3]).toBe('3 files diagnosed: 1 provider, 1 user, 1 healthy, 0 unclear');
  });

  it('--json: one object per line, the summary last; a bad file is reported and makes it exit 2', () => {
    const notHar = join(tmp, 'not-a-har.har');
    writeFileSync(notHar, '{"log": 1}');
    const r = cli(['diagnose', '--json', corpus('outage'), join(tmp, 'missing.har'), notHar, corpus('cdn')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringContaining('missing.har (ENOENT)'),
      expect.stringContaining('not-a-har.har is not a HAR file'),
    ]);
    const objs = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(5);
    expect(objs[0]).toMatchObject({ file: corpus('outage'), requests: 22, verdict: 'provider', cause: 'outage' });
    expect(objs[0]!.first).toBeTypeOf('number');
    expect(objs[1]).toEqual({ file: join(tmp, 'missing.har'), error: 'read' });
    expect(objs[2]).toEqual({ file: notHar, error: 'not-har' });
    expect(objs[3]).toMatchObject({ verdict: 'provider', cause: 'cdn' });
    expect(objs[4]).toEqual({
      summary: { files: 2, errors: 2, verdicts: { provider: 2, user: 0, healthy: 0, unclear: 0 } },
    });
  });

  it('in Chinese', () => {
    const r = cli(['diagnose', '--lang', 'zh-CN', folder]);
    expect(r.out).toContain('22 个请求');
    expect(r.out.trim().split('\n').pop()).toBe('共诊断 3 个文件：服务方 1，用户侧 1，正常 1，不确定 0');
  });
});

describe('--format md', { timeout: SPAWNS }, () => {
  it('the popup’s ticket-ready Markdown, from a HAR', () => {
    const r = cli(['diagnose', '--format', 'md', corpus('auth-service-2023-11-12')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# Faultline diagnosis report\n/);
    expect(r.out).toContain('(`auth-service`)');
    expect(r.out).toContain(`Faultline ${version} · HAR · WebInspector`);
    expect(r.out).toContain('## Request IDs');
    expect(r.out).toContain('| 655099A2B1C6E33439F5A100 |'); // x-oss-request-id from the HAR
    expect(r.out).toContain('## Recent failed requests');
    expect(r.out).toMatch(/_Redacted by Faultline: .*_\n$/);
    // redacted: no query strings, no key ids, no bodies
    expect(r.out).not.toMatch(/LTAI|OSSAccessKeyId|Signature=|<Error>/);
    const zh = cli(['diagnose', '--format=md', '--lang', 'zh-CN', corpus('auth-service-2023-11-12')]);
    expect(zh.out).toMatch(/^# Faultline 诊断报告\n/);
  });
});

describe('terminal-safe output', { timeout: SPAWNS }, () => {
  const ESC = '\u001b';
  const file = join(tmp, 'escapes.har');
  beforeAll(() => {
    const e = (i: number) => ({
      startedDateTime: new Date(Date.parse('2023-11-12T09:39:00Z') + i * 1000).toISOString(),
      time: 5,
      request: { method: 'GET', url: `https://bucket.oss-cn-hangzhou.aliyuncs.com/${i}.jpg`, headers: [] },
      response: {
        status: 403,
        headers: [
          { name: 'x-oss-request-id', value: `${ESC}]0;pwned\u0007${ESC}[2J\u009b31m\u202eABC${i}` },
          { name: 'x-oss-ec', value: `0002-0000090${ESC}[1m` },
        ],
        content: { mimeType: 'application/xml', text: '<Error><Code>InvalidAccessKeyId</Code></Error>' },
      },
    });
    const har = { log: { creator: { name: `evil${ESC}[31m`, version: '1' }, entries: [0, 1, 2, 3, 4, 5].map(e) } };
    writeFileSync(file, JSON.stringify(har));
  });
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('text and Markdown print no control characters; JSON escapes them', () => {
    const text = cli(['diagnose', file]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('pwned'); // the id is shown, defanged
    expect(text.out).not.toMatch(CONTROL);
    const md = cli(['diagnose', '--format', 'md', file]);
    expect(md.out).toContain('## Request IDs');
    expect(md.out).not.toMatch(CONTROL);
    const json = cli(['diagnose', '--json', file]);
    expect(json.out).not.toMatch(CONTROL);
    expect(json.out).toContain('\\u001b');
    expect(json.out).toContain('\\u009b');
    const d = JSON.parse(json.out) as Diagnosis;
    expect(d.evidence[0]!.ids![0]!.ossRequestId!.startsWith(`${ESC}]0;pwned\u0007`)).toBe(true); // lossless
    const line = cli(['diagnose', file, file]);
    expect(line.out).not.toMatch(CONTROL);
    const err = cli(['diagnose', join(tmp, `missing${ESC}[2J.har`)]);
    expectOneLineError(err);
    expect(err.err).not.toMatch(CONTROL);
  });
});

describe('the extension', { timeout: SPAWNS }, () => {
  const chrome = join(REPO, 'dist', 'chrome');
  it.skipIf(!existsSync(join(chrome, 'manifest.json')))(
    'ships the command line’s texts in its locale files but not in its pages’ JavaScript',
    () => {
      expect(readFileSync(join(chrome, '_locales', 'zh_CN', 'messages.json'), 'utf8')).toContain('"cli_help"');
      const js = readdirSync(join(chrome, 'assets')).filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      for (const f of js)
        expect(readFileSync(join(chrome, 'assets', f), 'utf8'), f).not.toMatch(/\bcli_(help|err_usage)\b/);
    },
  );
});

describe('installed with npm', { timeout: SPAWNS }, () => {
  it('npm install -g --prefix DIR . gives a working faultline command', () => {
    const prefix = join(tmp, 'prefix');
    const install = spawn('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', '.'], {
      cwd: REPO,
    });
    expect(install.code, install.err).toBe(0);
    const bin = resolve(prefix, 'bin', 'faultline');
    expect(spawn(bin, ['--version']).out).toBe(`faultline ${version}\n`);
    const r = spawn(bin, ['diagnose', corpus('outage')], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Alibaba is having an outage');
  });
});
