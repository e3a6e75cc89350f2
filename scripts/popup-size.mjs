#!/usr/bin/env node
// Gzipped size of the popup entry as shipped: the JS the popup page loads (its <script> and every chunk reached
// through static imports), from a production build (npm run build → dist/chrome). CSS is listed separately.
// Usage: node scripts/popup-size.mjs [distDir=dist/chrome] [--max KB]   (exit 1 when over --max)
// Bench: import { popupSize } from './scripts/popup-size.mjs'.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Static imports of an ES module chunk (minified or not); dynamic import() is lazy and not counted. */
function staticImports(code) {
  const out = new Set();
  const re = /\b(?:import|export)\s*(?:[\w*${}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of code.matchAll(re)) out.add(m[1]);
  return [...out];
}

function gz(buf) {
  return gzipSync(buf, { level: 9 }).length;
}

/**
 * @param {string} [distDir] build output (default dist/chrome)
 * @returns {{ html: string, js: {file: string, raw: number, gzip: number}[], css: {file: string, raw: number, gzip: number}[], totalGzip: number, totalRaw: number, cssGzip: number }}
 */
export function popupSize(distDir = join(ROOT, 'dist/chrome')) {
  const manifestPath = join(distDir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} not found: run npm run build first`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const htmlRel = manifest.action?.default_popup;
  if (!htmlRel) throw new Error('manifest has no action.default_popup');
  const htmlPath = join(distDir, htmlRel);
  const html = readFileSync(htmlPath, 'utf8');
  const fromHtml = (p) => (p.startsWith('/') ? join(distDir, p) : join(dirname(htmlPath), p));

  const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => fromHtml(m[1]));
  const preloads = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => fromHtml(m[1]));
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => fromHtml(m[1]));

  const seen = new Set();
  const queue = [...scripts, ...preloads].map((p) => normalize(p));
  const js = [];
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const buf = readFileSync(file);
    js.push({ file: relative(distDir, file), raw: buf.length, gzip: gz(buf) });
    for (const spec of staticImports(buf.toString('utf8'))) queue.push(normalize(join(dirname(file), spec)));
  }
  const css = styles.map((p) => {
    const buf = readFileSync(p);
    return { file: relative(distDir, p), raw: buf.length, gzip: gz(buf) };
  });
  return {
    html: relative(distDir, htmlPath),
    js,
    css,
    totalGzip: js.reduce((a, b) => a + b.gzip, 0),
    totalRaw: js.reduce((a, b) => a + b.raw, 0),
    cssGzip: css.reduce((a, b) => a + b.gzip, 0),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const maxIdx = args.indexOf('--max');
  const max = maxIdx >= 0 ? Number(args[maxIdx + 1]) : null;
  const dir = args.find((a, i) => !a.startsWith('--') && (maxIdx < 0 || i !== maxIdx + 1));
  const r = popupSize(dir ? resolve(dir) : undefined);
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  console.log(`popup: ${r.html}`);
  for (const f of r.js) console.log(`  js   ${f.file}  ${kb(f.raw)} raw, ${kb(f.gzip)} gzip`);
  for (const f of r.css) console.log(`  css  ${f.file}  ${kb(f.raw)} raw, ${kb(f.gzip)} gzip`);
  console.log(`total JS: ${kb(r.totalRaw)} raw, ${kb(r.totalGzip)} gzip (+ CSS ${kb(r.cssGzip)} gzip)`);
  if (max !== null && r.totalGzip > max * 1024) {
    console.error(`over budget: ${kb(r.totalGzip)} > ${max} KB`);
    process.exit(1);
  }
}
