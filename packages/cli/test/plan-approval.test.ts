/**
 * Issue 10, deterministic plans: the hash `healer plan` prints is the hash of
 * the plan the heal makes, so `heal --approve <id> --plan-hash <hash>` runs an
 * approved action instead of failing with APPROVAL_STALE. On a real Next.js
 * app (the plugin's pinned fixture, `npm ci` once) with no build: its
 * `nextjs/rebuild` (medium risk, so it needs approval in supervised mode)
 * names its scratch files after the plan's nonce, which the heal journals and
 * a later `healer rollback` uses again.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installFixture, type NpmFixture } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runHealer, type CliResult } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../plugin-nextjs/test/fixtures/next-app', import.meta.url));
const REBUILD = 'nextjs/rebuild';

interface PlanJson {
  planHash: string;
  autoHeal: Array<{ actionId: string; nonce?: string }>;
  requireApproval: Array<{ actionId: string; nonce?: string; steps: Array<{ display: string }> }>;
}
interface HealJson {
  executionId: string;
  state: string;
  planHash: string | null;
  error?: { code: string };
  attempts: Array<{ actionId: string; verified: boolean }>;
  timeline: Array<{ type: string; actionId?: string; data?: Record<string, unknown> }>;
}

let cache: NpmFixture;
let root: string;
let app: string;
let configFile: string;
let healer: (args: readonly string[]) => Promise<CliResult>;

beforeAll(async () => {
  cache = await installFixture(FIXTURE, { timeoutMs: 300_000 });
  root = await realpath(await mkdtemp(join(tmpdir(), 'healer-cli-next-')));
  app = join(root, 'app');
  await mkdir(join(app, 'pages'), { recursive: true });
  const pkg = { name: 'healer-next-app', version: '0.1.0', private: true, scripts: { build: 'next build', start: 'next start' }, dependencies: cache.dependencies };
  await writeFile(join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  await writeFile(join(app, 'package-lock.json'), JSON.stringify({ ...cache.lock, name: pkg.name, packages: { ...cache.lock.packages, '': { ...cache.lock.packages[''], name: pkg.name } } }, null, 2));
  await writeFile(join(app, 'next.config.js'), 'module.exports = { reactStrictMode: true };\n');
  await writeFile(join(app, 'pages/index.js'), 'export default function Home() {\n  return <p>hello from next</p>;\n}\n');
  await promisify(execFile)('cp', ['-al', join(cache.dir, 'node_modules'), join(app, 'node_modules')]);
  // The built-in plugins, supervised mode, no host checks (this machine is busy); read only through --config.
  configFile = join(root, 'config', 'healer.json');
  await mkdir(join(root, 'config'));
  await writeFile(configFile, JSON.stringify({ mode: 'supervised', sharedChecks: false }, null, 2));
  await chmod(configFile, 0o600);
  const env = { HEALER_HOME: join(root, 'home'), HEALER_CONFIG: undefined, XDG_CONFIG_HOME: join(root, 'xdg') };
  healer = (args) => runHealer(['--config', configFile, ...args], { cwd: root, env, timeoutMs: 600_000 });
}, 400_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  await cache?.cleanup();
}, 60_000);

describe('healer plan, then heal --plan-hash', () => {
  it('an action named after its nonce: the printed hash is the heal\'s, the approved rebuild runs, and a later rollback finds its files', async () => {
    const first = await healer(['plan', app, '--json']);
    const plan = jsonOf<PlanJson>(first);
    const rebuild = plan.requireApproval.find((a) => a.actionId === REBUILD);
    expect(rebuild, JSON.stringify(plan)).toBeDefined();
    expect(rebuild!.nonce).toMatch(/^[0-9a-f]{16}$/);
    // The nonce is in the steps (the build folder), yet another planning gives the same hash.
    expect(rebuild!.steps.map((s) => s.display).join('\n')).toContain(`-${rebuild!.nonce}`);
    const again = jsonOf<PlanJson>(await healer(['plan', app, '--json']));
    expect(again.requireApproval.find((a) => a.actionId === REBUILD)!.nonce).not.toBe(rebuild!.nonce);
    expect(again.planHash).toBe(plan.planHash);
    // What a person reads: the same hash, and the command to approve with it.
    const human = await healer(['plan', app]);
    expect(human.stdout).toContain(`Plan ${plan.planHash}`);
    expect(human.stdout).toMatch(new RegExp(`Approve with: .*--approve ${REBUILD} --plan-hash ${plan.planHash}`));

    const res = await healer(['heal', app, '--mode', 'supervised', '--approve', REBUILD, '--plan-hash', plan.planHash, '--json']);
    const heal = jsonOf<HealJson>(res);
    expect(heal.error?.code, res.stdout).not.toBe('APPROVAL_STALE');
    expect(heal.planHash).toBe(plan.planHash);
    expect(heal.state, res.stdout).toBe('FIXED');
    expect(heal.attempts.find((a) => a.actionId === REBUILD)?.verified).toBe(true);
    // The heal planned with its own nonce and journaled it; its files are named after it.
    const started = heal.timeline.find((e) => e.type === 'action.started' && e.actionId === REBUILD);
    const nonce = started?.data?.['nonce'];
    expect(nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(nonce).not.toBe(rebuild!.nonce);
    expect(await readdir(app)).toContain(`.next.healer-prev-${String(nonce)}.absent`);
    expect(await readFile(join(app, '.next/BUILD_ID'), 'utf8')).toMatch(/\S/);

    // A rollback asked for later (a new execution) reads the nonce from the journal: no build before, so none after.
    const back = await healer(['rollback', heal.executionId, '--json']);
    expect(jsonOf<{ state: string }>(back).state, back.stdout + back.stderr).toBe('ROLLED_BACK');
    const left = await readdir(app);
    expect(left).not.toContain('.next');
    expect(left.filter((f) => f.startsWith('.next.healer-'))).toEqual([]);
  }, 900_000);

  it('a stale approval is still refused: a hash of another plan gives APPROVAL_STALE and changes nothing', async () => {
    const res = await healer(['heal', app, '--mode', 'supervised', '--approve', REBUILD, '--plan-hash', 'f'.repeat(64), '--json']);
    const heal = jsonOf<HealJson>(res);
    expect(heal.error?.code, res.stdout).toBe('APPROVAL_STALE');
    expect(heal.attempts).toEqual([]);
    expect((await readdir(app)).filter((f) => f.startsWith('.next'))).toEqual([]);
  }, 300_000);

  it('a rebuild over an existing build keeps it aside under the nonce; a later rollback puts that build back', async () => {
    const approveAndHeal = async (): Promise<HealJson> => {
      const plan = jsonOf<PlanJson>(await healer(['plan', app, '--json']));
      const res = await healer(['heal', app, '--mode', 'supervised', '--approve', REBUILD, '--plan-hash', plan.planHash, '--json']);
      const heal = jsonOf<HealJson>(res);
      expect(heal.state, res.stdout).toBe('FIXED');
      return heal;
    };
    await approveAndHeal();
    const first = await readFile(join(app, '.next/BUILD_ID'), 'utf8');
    // The sources change after the build: nextjs/build-stale asks for a rebuild.
    await writeFile(join(app, 'pages/index.js'), 'export default function Home() {\n  return <p>hello again</p>;\n}\n');
    const earlier = new Date(Date.now() - 60_000);
    await utimes(join(app, '.next/BUILD_ID'), earlier, earlier);
    const heal = await approveAndHeal();
    expect(await readFile(join(app, '.next/BUILD_ID'), 'utf8')).not.toBe(first);
    const nonce = String(heal.timeline.find((e) => e.type === 'action.started' && e.actionId === REBUILD)?.data?.['nonce']);
    expect(await readFile(join(app, `.next.healer-prev-${nonce}/BUILD_ID`), 'utf8')).toBe(first);

    const back = await healer(['rollback', heal.executionId, '--json']);
    expect(jsonOf<{ state: string }>(back).state, back.stdout + back.stderr).toBe('ROLLED_BACK');
    expect(await readFile(join(app, '.next/BUILD_ID'), 'utf8')).toBe(first);
    // Only this execution's files went; the first heal's marker (its own nonce) is its rollback point.
    const left = (await readdir(app)).filter((f) => f.startsWith('.next.healer-'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.next\.healer-prev-[0-9a-f]{16}\.absent$/);
    expect(left[0]).not.toContain(nonce);
  }, 900_000);
});
