export { testdir, writeTree } from './testdir.js';
export type { TestDir, TreeEntry } from './testdir.js';
export { hashFolder } from './tree-hash.js';
export { startTestapp, testappFiles } from './testapp.js';
export type { RunningTestapp } from './testapp.js';
export { testappPlugin } from './testapp-plugin.js';
export { sshOptions, startSshd } from './sshd.js';
export type { RunningSshd, SshdOptions } from './sshd.js';
export { freePort, statusOf } from './net.js';
