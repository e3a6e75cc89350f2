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
 * FAULTLINE_TEST=1 (test/browser/firefox.test.ts only): a separate build in dist/<target>-test whose worker
 * opens one extension page at start, so a BiDi-driven Firefox can read the history from it (moz-extension
 * pages cannot be opened over BiDi). Never zipped; production builds compile the branch away.
 */
const testBuild = process.env.FAULTLINE_TEST === '1';

/**
 * The command line's texts (`cli_*`) share the locale files with the extension, which never shows them: they are
 * left out of the JSON the extension's pages bundle (the popup's size budget). public/_locales itself, which
 * the browser reads, is copied whole; the command line (scripts/build-cli.mjs) bundles every key.
 */
function withoutCliTexts(): Plugin {
  return {
    name: 'faultline-without-cli-texts',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]_locales[\\/][^\\/]+[\\/]messages\.json$/.test(id)) return null;
      const table = JSON.parse(code) as Record<string, unknown>;
      for (const key of Object.keys(table)) if (key.startsWith('cli_')) delete table[key];
      return { code: JSON.stringify(table), map: null };
    },
  };
}

export default defineConfig({
  plugins: [withoutCliTexts(), preact(), crx({ manifest, browser: target })],
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
