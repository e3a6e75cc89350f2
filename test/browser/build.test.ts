/**
 * The shipped artifacts (from `npm run build`): one zip per browser, each a production build of the same
 * source with the right background shape, no dev-server code and no test-only branch.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { ROOT, requireBuild, DIST_CHROME, DIST_FIREFOX } from './harness';
import { hostPermissions } from '../../src/core/catalogue/match';

/** Strings only the test data has: hosts of the corpus scenarios the popup fixtures are made from. */
const TEST_DATA_MARKERS = ['photos.oss-cn-hangzhou.aliyuncs.com', 'backup.oss-cn-hangzhou.aliyuncs.com'];

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('build artifacts', () => {
  for (const target of ['chrome', 'firefox'] as const) {
    it(`dist/faultline-${target}-<version>.zip is a production build for ${target}`, () => {
      requireBuild(target === 'chrome' ? DIST_CHROME : DIST_FIREFOX);
      const zip = join(ROOT, 'dist', `faultline-${target}-${version}.zip`);
      expect(existsSync(zip), `${zip} missing: run npm run build`).toBe(true);
      const files = unzipSync(readFileSync(zip));
      const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a manifest of any shape
      expect(manifest.manifest_version).toBe(3);
      expect(manifest.version).toBe(version);
      expect(manifest.name).toBe('__MSG_extName__');
      expect(manifest.default_locale).toBe('en');
      expect(manifest.host_permissions).toEqual(hostPermissions());
      expect(manifest.permissions.sort()).toEqual([
        'alarms',
        'cookies',
        'notifications',
        'storage',
        'webNavigation',
        'webRequest',
      ]);
      expect(manifest.optional_permissions).toContain('privacy');
      expect(manifest.content_scripts[0].matches).toEqual(hostPermissions());
      if (target === 'chrome') {
        expect(manifest.background).toEqual({ service_worker: 'service-worker-loader.js', type: 'module' });
        expect(manifest.browser_specific_settings).toBeUndefined();
      } else {
        expect(manifest.background.scripts).toEqual(['service-worker-loader.js']);
        expect(manifest.browser_specific_settings.gecko.id).toBe('faultline@faultline.dev');
      }
      for (const f of [
        '_locales/en/messages.json',
        '_locales/zh_CN/messages.json',
        'icons/icon-16.png',
        'icons/icon-128.png',
        manifest.action.default_popup,
        manifest.options_ui.page,
        'src/welcome/index.html',
      ]) {
        expect(files[f], `${f} in the ${target} zip`).toBeDefined();
      }
      for (const [name, bytes] of Object.entries(files)) {
        if (!/\.(js|html|json)$/.test(name)) continue;
        const text = strFromU8(bytes);
        expect(text, `${name}: dev-server code`).not.toMatch(/localhost:\d+|\/@vite\/client/);
        expect(text, `${name}: build-time constants left unresolved`).not.toContain('__FAULTLINE_');
        expect(text, `${name}: raw HTML assignment (web-ext lint UNSAFE_VAR_ASSIGNMENT)`).not.toMatch(
          /\.innerHTML\s*=[^=]/,
        );
        // Test data never ships: the popup states of test/fixtures (made from corpus HARs) and the mock connector.
        for (const marker of TEST_DATA_MARKERS) expect(text, `${name}: test data (${marker})`).not.toContain(marker);
      }
    });
  }
});
