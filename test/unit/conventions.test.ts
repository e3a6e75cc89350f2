/**
 * Conventions as tests. Each failure message says what the convention is and why.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { buildManifest, PERMISSION_REASONS } from '../../manifest.config';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|tsx|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

/** Module specifiers imported by a file (static, dynamic, re-exports). */
function imports(src: string): string[] {
  const out: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

const FILES = walk(SRC);
const POLYFILL_HOME = 'src/platform/browser.ts';

describe('conventions', () => {
  it('finds the source tree', () => {
    expect(FILES.length).toBeGreaterThan(10);
    expect(FILES.map(rel)).toContain(POLYFILL_HOME);
  });

  it(`only ${POLYFILL_HOME} imports webextension-polyfill (so it can be swapped out in one place)`, () => {
    const offenders = FILES.filter(
      (f) =>
        rel(f) !== POLYFILL_HOME && imports(readFileSync(f, 'utf8')).some((s) => s.startsWith('webextension-polyfill')),
    );
    expect(offenders.map(rel), 'import { browser } from src/platform/browser instead').toEqual([]);
  });

  // Boundaries of src/core and the pages (imports, browser and effect globals) are lint rules:
  // eslint.config.js, proven by test/unit/lint-boundaries.test.ts.

  it('every manifest permission is documented with a reason, for both targets', () => {
    for (const target of ['chrome', 'firefox'] as const) {
      const m = buildManifest(target);
      for (const p of m.permissions)
        expect(PERMISSION_REASONS[p], `permission ${p} needs a reason in PERMISSION_REASONS`).toBeTruthy();
      expect(m.host_permissions.length).toBeGreaterThan(10);
    }
  });

  it('the manifest branches on the target: service worker for Chrome, background scripts + gecko id for Firefox', () => {
    const c = buildManifest('chrome');
    const f = buildManifest('firefox');
    expect(c.background).toEqual({ service_worker: 'src/background/index.ts', type: 'module' });
    expect(f.background).toEqual({ scripts: ['src/background/index.ts'], type: 'module' });
    expect('browser_specific_settings' in c).toBe(false);
    expect((f as { browser_specific_settings?: { gecko: { id: string } } }).browser_specific_settings?.gecko.id).toBe(
      'faultline@faultline.dev',
    );
  });

  it('the self-test of this file: the checks do catch offenders', () => {
    expect(imports("import x from 'webextension-polyfill';")).toEqual(['webextension-polyfill']);
  });
});
