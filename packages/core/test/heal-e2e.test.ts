/**
 * End to end through the SDK: a real app folder served by a real HTTP server
 * that turns unhealthy when its config file changes, healed by the test-only
 * plugin through the whole ladder.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, FolderStateStore, isHealerError, MemoryStateStore, type Fence, type Healer, type TimelineEvent } from '@healer/core';
import { hashFolder, startTestapp, testappFiles, testappPlugin, testdir, writeTree, type RunningTestapp, type TestDir } from '@healer/test-utils';

let dir: TestDir;
let app: string;
let server: RunningTestapp;

beforeEach(async () => {
  dir = await testdir();
  app = join(dir.path, 'site');
  await writeTree(app, testappFiles('broken'));
  server = await startTestapp(app);
});

afterEach(async () => {
  await server.stop();
  await dir.cleanup();
});

function makeHealer(config: Record<string, unknown> = {}, extra: Parameters<typeof createHealer>[0] = {}): Healer {
  return createHealer({
    plugins: [{ plugin: testappPlugin, config }],
    state: new FolderStateStore({ home: join(dir.path, 'home') }),
    sharedChecks: false,
    apps: { [app]: { url: server.url } },
    ...extra,
  });
}

async function status(): Promise<number> {
  return (await fetch(server.url)).status;
}

describe('heal end to end', () => {
  it('climbs the ladder: the low rung is rolled back, the medium rung fixes the app', async () => {
    expect(await status()).toBe(500);
    const healer = makeHealer();
    const { execution, diagnosis } = await healer.heal(app, { mode: 'auto' });

    expect(diagnosis?.status).toBe('fail');
    expect(execution.state).toBe('FIXED');
    expect(execution.attempts.map((a) => [a.actionId, a.verified, a.rolledBack])).toEqual([
      ['testapp/touch-cache', false, true],
      ['testapp/reset-status', true, false],
    ]);
    expect(await status()).toBe(200);
    // The low rung's change (a new cache folder) is gone after its rollback.
    expect(await readdir(app)).not.toContain('cache');
    // Journal: each step announced before the next one (the commands' process groups are journaled between them).
    const types = execution.timeline.map((e) => e.type).filter((t) => t !== 'process.started');
    expect(execution.timeline.some((e) => e.type === 'process.started' && e.data?.host === 'local')).toBe(true);
    const first = types.indexOf('backup.started');
    expect(types.slice(first, first + 8)).toEqual([
      'backup.started',
      'backup.created',
      'apply.started',
      'apply.finished',
      'verify.started',
      'verify.result',
      'rollback.started',
      'rollback.finished',
    ]);
    expect(execution.timeline.map((e) => e.seq)).toEqual(execution.timeline.map((_, i) => i + 1));
    // Backups live beside the app, never inside it.
    const backups = await healer.backups.list();
    expect(backups).toHaveLength(2);
    for (const b of backups) expect(b.dir.startsWith(join(dirname(app), '.healer-backups') + '/')).toBe(true);

    const again = await healer.heal(app, { mode: 'auto' });
    expect(again.execution.state).toBe('NOTHING_TO_DO');
  });

  it('rolls back to a byte-identical tree when no rung verifies', async () => {
    const before = await hashFolder(app);
    const healer = makeHealer({ resetWorks: false });
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('ROLLED_BACK');
    expect(execution.attempts.every((a) => a.rolledBack && !a.verified)).toBe(true);
    expect(execution.timeline.some((e) => e.type === 'escalated')).toBe(true);
    expect(await hashFolder(app)).toBe(before);
    expect(await status()).toBe(500);
  });

  it('rolls a FIXED execution back on request, byte-identical to before the heal', async () => {
    const before = await hashFolder(app);
    const healer = makeHealer();
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    expect(await hashFolder(app)).not.toBe(before);

    const undo = await healer.rollback(execution.executionId);
    expect(undo.state).toBe('ROLLED_BACK');
    expect(undo.rollbackOf).toBe(execution.executionId);
    expect(await hashFolder(app)).toBe(before);
    expect((await healer.execution(execution.executionId))?.attempts.find((a) => a.verified)?.rolledBack).toBe(true);
    await expect(healer.rollback(execution.executionId)).rejects.toSatisfy((e) => isHealerError(e, 'NOTHING_TO_ROLL_BACK'));
  });

  it('waits for approval in manual mode and refuses an approval for another plan', async () => {
    const before = await hashFolder(app);
    const healer = makeHealer();
    const waiting = await healer.heal(app, { mode: 'manual' });
    expect(waiting.execution.state).toBe('AWAITING_APPROVAL');
    expect(waiting.plan?.requireApproval.map((a) => a.actionId)).toEqual(['testapp/touch-cache', 'testapp/reset-status']);

    const stale = await healer.heal(app, { mode: 'manual', approve: { actions: ['testapp/reset-status'], planHash: 'f'.repeat(64) } });
    expect(stale.execution.state).toBe('FAILED');
    expect(stale.execution.error?.code).toBe('APPROVAL_STALE');
    expect(stale.execution.message).toMatch(/approve again/);
    expect(await hashFolder(app)).toBe(before);

    const plan = await healer.plan(app, { mode: 'manual' });
    const ok = await healer.heal(app, { mode: 'manual', approve: { actions: ['testapp/reset-status'], planHash: plan.planHash, fingerprint: plan.fingerprint } });
    expect(ok.execution.state).toBe('FIXED');
    expect(ok.execution.attempts.map((a) => a.actionId)).toEqual(['testapp/reset-status']);
  });

  it('keeps secrets out of results, plans and the journal', async () => {
    const secret = 'hunter2-Sup3rS3cret';
    await writeTree(app, { 'testapp.json': JSON.stringify({ name: 'demo', status: secret }) });
    const healer = makeHealer({}, { secrets: [secret] });
    const events: string[] = [];
    healer.on('timeline', (_id, e) => events.push(JSON.stringify(e)));
    const diagnosis = await healer.diagnose(app);
    const { execution } = await healer.heal(app, { mode: 'auto' });
    const everything = JSON.stringify({ diagnosis, execution, events, history: await healer.history() });
    expect(everything).toContain('***');
    expect(everything).not.toContain(secret);
  });

  it('says which plugins are enabled when nothing is detected', async () => {
    const empty = join(dir.path, 'empty');
    await writeTree(empty, { 'readme.txt': 'nothing here\n' });
    const healer = makeHealer();
    await expect(healer.diagnose(empty)).rejects.toSatisfy(
      (e) => isHealerError(e, 'NO_STACK_DETECTED') && e.message.includes('testapp'),
    );
  });

  it('recovers from its own journal when the state store fails mid-heal', async () => {
    const before = await hashFolder(app);
    const store = new FlakyStore();
    const healer = makeHealer({}, { state: store });
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(store.failed).toBe(true);
    expect(execution.state).toBe('ROLLED_BACK');
    expect(execution.timeline.some((e) => e.type === 'recovered')).toBe(true);
    expect(await hashFolder(app)).toBe(before);
  });

  it('hands every action frozen contexts, in the ladder and in recovery', async () => {
    const seen: Array<{ where: string; frozen: boolean; backup?: boolean }> = [];
    const plugin = definePlugin({
      ...testappPlugin,
      actions: testappPlugin.actions.map((a): (typeof testappPlugin.actions)[number] => ({
        ...a,
        plan: (ctx) => {
          seen.push({ where: `${a.id} plan`, frozen: Object.isFrozen(ctx) });
          return a.plan(ctx);
        },
        apply: async (ctx, steps) => {
          seen.push({ where: `${a.id} apply`, frozen: Object.isFrozen(ctx) });
          await a.apply!(ctx, steps);
        },
        verify: async (ctx) => {
          seen.push({ where: `${a.id} verify`, frozen: Object.isFrozen(ctx) });
          return true;
        },
        rollback: async (ctx) => {
          seen.push({ where: `${a.id} rollback`, frozen: Object.isFrozen(ctx), backup: ctx.backup !== null });
          await a.rollback!(ctx);
        },
      })),
    });
    const before = await hashFolder(app);
    const store = new FlakyStore();
    const healer = makeHealer({}, { state: store, plugins: [{ plugin, config: {} }] });
    const { execution } = await healer.heal(app, { mode: 'auto' });
    // touch-cache is rolled back by the ladder; reset-status, verified, by recovery (its fix could not be journaled).
    expect(execution.state).toBe('ROLLED_BACK');
    expect(await hashFolder(app)).toBe(before);
    expect(seen.map((s) => s.where)).toEqual(
      expect.arrayContaining(['testapp/reset-status plan', 'testapp/reset-status apply', 'testapp/reset-status verify', 'testapp/touch-cache rollback', 'testapp/reset-status rollback']),
    );
    expect(seen.filter((s) => !s.frozen)).toEqual([]);
    expect(seen.filter((s) => s.where.endsWith('rollback')).every((s) => s.backup)).toBe(true);
  });
});

/** A store that fails once, on recording a verified fix: the journal cannot prove the fix, so it is undone. */
class FlakyStore extends MemoryStateStore {
  failed = false;
  override async appendEvent(id: string, event: TimelineEvent, fence?: Fence): Promise<void> {
    if (!this.failed && event.type === 'action.fixed') {
      this.failed = true;
      throw new Error('disk full');
    }
    return super.appendEvent(id, event, fence);
  }
}
