/**
 * Named operations through the real engine on real folders: a plan shows an
 * op step as data, the engine applies it (the action has no apply()),
 * refuses it when the app changed between the plan and the apply, waits for
 * settle(), and a rollback asked for later refuses when what the operation
 * left was changed since (read back through the operation's `read()`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHealer, definePlugin, HealerError, MemoryStateStore, opStep, type HealingAction, type Operation, type PluginDefinition } from '@healer/core';
import { testdir, type TestDir } from '@healer/test-utils';

let dir: TestDir;
beforeAll(async () => {
  dir = await testdir();
});
afterAll(async () => {
  await dir.cleanup();
});

/** A folder holding `kv.marker` and `store.json` (`{ "color": ... }`). */
async function app(name: string, color = 'red'): Promise<string> {
  const root = join(dir.path, name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'kv.marker'), '');
  await writeFile(join(root, 'store.json'), JSON.stringify({ color }));
  return root;
}

async function colorOf(root: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'store.json'), 'utf8')) as { color: string }).color;
}

const setColor: Operation<{ to: string; was: string }> = {
  id: 'kv/set-color',
  args: z.object({ to: z.string().min(1), was: z.string() }),
  describe: ({ to, was }) => `set color to ${JSON.stringify(to)} (was ${JSON.stringify(was)})`,
  async apply(ctx, { to }) {
    await ctx.fs.writeFile(`${ctx.app.root}/store.json`, JSON.stringify({ color: to }));
  },
  async read(ctx) {
    const text = await ctx.fs.readText(`${ctx.app.root}/store.json`);
    return text === null ? null : JSON.stringify((JSON.parse(text) as { color: string }).color);
  },
};

type KvAction = HealingAction;

function kvPlugin(overrides: Partial<KvAction> = {}, operations: Operation[] = [setColor]): PluginDefinition {
  return definePlugin({
    name: 'kv',
    version: '1.0.0',
    engines: { core: '^1.0.0' },
    stacks: ['kv'],
    signatures: ['kv.marker'],
    async detect(ctx) {
      return (await ctx.fs.exists(`${ctx.path}/kv.marker`)) ? { stack: 'kv', confidence: 0.9, evidence: ['kv.marker'] } : null;
    },
    checks: [
      {
        id: 'kv/color',
        title: 'The color is green',
        category: 'configuration',
        severity: 'medium',
        async run(ctx) {
          const color = (JSON.parse((await ctx.fs.readText(`${ctx.app.root}/store.json`)) ?? '{}') as { color?: string }).color;
          return color === 'green' ? { status: 'pass', message: 'green' } : { status: 'fail', message: `the color is ${color}`, details: { color } };
        },
      },
    ],
    operations,
    // The saved store has no fingerprint: only the operation's read() can tell drift.
    backup: {
      parts: [
        {
          name: 'store',
          async create(ctx, partDir) {
            await ctx.exec.writeFile(`${partDir}/store.json`, (await ctx.fs.readText(`${ctx.app.root}/store.json`)) ?? '');
          },
          async restore(ctx, _record, partDir) {
            await ctx.fs.writeFile(`${ctx.app.root}/store.json`, (await ctx.fs.readText(`${partDir}/store.json`)) ?? '');
          },
        },
      ],
    },
    actions: [
      {
        id: 'kv/make-green',
        title: 'Make it green',
        risk: 'medium',
        fixes: ['kv/color'],
        backup: { paths: [], parts: ['store'] },
        async plan(ctx) {
          const was = String(ctx.results[0]?.details?.['color'] ?? '');
          const now = (JSON.parse((await ctx.fs.readText(`${ctx.app.root}/store.json`)) ?? '{}') as { color?: string }).color ?? '';
          return [opStep(setColor, { to: 'green', was: now || was })];
        },
        async rollback(ctx) {
          await ctx.backup!.restore();
        },
        ...overrides,
      },
    ],
  });
}

function healerFor(plugin: PluginDefinition) {
  return createHealer({ plugins: [plugin], sharedChecks: false, state: new MemoryStateStore() });
}

describe('operations', () => {
  it('a plan shows the op step as data, with the same hash when planned twice, and the engine applies it', async () => {
    const root = await app('apply');
    const healer = healerFor(kvPlugin());
    const first = await healer.plan(root, { mode: 'auto' });
    const second = await healer.plan(root, { mode: 'auto' });
    expect(first.autoHeal[0]?.steps).toEqual([{ kind: 'op', write: true, display: 'kv/set-color: set color to "green" (was "red")' }]);
    expect(second.planHash).toBe(first.planHash);
    const { execution } = await healer.heal(root, { mode: 'auto' });
    expect(execution.state, execution.message).toBe('FIXED');
    expect(await colorOf(root)).toBe('green');
    const fixed = execution.timeline.find((e) => e.type === 'action.fixed');
    expect(fixed?.data?.['left']).toEqual([{ probe: { kind: 'op', op: 'kv/set-color', args: { to: 'green', was: 'red' } }, value: '"green"' }]);
    await healer.close();
  });

  it('refuses to apply when the app changed between the plan and the apply, and changes nothing', async () => {
    const root = await app('drift-before');
    let calls = 0;
    const plugin = kvPlugin({
      // The engine's second call is its plan again just before applying: someone sets the color in between.
      async preconditions(): Promise<true> {
        calls += 1;
        if (calls === 2) await writeFile(join(root, 'store.json'), JSON.stringify({ color: 'yellow' }));
        return true;
      },
    });
    const healer = healerFor(plugin);
    const { execution } = await healer.heal(root, { mode: 'auto' });
    expect(calls).toBe(2);
    expect(execution.state).not.toBe('FIXED');
    const skipped = execution.timeline.find((e) => e.type === 'action.skipped');
    expect(skipped?.message).toContain('the application changed since the plan was made, so nothing was changed');
    expect(skipped?.message).toContain('(was "red")');
    expect(skipped?.message).toContain('(was "yellow")');
    expect(execution.timeline.some((e) => e.type === 'apply.started')).toBe(false);
    expect(await colorOf(root)).toBe('yellow');
    await healer.close();
  });

  it('a later rollback refuses when what the operation left changed since; force rolls back', async () => {
    const root = await app('drift-after');
    const healer = healerFor(kvPlugin());
    const { execution } = await healer.heal(root, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    await writeFile(join(root, 'store.json'), JSON.stringify({ color: 'blue' }));
    const refused = await healer.rollback(execution.executionId);
    expect(refused.state).toBe('FAILED');
    expect(refused.error?.code).toBe('ROLLBACK_DRIFT');
    expect(refused.message).toContain('what kv/set-color');
    expect(await colorOf(root)).toBe('blue');
    const forced = await healer.rollback(execution.executionId, { force: true });
    expect(forced.state, forced.message).toBe('ROLLED_BACK');
    expect(await colorOf(root)).toBe('red');
    await healer.close();
  });

  it('a later rollback without drift puts the value back', async () => {
    const root = await app('no-drift');
    const healer = healerFor(kvPlugin());
    const { execution } = await healer.heal(root, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    const back = await healer.rollback(execution.executionId);
    expect(back.state, back.message).toBe('ROLLED_BACK');
    expect(await colorOf(root)).toBe('red');
    await healer.close();
  });

  it('a settle() that throws leaves the change unverified and rolled back', async () => {
    const root = await app('settle');
    const healer = healerFor(
      kvPlugin({
        async settle() {
          throw new HealerError('COMMAND_FAILED', 'it never answered');
        },
      }),
    );
    const { execution } = await healer.heal(root, { mode: 'auto' });
    expect(execution.state).toBe('ROLLED_BACK');
    const result = execution.timeline.find((e) => e.type === 'verify.result');
    expect(result?.message).toBe('Not verified: the app did not settle after the change: it never answered');
    expect(await colorOf(root)).toBe('red');
    await healer.close();
  });

  it('a step naming an undeclared operation, or arguments its schema refuses, is refused at plan time', async () => {
    const root = await app('unknown-op');
    const unknown = healerFor(kvPlugin({ plan: () => [{ kind: 'op', op: 'kv/paint', args: {} }] }));
    expect((await unknown.plan(root, { mode: 'auto' })).cannotHeal[0]?.reason).toContain('names the operation "kv/paint", which the plugin does not declare (its operations: kv/set-color)');
    const invalid = healerFor(kvPlugin({ plan: () => [{ kind: 'op', op: 'kv/set-color', args: { to: '', was: 'red' } }] }));
    expect((await invalid.plan(root, { mode: 'auto' })).cannotHeal[0]?.reason).toContain('The arguments of operation "kv/set-color" are invalid: to:');
    const { execution } = await invalid.heal(root, { mode: 'auto' });
    expect(execution.state).not.toBe('FIXED');
    expect(await colorOf(root)).toBe('red');
    await unknown.close();
    await invalid.close();
  });

  it('registration refuses operations outside the namespace, without schema or apply', () => {
    const bad = { id: 'other/x', describe: () => 'x' } as unknown as Operation;
    expect(() => healerFor(kvPlugin({}, [setColor, bad]))).toThrow(/operation id "other\/x" must be namespaced as "kv\/kebab-case"[\s\S]*needs a zod schema as args[\s\S]*has no apply\(\)/);
    expect(() => healerFor(kvPlugin({}, [setColor, setColor]))).toThrow(/id "kv\/set-color" is declared twice/);
  });
});
