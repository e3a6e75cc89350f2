/**
 * The architecture's boundaries are lint rules (eslint.config.js); this proves they catch offenders, so a
 * config edit that silently drops one fails here rather than in review.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO } from '../corpus/paths';

const eslint = new ESLint({ cwd: REPO });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint boundaries', () => {
  it('core may not reach effects: fetch, timers, storage, crypto, abort, extension and DOM globals', async () => {
    for (const g of [
      'fetch("x")',
      'setTimeout(() => 1, 5)',
      'indexedDB.open("x")',
      'crypto.randomUUID()',
      'new AbortController()',
      'chrome.runtime.id',
      'browser.runtime.id',
      'document.title',
      'globalThis.fetch',
    ]) {
      const p = await problems('src/core/engine/probe-example.ts', `export const x = () => ${g};\n`);
      expect(p.join('\n'), g).toMatch(/no-restricted-globals/);
    }
  }, 60_000);

  it('core imports only core: no worker, page, platform or browser packages', async () => {
    for (const s of [
      '../../background/history',
      '../../ui/texts',
      '../../platform/browser',
      '../../popup/App',
      'webextension-polyfill',
      'idb',
      'node:fs',
    ]) {
      const p = await problems('src/core/engine/probe-example.ts', `import * as m from '${s}';\nexport const x = m;\n`);
      expect(p.join('\n'), s).toMatch(/no-restricted-imports/);
    }
    expect(
      await problems(
        'src/core/engine/probe-example.ts',
        "import { serviceOf } from '../catalogue/match';\nexport const x = serviceOf;\n",
      ),
    ).toEqual([]);
  }, 60_000);

  it('the content script and the CLI keep to their side', async () => {
    expect(
      (
        await problems('src/content/probe-example.ts', "import * as m from '../ui/connector';\nexport const x = m;\n")
      ).join(),
    ).toMatch(/no-restricted-imports/);
    expect(
      (
        await problems('src/cli/probe-example.ts', "import * as m from '../platform/browser';\nexport const x = m;\n")
      ).join(),
    ).toMatch(/no-restricted-imports/);
    expect((await problems('src/content/probe-example.ts', 'export const x = chrome.runtime.id;\n')).join()).toMatch(
      /no-restricted-globals/,
    );
  }, 60_000);
});
