/**
 * Production build for one target: FAULTLINE_TARGET=chrome|firefox → dist/<target>.
 * scripts/build.mjs runs it for both and zips the results. Never ship or test a dev-server build.
 */
import { defineConfig, type Plugin } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest, { targetFromEnv } from './manifest.config';

const target = targetFromEnv();
/**
 * FAULTLINE_TEST=1 (the browser tests, test/browser/harness.ts `testBuild`): a separate build in
 * dist/<target>-test of the same code with test-build constants (TEST_BUILD, src/platform/browser.ts) where the
 * product waits for real time or for the real world — the engine's recovery quiet period 5 s instead of 60 s
 * (src/core/engine/thresholds.ts), the crowd client's timing, catalogue hosts also watched on high ports (local
 * fake servers), a managed policy read from storage.local. Never zipped; production builds compile them away.
 */
const testBuild = process.env.FAULTLINE_TEST === '1';

/**
 * Preact sets `innerHTML` for the `dangerouslySetInnerHTML` prop, which `web-ext lint` reports as an unsafe
 * assignment (AMO review flags it). Faultline never renders raw HTML: the assignment is replaced by a throw, so
 * the shipped bundles assign innerHTML nowhere and the feature cannot be used by accident. Fails the build when
 * preact's code no longer matches (after an upgrade: check and adjust).
 */
function noRawHtml(): Plugin {
  const ASSIGN = /([A-Za-z_$][\w$]*)\.innerHTML=([A-Za-z_$][\w$]*)\.__html/g;
  return {
    name: 'faultline-no-raw-html',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]preact[\\/]dist[\\/]preact\.mjs$/.test(id)) return null;
      const n = code.match(ASSIGN)?.length ?? 0;
      if (n !== 1) throw new Error(`noRawHtml: expected one innerHTML assignment in ${id}, found ${n}`);
      return code.replace(ASSIGN, '(()=>{throw Error("Faultline renders no raw HTML (dangerouslySetInnerHTML)")})()');
    },
  };
}

/**
 * The command line's texts (`cli_*`) share the locale files with the extension, which never shows them: they are
 * left out of the JSON the extension's pages bundle (the popup's size budget), and so are the descriptions. public/_locales itself, which
 * the browser reads, is copied whole; the command line (scripts/build-cli.mjs) bundles every key.
 */
function withoutCliTexts(): Plugin {
  return {
    name: 'faultline-without-cli-texts',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]_locales[\\/][^\\/]+[\\/]messages\.json$/.test(id)) return null;
      const table = JSON.parse(code) as Record<string, { message: string }>;
      // Only the message: the translators' descriptions (half the file) are not read at run time.
      const out: Record<string, { message: string }> = {};
      for (const [key, v] of Object.entries(table)) if (!key.startsWith('cli_')) out[key] = { message: v.message };
      return { code: JSON.stringify(out), map: null };
    },
  };
}

export default defineConfig({
  // The content script is one self-contained IIFE (no loader importing chunks): nothing needs to be a
  // web-accessible resource, so no watched site can probe for the extension's files.
  plugins: [
    withoutCliTexts(),
    noRawHtml(),
    preact(),
    crx({ manifest, browser: target, contentScripts: { standaloneFiles: ['src/content/broken-images.ts'] } }),
  ],
  define: {
    __FAULTLINE_TARGET__: JSON.stringify(target),
    __FAULTLINE_TEST__: JSON.stringify(testBuild),
  },
  build: {
    // Pages the manifest does not name: the welcome page (opened by the worker on install).
    rollupOptions: { input: { welcome: 'src/welcome/index.html' } },
    outDir: testBuild ? `dist/${target}-test` : `dist/${target}`,
    emptyOutDir: true,
    target: target === 'firefox' ? 'firefox128' : 'chrome120',
    sourcemap: false,
    minify: true,
    modulePreload: false,
  },
  server: { port: 5173, strictPort: true },
});
