#!/usr/bin/env node
// `npm test`: everything CI checks, as fast as two cores allow.
//   1. typecheck, lint (ESLint + Prettier) and the builds, side by side; any failure stops the run;
//   2. the tests in two vitest processes side by side, at most one browser in each:
//        lane 1: unit + chromium    lane 2: firefox + collector + chromium-2    (projects: vitest.config.ts)
//      Lane 1 prints as it goes; lane 2's output follows when it ends. Exit 1 if either lane failed.
// One test file: `npx vitest run test/unit/engine.test.ts` (after `npm run build` for a browser test).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(name, cmd, args, { live = false } = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let out = '';
    if (!live) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('close', (code) => resolve({ name, code: code ?? 1, out, s: ((Date.now() - t0) / 1000).toFixed(1) }));
  });
}

function report(r) {
  if (r.out.trim()) process.stdout.write(`\n── ${r.name} ──\n${r.out}`);
  console.log(`── ${r.name}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`} in ${r.s} s`);
}

// Typecheck, lint and the builds side by side; the builds include the test builds (dist/<target>-test), made here
// once: two lanes building them at the same time would collide.
const builds = async () => {
  const b = await run('build', npm, ['run', '-s', 'build']);
  if (b.code !== 0) return [b];
  const script = "import('./test/browser/harness.ts').then((h) => { h.testBuild('chrome'); h.testBuild('firefox'); })";
  return [b, await run('test builds', npx, ['tsx', '-e', script])];
};
const checks = (
  await Promise.all([
    run('typecheck', npm, ['run', '-s', 'typecheck']).then((r) => [r]),
    run('lint', npm, ['run', '-s', 'lint']).then((r) => [r]),
    builds(),
  ])
).flat();
for (const r of checks) report(r);
if (checks.some((r) => r.code !== 0)) process.exit(1);

const lanes = await Promise.all([
  run('unit + chromium', npx, ['vitest', 'run', '--project', 'unit', '--project', 'chromium'], { live: true }),
  run('firefox + collector + chromium-2', npx, [
    'vitest',
    'run',
    '--project',
    'firefox',
    '--project',
    'collector',
    '--project',
    'chromium-2',
  ]),
]);
for (const r of lanes) report(r);
process.exit(lanes.some((r) => r.code !== 0) ? 1 : 0);
