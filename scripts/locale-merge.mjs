#!/usr/bin/env node
// Merge new messages into both locales in one quick read-modify-write, keeping keys sorted by insertion.
// Usage: node scripts/locale-merge.mjs FILE.json
//   FILE.json: { "key": { "en": "English text", "zh": "中文", "description": "for translators", "placeholders"?: {...} } }
import { readFileSync, writeFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [lang, field] of [
  ['en', 'en'],
  ['zh_CN', 'zh'],
]) {
  const path = new URL(`../public/_locales/${lang}/messages.json`, import.meta.url);
  const cur = JSON.parse(readFileSync(path, 'utf8'));
  for (const [key, v] of Object.entries(input)) {
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`bad key ${key}`);
    if (typeof v[field] !== 'string' || !v.description) throw new Error(`key ${key}: needs ${field} and description`);
    cur[key] = {
      message: v[field],
      description: v.description,
      ...(v.placeholders ? { placeholders: v.placeholders } : {}),
    };
  }
  writeFileSync(path, JSON.stringify(cur, null, 2) + '\n');
}
console.log(`merged ${Object.keys(input).length} keys`);
