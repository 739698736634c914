/** Every PHP check, in the order they are reported. */
import { appAnswersCheck } from './app-answers.js';
import { composerLockCheck, vendorCheck } from './composer.js';
import { fatalErrorsCheck } from './fatal-errors.js';
import { fpmConfigStaleCheck, fpmStatusCheck } from './fpm.js';
import { permissionsCheck } from './permissions.js';
import { extensionsCheck, iniProductionCheck, opcacheCheck, phpVersionCheck } from './runtime.js';
import type { PhpCheck } from '../shared.js';

export const phpChecks: PhpCheck[] = [
  appAnswersCheck,
  phpVersionCheck,
  extensionsCheck,
  composerLockCheck,
  vendorCheck,
  fatalErrorsCheck,
  iniProductionCheck,
  opcacheCheck,
  fpmStatusCheck,
  fpmConfigStaleCheck,
  permissionsCheck,
];

export { appAnswersCheck, composerLockCheck, vendorCheck, fatalErrorsCheck, fpmConfigStaleCheck, fpmStatusCheck, permissionsCheck, extensionsCheck, iniProductionCheck, opcacheCheck, phpVersionCheck };
