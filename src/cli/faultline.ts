/**
 * The `faultline` command (package.json `bin`; bundled by scripts/build.mjs into dist/cli/faultline.mjs, one
 * file that needs nothing but node). Everything it does is in main.ts; this only connects it to the process.
 */
import { nodeIo } from './io';
import { main } from './main';

main(process.argv.slice(2), nodeIo()).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('faultline: internal error\n');
    process.exitCode = 2;
  },
);
