#!/usr/bin/env node
// Production build for both browsers from one source, then one store zip per browser:
//   dist/chrome, dist/firefox, dist/faultline-chrome-<version>.zip, dist/faultline-firefox-<version>.zip
// Each target runs in its own `vite build` process (FAULTLINE_TARGET is read when vite.config.ts loads).
// Never a dev-server build. Then the command line, one file: dist/cli/faultline.mjs (scripts/build-cli.mjs).
// Usage: node scripts/build.mjs [chrome|firefox|cli ...]
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { buildCli } from './build-cli.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['chrome', 'firefox', 'cli'];
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

for (const target of targets) {
  if (target === 'cli') {
    const t0 = Date.now();
    const out = await buildCli();
    console.log(`cli: ${relative(root, out)} (${(statSync(out).size / 1024).toFixed(0)} KB) in ${Date.now() - t0} ms`);
    continue;
  }
  if (target !== 'chrome' && target !== 'firefox') throw new Error(`unknown target ${target}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [vite, 'build', '--mode', 'production', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      FAULTLINE_TARGET: target,
      NODE_ENV: 'production',
      VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
    },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const out = join(root, 'dist', target);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  // Guard against shipping a dev build (it loads code from localhost).
  for (const f of files(out)) {
    if (/\.(js|html|json)$/.test(f) && /localhost:\d+|\/@vite\/client/.test(readFileSync(f, 'utf8'))) {
      throw new Error(`${relative(root, f)} references a dev server: refusing to package`);
    }
  }
  const entries = {};
  for (const f of files(out)) {
    // Fixed mtime → reproducible zips.
    entries[relative(out, f).split(sep).join('/')] = [readFileSync(f), { mtime: new Date('2020-01-01T00:00:00Z') }];
  }
  const zipPath = join(root, 'dist', `faultline-${target}-${version}.zip`);
  writeFileSync(zipPath, zipSync(entries, { level: 9 }));
  console.log(
    `${target}: dist/${target} (manifest ${manifest.version}) → ${relative(root, zipPath)} in ${Date.now() - t0} ms`,
  );
}
if (!existsSync(join(root, 'dist'))) process.exit(1);
