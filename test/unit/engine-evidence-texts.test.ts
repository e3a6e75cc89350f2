/**
 * Every evidence id the engine can produce has a text in both languages (`evidence_<id>` in
 * public/_locales/{en,zh_CN}/messages.json): the ids are built in code (`evidence('id', …)`, `fact('id', …)`, the
 * loop rule's `'cookies-' + state`), so the locale test's key scan cannot see them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../corpus/paths';

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));

describe('evidence texts', () => {
  it('every evidence id of the engine has en and zh_CN texts', () => {
    const ids = new Set<string>();
    for (const f of walk(join(REPO, 'src/core/engine')))
      for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:evidence|fact)\(\s*'([a-z0-9-]+)'(?!\s*\+)/g))
        ids.add(m[1]!);
    // dynamic ids: the loop rule's cookie states, the evidence ids of the unknown-cookie loop
    for (const c of ['returned', 'carried', 'none', 'unknown', 'not-returned', 'blocked']) ids.add('cookies-' + c);
    for (const id of ['server-5xx', 'conn-failed', 'auth-failed']) ids.add(id);
    expect(ids.size).toBeGreaterThan(30);
    for (const lang of ['en', 'zh_CN']) {
      const m = JSON.parse(readFileSync(join(REPO, `public/_locales/${lang}/messages.json`), 'utf8')) as object;
      const missing = [...ids].filter((id) => !(`evidence_${id.replace(/-/g, '_')}` in m));
      expect(missing, lang).toEqual([]);
    }
  });
});
