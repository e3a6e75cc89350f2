// The `faultline` command as one file: src/cli/faultline.ts and everything it imports (the pure core, the
// locale texts, the version from package.json) bundled by esbuild into dist/cli/faultline.mjs, which runs with
// plain `node` and no node_modules. Used by scripts/build.mjs and by the tests that run the real command.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI_BUNDLE = join(root, 'dist', 'cli', 'faultline.mjs');

export async function buildCli(outfile = CLI_BUNDLE) {
  await build({
    entryPoints: [join(root, 'src', 'cli', 'faultline.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  return outfile;
}
