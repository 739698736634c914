/**
 * The action contract harness (`checkActionContract`) on the test stack,
 * served for real: an action that keeps the contract passes all four
 * phases, and actions that break it are caught phase by phase.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, restoreBackup, type PluginDefinition } from '@healer/core';
import { checkActionContract, startTestapp, testappFiles, testappPlugin, testdir, writeTree, type ActionScenario } from '@healer/test-utils';

function scenario(actionId: string, plugin: PluginDefinition = testappPlugin): ActionScenario {
  return {
    actionId,
    plugin,
    async setup() {
      const dir = await testdir();
      const root = join(dir.path, 'site');
      await writeTree(root, testappFiles('broken'));
      const server = await startTestapp(root);
      return {
        target: root,
        options: { state: new MemoryStateStore(), sharedChecks: false, apps: { [root]: { url: server.url } } },
        async drift() {
          await writeFile(join(root, 'testapp.json'), JSON.stringify({ name: 'demo', version: '2.1.0', status: 'broken', edited: 'by hand' }, null, 2) + '\n');
        },
        async cleanup() {
          await server.stop();
          await dir.cleanup();
        },
      };
    },
  };
}

const resetStatus = testappPlugin.actions.find((a) => a.id === 'testapp/reset-status')!;

function variant(overrides: Partial<typeof resetStatus>): PluginDefinition {
  return { ...testappPlugin, actions: [{ ...resetStatus, ...overrides }] } as PluginDefinition;
}

describe('checkActionContract', () => {
  it('passes an action that keeps the contract', async () => {
    expect(await checkActionContract(scenario('testapp/reset-status'))).toEqual({ planTwice: [], roundTrip: [], driftBeforeApply: [], driftBeforeRollback: [] });
  });

  it('catches a plan that differs each time, and a rollback that does not put everything back', async () => {
    let n = 0;
    const drifting = variant({
      plan: (ctx) => [{ kind: 'write-file', path: `${ctx.app.root}/testapp.json`, content: JSON.stringify({ status: 'ok', n: (n += 1) }) + '\n' }],
    });
    const report = await checkActionContract(scenario('testapp/reset-status', drifting));
    expect(report.planTwice[0]).toMatch(/^the plan hash differs/);

    const leaky = variant({
      backup: { paths: ['testapp.json'] },
      async apply(ctx, steps) {
        await ctx.fs.writeFile(`${ctx.app.root}/public/extra.html`, 'left behind\n');
        const step = steps[0];
        if (step?.kind === 'write-file') await ctx.fs.writeFile(step.path, step.content);
      },
      rollback: restoreBackup,
    });
    expect((await checkActionContract(scenario('testapp/reset-status', leaky))).roundTrip).toEqual([
      'after the rollback the app is not byte-identical to before the heal',
    ]);
  });
});
