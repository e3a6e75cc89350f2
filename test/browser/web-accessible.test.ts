/**
 * No watched site can detect the extension by its files: the content script is one self-contained file (no
 * loader importing chunks through runtime.getURL), so nothing needs to be web-accessible; and should a
 * web-accessible resource ever come back, Chromium's must use a dynamic URL (use_dynamic_url: true), which
 * changes per session instead of being fixed by the extension id.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_CHROME, DIST_FIREFOX, requireBuild } from './harness';

describe('exposed resources', () => {
  for (const [target, dist] of [
    ['chrome', DIST_CHROME],
    ['firefox', DIST_FIREFOX],
  ] as const) {
    it(`${target}: no resource a page can load by a fixed URL; the content script needs none`, () => {
      requireBuild(dist);
      const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as {
        web_accessible_resources?: { resources: string[]; use_dynamic_url?: boolean }[];
        content_scripts: { js: string[] }[];
      };
      for (const war of manifest.web_accessible_resources ?? []) {
        if (target === 'chrome') expect(war.use_dynamic_url, JSON.stringify(war)).toBe(true);
        else expect.fail(`Firefox exposes ${war.resources.join(', ')} (no dynamic URLs there: expose nothing)`);
      }
      const scripts = manifest.content_scripts.flatMap((c) => c.js);
      expect(scripts.length).toBeGreaterThan(0);
      for (const js of scripts) {
        const code = readFileSync(join(dist, js), 'utf8');
        expect(code, `${js} loads other files`).not.toMatch(/\bimport\s*\(|getURL\(\s*["'`]assets\//);
        expect(code, `${js} is a module`).not.toMatch(/^\s*(?:import|export)\b/m);
      }
    });
  }
});
