/** Active checks while things fail. See docs/active-checks.md. */
export * from './types';
export * from './budget';
export * from './clock';
export * from './doh';
export * from './status-page';
export * from './planner';
export * from './run';
export * from './from-settings';
