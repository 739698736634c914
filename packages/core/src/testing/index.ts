/**
 * `@healer/core/testing`: what the authors of a state store need to show it
 * behaves as Healer expects. Needs vitest (an optional peer dependency).
 */
export { describeStateStore, deadPid, makeBackup, makeEvent, makeExecution, type StoreUnderTest } from './state-store-suite.js';
