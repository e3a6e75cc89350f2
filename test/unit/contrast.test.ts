import { describe, expect, it } from 'vitest';
import { DARK, GRAPHIC_PAIRS, LIGHT, TEXT_PAIRS, THEMES, contrast, luminance, themeCss } from '../../src/ui/theme';

describe('WCAG contrast helpers', () => {
  it('match known values', () => {
    expect(luminance('#ffffff')).toBeCloseTo(1, 5);
    expect(luminance('#000000')).toBe(0);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});

describe.each(Object.entries(THEMES))('%s theme', (_name, tokens) => {
  it.each(TEXT_PAIRS.map(([f, b]) => [f, b] as const))('text %s on %s ≥ 4.5:1 (WCAG AA)', (fg, bg) => {
    const r = contrast(tokens[fg], tokens[bg]);
    expect(r, `${fg} ${tokens[fg]} on ${bg} ${tokens[bg]} = ${r.toFixed(2)}`).toBeGreaterThanOrEqual(4.5);
  });
  it.each(GRAPHIC_PAIRS.map(([f, b]) => [f, b] as const))('graphic %s on %s ≥ 3:1 (WCAG 1.4.11)', (fg, bg) => {
    const r = contrast(tokens[fg], tokens[bg]);
    expect(r, `${fg} on ${bg} = ${r.toFixed(2)}`).toBeGreaterThanOrEqual(3);
  });
});

describe('tokens', () => {
  it('light and dark define the same tokens and every one is emitted as a CSS variable', () => {
    expect(Object.keys(DARK).sort()).toEqual(Object.keys(LIGHT).sort());
    const css = themeCss();
    for (const k of Object.keys(LIGHT))
      expect(css).toContain(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}:`);
    expect(css).toContain('prefers-color-scheme: dark');
  });
});
