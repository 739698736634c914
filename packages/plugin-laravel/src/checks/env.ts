/**
 * `.env` checks: `laravel/env-missing`, `laravel/app-key` (missing or not
 * a key the cipher accepts), `laravel/debug-in-production`. Values are
 * never printed: only names, lengths and what is wrong with them.
 */
import { posix } from 'node:path';
import { envBool, readDotenv } from '../dotenv.js';
import { ACTION, CHECK } from './ids.js';
import { type LaravelCheck } from './shared.js';

/** Key lengths (bytes) each cipher accepts. */
const CIPHER_BYTES: Record<string, number> = { 'aes-128-cbc': 16, 'aes-256-cbc': 32, 'aes-128-gcm': 16, 'aes-256-gcm': 32 };

/** What is wrong with an `APP_KEY` value, or null when it is a key the cipher accepts. */
export function appKeyProblem(value: string | undefined, cipher = 'aes-256-cbc'): string | null {
  if (value === undefined || value.trim() === '') return 'APP_KEY is not set';
  const want = CIPHER_BYTES[cipher.toLowerCase()] ?? 32;
  let bytes: number;
  if (value.startsWith('base64:')) {
    const b64 = value.slice('base64:'.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return 'APP_KEY starts with base64: but the rest is not base64';
    bytes = Buffer.from(b64, 'base64').length;
  } else {
    bytes = Buffer.byteLength(value);
  }
  return bytes === want ? null : `APP_KEY is ${bytes} bytes long where ${cipher.toUpperCase()} needs ${want}`;
}

export const envMissingCheck: LaravelCheck = {
  id: CHECK.envMissing,
  title: '.env exists',
  category: 'configuration',
  severity: 'critical',
  description: 'Without .env the app runs on config defaults: no APP_KEY, no database credentials.',
  async run(ctx) {
    const root = ctx.app.root;
    if (await ctx.fs.exists(posix.join(root, '.env'))) return { status: 'pass', message: '.env exists.' };
    const cached = await ctx.fs.exists(posix.join(root, 'bootstrap/cache/config.php'));
    if (cached) return { status: 'warn', message: 'There is no .env, but the configuration is cached (bootstrap/cache/config.php): the app runs on the cache; a config:clear would leave it without its settings.', details: { configCached: true } };
    const example = await ctx.fs.exists(posix.join(root, '.env.example'));
    return {
      status: 'fail',
      message: `There is no .env in ${root}${example ? ' (.env.example exists: copy it and fill in the secrets by hand)' : ''}: the app has no key and no database credentials.`,
      details: { exampleExists: example },
    };
  },
};

export const appKeyCheck: LaravelCheck = {
  id: CHECK.appKey,
  title: 'APP_KEY is set and well formed',
  category: 'security',
  severity: 'critical',
  description: 'Laravel encrypts cookies and sessions with APP_KEY: missing, every request fails; malformed, the encrypter refuses it.',
  async run(ctx) {
    const env = await readDotenv(ctx);
    if (env === null) return { status: 'skip', message: 'There is no .env (see laravel/env-missing).' };
    const problem = appKeyProblem(env.get('APP_KEY'));
    if (problem === null) return { status: 'pass', message: 'APP_KEY is set and is a 32-byte key.' };
    return {
      status: 'fail',
      message: `${problem} in .env. A new key makes every encrypted value (sessions, cookies, encrypted columns) unreadable: if the app had a key, put that one back; otherwise a person generates one.`,
      details: { name: 'APP_KEY', problem, set: env.has('APP_KEY') && env.get('APP_KEY') !== '' },
      evidence: [`.env: ${problem}`],
      fixes: [ACTION.generateKey],
    };
  },
};

export const debugInProductionCheck: LaravelCheck = {
  id: CHECK.debugInProduction,
  title: 'APP_DEBUG is off in production',
  category: 'security',
  severity: 'high',
  description: 'APP_DEBUG=true with APP_ENV=production shows stack traces, environment values and queries to every visitor.',
  async run(ctx) {
    const env = await readDotenv(ctx);
    if (env === null) return { status: 'skip', message: 'There is no .env (see laravel/env-missing).' };
    const appEnv = env.get('APP_ENV') ?? 'production';
    const debug = envBool(env.get('APP_DEBUG'));
    const details = { appEnv, debug };
    if (appEnv === 'production' && debug === true) {
      return { status: 'fail', message: 'APP_DEBUG is true while APP_ENV is production: error pages show stack traces and environment values to visitors; set APP_DEBUG=false.', details, evidence: ['.env: APP_ENV=production, APP_DEBUG=true'] };
    }
    return { status: 'pass', message: debug ? `APP_DEBUG is on, in the ${appEnv} environment.` : `APP_DEBUG is off (APP_ENV=${appEnv}).`, details };
  },
};
