/**
 * The SSH transport.
 */
export { SshExecutor, INLINE_INPUT_MAX_BYTES } from './ssh-executor.js';
export type { SshExecutorOptions, HostKeyPolicy, TransportInfo } from './options.js';
