/** Replaced at build time by vite.config.ts (`define`). */
declare const __FAULTLINE_TARGET__: 'chrome' | 'firefox';
/** true only in FAULTLINE_TEST=1 builds (dist/<target>-test), see vite.config.ts. */
declare const __FAULTLINE_TEST__: boolean;
