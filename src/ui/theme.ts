/**
 * Colour tokens for the popup and the options page, light and dark (prefers-color-scheme). The one source of
 * colour: styles.css only uses the CSS variables written by `themeCss()`. test/unit/contrast.test.ts checks
 * every text/background pair in TEXT_PAIRS against WCAG AA (4.5:1) and every graphic pair in GRAPHIC_PAIRS
 * against WCAG 1.4.11 (3:1).
 */

export interface Tokens {
  bg: string;
  surface: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  accentText: string;
  focus: string;
  dangerBg: string;
  dangerText: string;
  providerBg: string;
  providerFg: string;
  userBg: string;
  userFg: string;
  healthyBg: string;
  healthyFg: string;
  unclearBg: string;
  unclearFg: string;
  stateOk: string;
  stateDegraded: string;
  stateFailing: string;
  stateIdle: string;
  barFail: string;
  barReq: string;
  codeBg: string;
}

export type TokenName = keyof Tokens;

export const LIGHT: Tokens = {
  bg: '#ffffff',
  surface: '#f4f5f7',
  text: '#1b1f24',
  muted: '#545d68',
  border: '#c9d0d8',
  accent: '#0b57d0',
  accentText: '#ffffff',
  focus: '#0b57d0',
  dangerBg: '#b3261e',
  dangerText: '#ffffff',
  providerBg: '#fdecea',
  providerFg: '#9c1c1c',
  userBg: '#fff3dc',
  userFg: '#7a4100',
  healthyBg: '#e5f4ea',
  healthyFg: '#145c33',
  unclearBg: '#eceef2',
  unclearFg: '#3f4650',
  stateOk: '#146c3a',
  stateDegraded: '#8a4600',
  stateFailing: '#b3261e',
  stateIdle: '#5b636d',
  barFail: '#c4302b',
  barReq: '#aab3bd',
  codeBg: '#eef0f3',
};

export const DARK: Tokens = {
  bg: '#17191d',
  surface: '#22262c',
  text: '#e7e9ec',
  muted: '#a9b0b9',
  border: '#4a515b',
  accent: '#8ab4f8',
  accentText: '#0a1a33',
  focus: '#8ab4f8',
  dangerBg: '#f2b8b5',
  dangerText: '#3b0907',
  providerBg: '#3d1618',
  providerFg: '#ffb4ab',
  userBg: '#3a2a0e',
  userFg: '#ffcf80',
  healthyBg: '#11301f',
  healthyFg: '#93dcae',
  unclearBg: '#2b3038',
  unclearFg: '#cdd2d9',
  stateOk: '#84d6a2',
  stateDegraded: '#ffc766',
  stateFailing: '#ff9d94',
  stateIdle: '#a9b0b9',
  barFail: '#ff7a70',
  barReq: '#5f6874',
  codeBg: '#2b3038',
};

export const THEMES = { light: LIGHT, dark: DARK } as const;

/** [foreground, background] pairs that carry text. */
export const TEXT_PAIRS: readonly [TokenName, TokenName][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'codeBg'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['accent', 'bg'],
  ['accent', 'surface'],
  ['accentText', 'accent'],
  ['dangerText', 'dangerBg'],
  ['providerFg', 'providerBg'],
  ['userFg', 'userBg'],
  ['healthyFg', 'healthyBg'],
  ['unclearFg', 'unclearBg'],
  ['text', 'providerBg'],
  ['text', 'userBg'],
  ['text', 'healthyBg'],
  ['text', 'unclearBg'],
  ['stateOk', 'surface'],
  ['stateDegraded', 'surface'],
  ['stateFailing', 'surface'],
  ['stateIdle', 'surface'],
  ['stateOk', 'bg'],
  ['stateDegraded', 'bg'],
  ['stateFailing', 'bg'],
];

/** [graphic, background] pairs: bars, focus ring, borders of inputs (WCAG 1.4.11, 3:1). */
export const GRAPHIC_PAIRS: readonly [TokenName, TokenName][] = [
  ['barFail', 'bg'],
  ['focus', 'bg'],
  ['focus', 'surface'],
  ['focus', 'providerBg'],
  ['focus', 'userBg'],
  ['focus', 'healthyBg'],
  ['focus', 'unclearBg'],
];

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function vars(t: Tokens): string {
  return Object.entries(t)
    .map(([k, v]) => `--${kebab(k)}:${v};`)
    .join('');
}

/** CSS custom properties for both schemes. */
export function themeCss(): string {
  return `:root{color-scheme:light dark;${vars(LIGHT)}}@media (prefers-color-scheme: dark){:root{${vars(DARK)}}}`;
}

/** Write the theme into the document once (popup, options, gallery). */
export function applyTheme(doc: Document): void {
  if (doc.getElementById('fl-theme')) return;
  const s = doc.createElement('style');
  s.id = 'fl-theme';
  s.textContent = themeCss();
  doc.head.appendChild(s);
}

/** WCAG 2.x relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}
