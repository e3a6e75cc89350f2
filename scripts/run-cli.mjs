#!/usr/bin/env node
// `npm run diagnose` (and `npm run -s faultline -- …`): the built command line, dist/cli/faultline.mjs, rebuilt
// first when it is missing or older than its sources (src/, public/_locales, package.json), so a fresh clone
// after `npm ci` needs no separate build. stdout stays the command's own (a JSON diagnosis stays parseable).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE, buildCli } from './build-cli.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = 0;
  for (const name of readdirSync(p)) n = Math.max(n, newest(join(p, name)));
  return n;
}

const sources = ['src', join('public', '_locales'), 'package.json'].map((p) => join(root, p));
if (!existsSync(CLI_BUNDLE) || statSync(CLI_BUNDLE).mtimeMs < Math.max(...sources.map(newest))) {
  try {
    await buildCli();
  } catch (e) {
    process.stderr.write(`faultline: could not build the command line (${String(e?.message ?? e).split('\n')[0]})\n`);
    process.exit(2);
  }
}
const r = spawnSync(process.execPath, [CLI_BUNDLE, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
