/**
 * Production build for one target: FAULTLINE_TARGET=chrome|firefox → dist/<target>.
 * scripts/build.mjs runs it for both and zips the results. Never ship or test a dev-server build.
 */
import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest, { targetFromEnv } from './manifest.config';

const target = targetFromEnv();
/**
 * FAULTLINE_TEST=1 (test/browser/firefox.test.ts only): a separate build in dist/<target>-test whose worker
 * opens one extension page at start, so a BiDi-driven Firefox can read the history from it (moz-extension
 * pages cannot be opened over BiDi). Never zipped; production builds compile the branch away.
 */
const testBuild = process.env.FAULTLINE_TEST === '1';

export default defineConfig({
  // The content script is one self-contained IIFE (no loader importing chunks): nothing needs to be a
  // web-accessible resource, so no watched site can probe for the extension's files.
  plugins: [
    preact(),
    crx({ manifest, browser: target, contentScripts: { standaloneFiles: ['src/content/broken-images.ts'] } }),
  ],
  define: {
    __FAULTLINE_TARGET__: JSON.stringify(target),
    __FAULTLINE_TEST__: JSON.stringify(testBuild),
  },
  build: {
    outDir: testBuild ? `dist/${target}-test` : `dist/${target}`,
    emptyOutDir: true,
    target: target === 'firefox' ? 'firefox128' : 'chrome120',
    sourcemap: false,
    minify: true,
    modulePreload: false,
  },
  server: { port: 5173, strictPort: true },
});
