import { defineConfig } from 'vitest/config';

// Projects: pure unit tests (parallel), the collector (both stores), and the real-browser tests — Chromium's
// files one after another (in two halves), Firefox ESR's files on their own. `npm test` (scripts/test.mjs) runs two
// lanes side by side, at most one browser in each: unit + chromium, and firefox + collector + chromium-2. Vitest
// runs every one-worker project in a single queue, hence two processes rather than one.
/** Chromium files run in the second lane (beside the first lane's Chromium files), to even out the lanes. */
const CHROMIUM_2 = [
  'test/browser/images-loops.test.ts',
  'test/browser/chromium.test.ts',
  'test/browser/real-traffic.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx', 'test/corpus/**/*.test.ts'],
          environment: 'node',
          // Worker threads start faster than forked processes: 19.5 s instead of 24.4 s for this project alone.
          pool: 'threads',
        },
        esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
      },
      {
        test: {
          name: 'collector',
          include: ['test/collector/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'chromium',
          include: ['test/browser/**/*.test.ts'],
          exclude: ['test/browser/firefox*.test.ts', ...CHROMIUM_2],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'chromium-2',
          include: CHROMIUM_2,
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'firefox',
          include: ['test/browser/firefox.test.ts', 'test/browser/firefox-real-traffic.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
