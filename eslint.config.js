// @ts-check
/**
 * Lint: the architecture's boundaries as rules, plus the usual correctness checks. `npm run lint` (part of
 * `npm test`). Layout and what each folder may import: ARCHITECTURE.md.
 *
 *   src/core      pure: imports only src/core (and public/_locales data); no browser, DOM, network, timers,
 *                 storage or crypto globals — values come in as arguments (the clock as `now`).
 *   src/cli       the command line: src/core and Node only.
 *   src/popup, src/options   the pages: src/core, src/ui; the browser only through src/ui/connector.ts.
 *   src/ui        shared page code; connector.ts is the only file here that reaches the browser (via src/platform).
 *   src/content   the content script: src/core and src/platform.
 *   src/background the worker: anything but the pages.
 *   src/platform  the only import of webextension-polyfill.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const PAGES = ['**/popup/**', '**/options/**', '**/welcome/**'];
const noImport = (what, patterns) => patterns.map((group) => ({ group: [group], message: what }));

/** Globals that make code effectful: banned in src/core (pass values and functions in instead). */
const CORE_BANNED_GLOBALS = [
  'chrome',
  'browser',
  'document',
  'window',
  'self',
  'globalThis',
  'navigator',
  'location',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'requestAnimationFrame',
  'queueMicrotask',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'crypto',
  'AbortController',
].map((name) => ({ name, message: 'src/core is pure: take this as an argument from the background or the CLI.' }));

/** The global extension objects: only src/platform touches them (webextension-polyfill, or a documented gap). */
const EXTENSION_GLOBALS = ['chrome', 'browser', 'globalThis'].map((name) => ({
  name,
  message: 'Reach the browser through src/platform (browser.ts), never a global.',
}));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'artifacts/**',
      'coverage/**',
      '.tmp/**',
      'test/browser/fixtures/**',
      'test/corpus/har/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser, ...globals.webextensions },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-globals': ['error', ...CORE_BANNED_GLOBALS],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noImport('src/core imports only src/core: it is shared by the worker, the CLI and the tests.', [
              '**/background/**',
              '**/platform/**',
              '**/ui/**',
              '**/cli/**',
              '**/content/**',
              ...PAGES,
            ]),
            ...noImport('src/core must stay pure: no browser, storage or Node packages.', [
              'webextension-polyfill',
              'idb',
              'preact',
              'preact/*',
              'node:*',
            ]),
          ],
        },
      ],
    },
  },
  {
    // The rule families import rules/common.ts, never rules.ts (which imports them): no cycles.
    files: ['src/core/engine/rules/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^\\.\\.\\/rules(\\.ts)?$/]',
          message: 'A rule family imports rules/common.ts, never rules.ts.',
        },
      ],
    },
  },
  {
    files: ['src/popup/**', 'src/options/**', 'src/welcome/**'],
    rules: {
      'no-restricted-globals': ['error', ...EXTENSION_GLOBALS],
      'no-restricted-imports': [
        'error',
        {
          patterns: noImport('Pages reach the browser only through the connector (src/ui/connector.ts).', [
            '**/background/**',
            '**/platform/**',
            '**/content/**',
            'webextension-polyfill',
            'idb',
          ]),
        },
      ],
    },
  },
  {
    files: ['src/ui/**'],
    ignores: ['src/ui/connector.ts'],
    rules: {
      'no-restricted-globals': ['error', ...EXTENSION_GLOBALS],
      'no-restricted-imports': [
        'error',
        {
          patterns: noImport('Only src/ui/connector.ts reaches the browser; the rest of src/ui is shared page code.', [
            '**/background/**',
            '**/platform/**',
            '**/content/**',
            'webextension-polyfill',
            'idb',
            ...PAGES,
          ]),
        },
      ],
    },
  },
  {
    files: ['src/background/**', 'src/content/**'],
    rules: {
      'no-restricted-globals': ['error', ...EXTENSION_GLOBALS],
      'no-restricted-imports': [
        'error',
        {
          patterns: noImport('The worker and the content script never import page code.', [...PAGES, '**/ui/**']),
        },
      ],
    },
  },
  {
    files: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: noImport('The CLI uses src/core and Node only.', [
            '**/background/**',
            '**/platform/**',
            '**/ui/**',
            '**/content/**',
            ...PAGES,
            'webextension-polyfill',
            'idb',
            'preact',
          ]),
        },
      ],
    },
  },
  {
    files: ['src/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: noImport('src/platform is the edge: it imports no UI or worker code.', [
            '**/background/**',
            '**/ui/**',
            ...PAGES,
          ]),
        },
      ],
    },
  },
  {
    // Type-aware where it is cheap and catches real bugs: promises nobody awaits in the event-driven parts.
    files: [
      'src/background/**/*.ts',
      'src/ui/**/*.ts',
      'src/popup/**/*.{ts,tsx}',
      'src/options/**/*.{ts,tsx}',
      'collector/src/**/*.ts',
    ],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
);
