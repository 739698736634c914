/**
 * The checks every application gets, whatever its stack. Ids start with `core/`.
 */
import type { DiagnosticCheck } from '../../contract/plugin.js';
import { diskInodesCheck } from './disk-inodes.js';
import { diskSpaceCheck } from './disk-space.js';
import { httpHealthCheck } from './http-health.js';
import { loadCheck } from './load.js';
import { memoryCheck } from './memory.js';
import { portListeningCheck } from './port-listening.js';
import { tlsExpiryCheck } from './tls-expiry.js';
import { worldWritableCheck } from './world-writable.js';

export {
  diskInodesCheck,
  diskSpaceCheck,
  httpHealthCheck,
  loadCheck,
  memoryCheck,
  portListeningCheck,
  tlsExpiryCheck,
  worldWritableCheck,
};
export { SHARED_CHECK_DEFAULTS } from './settings.js';
export type { SharedCheckSettingKey } from './settings.js';
export { WORLD_WRITABLE_DEFAULT_PRUNE } from './world-writable.js';

/** Every shared check, in the order they are reported. They read no metadata (`object`), so any plugin's checks may call them. */
export const sharedChecks: DiagnosticCheck<unknown, object>[] = [
  diskSpaceCheck,
  diskInodesCheck,
  memoryCheck,
  loadCheck,
  httpHealthCheck,
  tlsExpiryCheck,
  portListeningCheck,
  worldWritableCheck,
];
