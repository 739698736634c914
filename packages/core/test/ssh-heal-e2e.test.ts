/**
 * The foundation's end-to-end heal, over SSH: a real app folder served by a
 * real HTTP server, healed through the whole ladder by the test-only plugin,
 * every command and file operation going through SshExecutor to a real sshd
 * on loopback. Also: a heal process killed with SIGKILL mid-apply is
 * recovered over SSH, byte-identical.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, FolderStateStore, SshExecutor, type Healer } from '@healer/core';
import { hashFolder, sshOptions, startBrokenTestapp, startSshd, testappPlugin, type RunningSshd, type RunningTestapp, type TestDir } from '@healer/test-utils';

/** The built packages a child process imports (run `pnpm build` first). */
const CORE_DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const TEST_UTILS_DIST = fileURLToPath(new URL('../../test-utils/dist/index.js', import.meta.url));

let sshd: RunningSshd;
let dir: TestDir;
let app: string;
let home: string;
let server: RunningTestapp;
const healers: Healer[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function makeHealer(config: Record<string, unknown> = {}): Healer {
  const healer = createHealer({
    executor: new SshExecutor(sshOptions(sshd)),
    plugins: [{ plugin: testappPlugin, config }],
    state: new FolderStateStore({ home }),
    sharedChecks: false,
    apps: { [app]: { url: server.url } },
  });
  healers.push(healer);
  return healer;
}

async function status(): Promise<number> {
  return (await fetch(server.url)).status;
}

describe('heal end to end over SSH', () => {
  beforeEach(async () => {
    ({ dir, app, home, server } = await startBrokenTestapp());
  });

  afterEach(async () => {
    await Promise.all(healers.splice(0).map((h) => h.close()));
    await server.stop();
    await dir.cleanup();
  });

  it('diagnoses over SSH, climbs the ladder and fixes the app', async () => {
    expect(await status()).toBe(500);
    const healer = makeHealer();
    expect(healer.host).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);

    const diagnosis = await healer.diagnose(app);
    expect(diagnosis.status).toBe('fail');
    expect(diagnosis.transport).toMatchObject({ kind: 'ssh', mode: 'persistent-shell' });
    expect(diagnosis.results.find((r) => r.id === 'testapp/status-ok')?.status).toBe('fail');

    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    expect(execution.attempts.map((a) => [a.actionId, a.verified, a.rolledBack])).toEqual([
      ['testapp/touch-cache', false, true],
      ['testapp/reset-status', true, false],
    ]);
    expect(await status()).toBe(200);
    expect(JSON.parse(await readFile(join(app, 'testapp.json'), 'utf8'))).toMatchObject({ status: 'ok' });
    // The low rung's change was rolled back over SSH.
    expect(await readdir(app)).not.toContain('cache');
    // Backups were written over SSH, beside the app.
    const backups = await healer.backups.list();
    expect(backups).toHaveLength(2);
    for (const b of backups) {
      expect(b.dir.startsWith(join(dirname(app), '.healer-backups') + '/')).toBe(true);
      expect(existsSync(b.dir)).toBe(true);
    }

    expect((await healer.heal(app, { mode: 'auto' })).execution.state).toBe('NOTHING_TO_DO');
  });

  it('rolls back to a byte-identical tree when no rung verifies', async () => {
    const before = await hashFolder(app);
    const healer = makeHealer({ resetWorks: false });
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('ROLLED_BACK');
    expect(execution.attempts.map((a) => a.actionId)).toEqual(['testapp/touch-cache', 'testapp/reset-status']);
    expect(execution.attempts.every((a) => a.rolledBack && !a.verified)).toBe(true);
    expect(await hashFolder(app)).toBe(before);
    expect(await status()).toBe(500);
  });

  it('rolls a FIXED execution back on request, byte-identical', async () => {
    const before = await hashFolder(app);
    const healer = makeHealer();
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    const undo = await healer.rollback(execution.executionId);
    expect(undo.state).toBe('ROLLED_BACK');
    expect(await hashFolder(app)).toBe(before);
  });

  it('recovers over SSH after the healing process is killed with SIGKILL mid-apply', async () => {
    const before = await hashFolder(app);
    const script = join(dir.path, 'heal-over-ssh.mjs');
    await writeFile(script, CHILD_SCRIPT);
    const child = spawn(
      process.execPath,
      [script, JSON.stringify({ core: CORE_DIST, testUtils: TEST_UTILS_DIST, options: sshOptions(sshd), app, url: server.url, home })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));

    // Wait until the journal says reset-status is being applied and its half-done change is on disk.
    let executionId: string | undefined;
    const deadline = Date.now() + 30_000;
    while (executionId === undefined) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`reset-status never started applying:\n${output}`);
      for (const [id, events] of await readJournals(home)) {
        if (events.some((e) => e.type === 'apply.started' && e.actionId === 'testapp/reset-status') && existsSync(join(app, 'partial.tmp'))) executionId = id;
      }
      if (executionId === undefined) await sleep(50);
    }
    expect(await hashFolder(app)).not.toBe(before);
    child.kill('SIGKILL');
    expect(await ended).toBe('SIGKILL');

    const healer = makeHealer();
    const interrupted = await healer.execution(executionId);
    expect(interrupted?.state).toBe('APPLYING');
    // The killed process was healing over SSH, and so does the recovery.
    expect(interrupted?.target.host).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(healer.host).toBe(interrupted?.target.host);
    const reports = await healer.recover();
    expect(reports).toEqual([expect.objectContaining({ executionId, state: 'ROLLED_BACK' })]);
    expect(await hashFolder(app)).toBe(before);
    const recovered = await healer.execution(executionId);
    expect(recovered?.state).toBe('ROLLED_BACK');
    expect(recovered?.timeline.map((e) => e.type)).toContain('recovered');
    expect(await healer.recover()).toEqual([]);
  });
});

/** A heal over SSH in its own process, slow in the middle of reset-status's apply so the test can kill it. */
const CHILD_SCRIPT = `
import { pathToFileURL } from 'node:url';
const input = JSON.parse(process.argv[2]);
const core = await import(pathToFileURL(input.core).href);
const { testappPlugin } = await import(pathToFileURL(input.testUtils).href);
const healer = core.createHealer({
  executor: new core.SshExecutor(input.options),
  plugins: [{ plugin: testappPlugin, config: { slowApplyMs: 60000 } }],
  state: new core.FolderStateStore({ home: input.home }),
  sharedChecks: false,
  apps: { [input.app]: { url: input.url } },
});
const { execution } = await healer.heal(input.app, { mode: 'auto' });
console.log(execution.state);
await healer.close();
`;

/** The timeline of every execution in a FolderStateStore home, read straight from disk. */
async function readJournals(folder: string): Promise<Map<string, Array<{ type: string; actionId?: string }>>> {
  const out = new Map<string, Array<{ type: string; actionId?: string }>>();
  const ids = await readdir(join(folder, 'executions')).catch(() => [] as string[]);
  for (const id of ids) {
    const text = await readFile(join(folder, 'executions', id, 'timeline.jsonl'), 'utf8').catch(() => '');
    const events = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { type: string; actionId?: string }];
        } catch {
          return [];
        }
      });
    out.set(id, events);
  }
  return out;
}
