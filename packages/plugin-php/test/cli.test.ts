/**
 * The built `healer` CLI with the PHP plugin built in, given only the app's
 * path (a configuration without `plugins`, only turning off the machine-wide
 * checks, which judge this busy test machine): a `php -S` app whose vendor/ is missing is
 * diagnosed (exit 2, php/vendor failing), healed in auto mode (composer
 * install, offline: the path repository needs no network) and answers 200.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhpApp, startBuiltin, statusOf, type BuiltinServer, type PhpApp } from './helpers/php-app.js';

/** The built CLI (run `pnpm build` first). */
const BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

let app: PhpApp;
let server: BuiltinServer;

beforeAll(async () => {
  app = await createPhpApp({ vendor: false });
  server = await startBuiltin(app);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await app?.cleanup();
});

async function healer(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = join(app.base, 'home');
  await mkdir(home, { recursive: true });
  const config = join(app.base, 'healer.config.json');
  await writeFile(config, JSON.stringify({ sharedChecks: false }));
  // Composer's home and cache under the test folder (HOME), never the network.
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, HEALER_CONFIG: config, HOME: home, HEALER_HOME: join(app.base, 'healer-home'), XDG_CONFIG_HOME: join(home, '.config'), COMPOSER_DISABLE_NETWORK: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

describe('healer CLI, the PHP plugin built in', () => {
  it('diagnose names the missing vendor/; heal --mode auto installs it; the app answers 200', async () => {
    const detect = await healer(['detect', app.root, '--json']);
    expect(JSON.parse(detect.stdout), detect.stderr).toMatchObject({ app: { plugin: 'php' } });

    const diagnose = await healer(['diagnose', app.root, '--json']);
    expect(diagnose.code, diagnose.stdout + diagnose.stderr).toBe(2);
    const results = (JSON.parse(diagnose.stdout) as { results: Array<{ id: string; status: string; details: Record<string, unknown> }> }).results;
    expect(results.find((r) => r.id === 'php/vendor')?.status).toBe('fail');
    expect(results.find((r) => r.id === 'php/app-answers')).toMatchObject({ status: 'fail', details: { url: server.url, status: 500 } });

    const heal = await healer(['heal', app.root, '--mode', 'auto', '--json']);
    const h = JSON.parse(heal.stdout) as { state: string; attempts: Array<{ actionId: string; verified: boolean }> };
    expect(h.state, heal.stdout + heal.stderr).toBe('FIXED');
    expect(h.attempts).toMatchObject([{ actionId: 'php/composer-install', verified: true }]);
    expect(await statusOf(server.url)).toBe(200);
  }, 240_000);
});
