/**
 * Conventions for texts (public/_locales/{en,zh_CN}/messages.json). Simplified Chinese is first-class: a key
 * missing in either language, a missing translator description or a mismatched `$n` is a failure here.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../src/core/i18n/messages';
import { ALL_CAUSES, VERDICTS } from '../../src/core/types';

const ROOT = join(__dirname, '../..');
const en = MESSAGES.en;
const zh = MESSAGES.zh_CN;
const keysEn = Object.keys(en);
const keysZh = Object.keys(zh);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|tsx|mts)$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** `t(lang, 'key'…)`, `t('key')`, `key: 'key'`, `L('key')`-style literals. */
const KEY_PATTERNS = [
  /\bt\(\s*[\w.]+\s*,\s*(['"])([A-Za-z0-9_]+)\1(?!\s*\+)/g,
  /\bt\(\s*(['"])([A-Za-z0-9_]+)\1(?!\s*\+)/g,
  /\bkey\s*:\s*(['"])([A-Za-z0-9_]+)\1(?!\s*\+)/g,
  /\bL\(\s*(['"])([A-Za-z0-9_]+)\1(?!\s*\+)/g,
  /\bmsg\(\s*(['"])([A-Za-z0-9_]+)\1(?!\s*\+)/g,
];

function keysUsedIn(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const keys: string[] = [];
  for (const re of KEY_PATTERNS) for (const m of src.matchAll(re)) keys.push(m[2]!);
  return keys;
}

const subs = (s: string) => [...new Set(s.match(/\$[1-9]/g) ?? [])].sort();

describe('locales', () => {
  it('every key exists in both en and zh_CN', () => {
    expect(
      keysEn.filter((k) => !(k in zh)),
      'keys missing in zh_CN',
    ).toEqual([]);
    expect(
      keysZh.filter((k) => !(k in en)),
      'keys missing in en',
    ).toEqual([]);
  });

  it('every entry has a description for translators, and no message is empty', () => {
    for (const [lang, table] of Object.entries(MESSAGES)) {
      for (const [k, v] of Object.entries(table)) {
        expect(typeof v.description === 'string' && v.description.trim().length > 0, `${lang}/${k}: description`).toBe(
          true,
        );
        expect(typeof v.message === 'string' && v.message.trim().length > 0, `${lang}/${k}: empty message`).toBe(true);
      }
    }
  });

  it('substitutions $1..$9 match between languages', () => {
    for (const k of keysEn.filter((k) => k in zh)) {
      expect(subs(zh[k]!.message), `${k}: en "${en[k]!.message}" vs zh "${zh[k]!.message}"`).toEqual(
        subs(en[k]!.message),
      );
    }
  });

  it('every cause has a title and an explanation', () => {
    const missing: string[] = [];
    for (const c of ALL_CAUSES) {
      const id = c.replace(/-/g, '_');
      for (const k of [`cause_${id}_title`, `cause_${id}_explain`]) if (!(k in en) || !(k in zh)) missing.push(k);
    }
    expect(missing, 'cause keys missing (the engine adds them)').toEqual([]);
  });

  it('every verdict has verdict_<id>', () => {
    const missing = VERDICTS.map((v) => `verdict_${v}`).filter((k) => !(k in en) || !(k in zh));
    expect(missing).toEqual([]);
  });

  it('every key literal used in src/ exists', () => {
    const missing: string[] = [];
    for (const file of walk(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file).replace(/\\/g, '/');
      for (const k of keysUsedIn(file)) if (!(k in en) || !(k in zh)) missing.push(`${rel}: ${k}`);
    }
    expect(missing).toEqual([]);
  });

  it('this test finds keys (guards against a broken scan)', () => {
    const all = walk(join(ROOT, 'src')).flatMap(keysUsedIn);
    expect(all).toContain('popup_error_retry');
    expect(all).toContain('export_title');
  });
});
