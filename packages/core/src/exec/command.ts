import type { Command, Script } from '../contract/executor.js';
import { HealerError } from '../errors.js';

/** True when `command` is a {@link Script} rather than an argv array. */
export function isScript(command: Command): command is Script {
  return !Array.isArray(command);
}

/**
 * Turn a command into the argv that runs it: an argv array as is (checked),
 * a script as `sh -c SCRIPT sh ARGS...` so its arguments are `$1..$n`.
 */
export function toArgv(command: Command): string[] {
  const argv = isScript(command) ? ['sh', '-c', command.script, 'sh', ...(command.args ?? [])] : [...command];
  if (argv.length === 0 || argv[0] === '') {
    throw new HealerError('COMMAND_INVALID', 'A command needs at least a program name.');
  }
  for (const arg of argv) {
    if (typeof arg !== 'string') throw new HealerError('COMMAND_INVALID', `Every argument must be a string; got ${typeof arg}.`);
    if (arg.includes('\0')) throw new HealerError('COMMAND_INVALID', `An argument contains a NUL byte: ${JSON.stringify(arg)}.`);
  }
  return argv;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Variables of the healer's own process that a command never inherits: its
 * database and Redis URLs, keys, tokens and passwords (`HEALER_*`,
 * `DATABASE_URL`, `REDIS_URL`, `*_SECRET`, `*_TOKEN`, `*_PASSWORD`...).
 */
const PRIVATE_ENV = /^HEALER_|^(PGPASSWORD|MYSQL_PWD)$|(^|_)(DATABASE_URL|REDIS_URL|SECRET|SECRET_KEY|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY)$/i;

/**
 * Variables of the healer's own process that would change what an app's
 * command finds: `NODE_PATH` (a package manager sets it for the healer's own
 * dependencies) would let an app without `node_modules` load them, and a
 * heal would be verified against modules the app does not have.
 */
const OWN_RUNTIME_ENV = new Set(['NODE_PATH']);

/**
 * The environment a local command starts from: this process's, without its
 * private variables ({@link PRIVATE_ENV}) and its own module path ({@link OWN_RUNTIME_ENV}).
 * A command's own `env` may still set them.
 */
export function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !PRIVATE_ENV.test(name) && !OWN_RUNTIME_ENV.has(name)) out[name] = value;
  }
  return out;
}

/**
 * Check per-command environment variables: names match `^[A-Za-z_][A-Za-z0-9_]*$`,
 * values are strings without NUL. Returns `env` (or `{}`), else throws `COMMAND_INVALID`.
 */
export function validateEnv(env: Record<string, string> | undefined): Record<string, string> {
  if (env === undefined) return {};
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) {
      throw new HealerError('COMMAND_INVALID', `Invalid environment variable name ${JSON.stringify(name)}: use letters, digits and "_", not starting with a digit.`);
    }
    if (typeof value !== 'string') {
      throw new HealerError('COMMAND_INVALID', `The environment variable ${name} must be a string; got ${typeof value}.`);
    }
    if (value.includes('\0')) {
      throw new HealerError('COMMAND_INVALID', `The environment variable ${name} contains a NUL byte.`);
    }
  }
  return env;
}
