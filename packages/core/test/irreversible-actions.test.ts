/**
 * Actions that cannot be undone (`irreversible`: a killed query, a restart):
 * registration allows them only from medium risk up and without a
 * rollback; the plan says so; a failed verification escalates with nothing
 * rolled back; a rollback of the execution undoes the other actions and
 * leaves them, or is refused when they are all it applied. On real files.
 */
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHealer, definePlugin, isHealerError, MemoryStateStore, restoreBackup, type CheckContext, type DetectContext, type HealingAction, type Healer } from '../src/index.js';

const configSchema = z.object({ pokeWorks: z.boolean().default(true) });
type Config = z.output<typeof configSchema>;

const fileIs = (name: string) => ({
  id: `x/${name}`,
  title: `${name} is ok`,
  category: 'system' as const,
  severity: 'high' as const,
  async run(ctx: CheckContext<Config>) {
    const text = await ctx.fs.readFile(`${ctx.app.root}/${name}`).then((b) => Buffer.from(b).toString(), () => '');
    return text.trim() === 'ok' ? { status: 'pass' as const, message: 'ok' } : { status: 'fail' as const, message: `${name} is "${text.trim()}"` };
  },
});

function plugin(poke: Partial<HealingAction<Config>> = {}) {
  return definePlugin({
    name: 'x',
    version: '1.0.0',
    engines: { core: '^1.0.0' },
    stacks: ['x'],
    signatures: ['x.marker'],
    configSchema,
    async detect(ctx: DetectContext<Config>) {
      return (await ctx.fs.exists(`${ctx.path}/x.marker`)) ? { stack: 'x', confidence: 0.9, evidence: ['x.marker'] } : null;
    },
    checks: [fileIs('a'), fileIs('b')],
    actions: [
      {
        id: 'x/fix-a',
        title: 'Fix a',
        risk: 'medium',
        fixes: ['x/a'],
        backup: { paths: ['a'] },
        plan: (ctx) => [{ kind: 'write-file', path: `${ctx.app.root}/a`, content: 'ok\n', description: 'write ok to a' }],
        rollback: restoreBackup,
      },
      {
        id: 'x/poke-b',
        title: 'Poke b',
        risk: 'high',
        fixes: ['x/b'],
        irreversible: 'a poke cannot be taken back',
        plan: (ctx) => [{ kind: 'write-file', path: `${ctx.app.root}/b`, content: ctx.config.pokeWorks ? 'ok\n' : 'poked, still bad\n', description: 'poke b' }],
        ...poke,
      },
    ],
  });
}

let root: string;
let healer: Healer | null = null;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'healer-irreversible-')));
  await writeFile(join(root, 'x.marker'), '');
  await writeFile(join(root, 'a'), 'broken\n');
  await writeFile(join(root, 'b'), 'broken\n');
});

afterEach(async () => {
  await healer?.close();
  healer = null;
  await rm(root, { recursive: true, force: true });
});

function make(config: Partial<Config> = {}, poke: Partial<HealingAction<Config>> = {}): Healer {
  healer = createHealer({ plugins: [{ plugin: plugin(poke), config }], state: new MemoryStateStore(), sharedChecks: false, backupRoot: join(root, '..', `${root.split('/').pop()}-backups`), breaker: { cooldownMs: 0 } });
  return healer;
}

async function healAll(h: Healer) {
  const plan = await h.plan(root, { mode: 'auto' });
  return { plan, outcome: await h.heal(root, { mode: 'auto', approve: { all: true, planHash: plan.planHash } }) };
}

describe('actions that cannot be undone', () => {
  it('registration: medium risk or above, without a rollback, with a reason', () => {
    const refused = (poke: Partial<HealingAction<Config>>): string => {
      try {
        make({}, poke);
        return 'registered';
      } catch (e) {
        return isHealerError(e) ? `${e.code}: ${e.message}` : String(e);
      }
    };
    expect(refused({ risk: 'low' })).toMatch(/^ACTION_UNSAFE: [^]*x\/poke-b" cannot be undone: it must be medium risk or above/);
    expect(refused({ risk: 'medium' })).toBe('registered');
    expect(refused({ rollback: restoreBackup })).toMatch(/cannot be undone and declares a rollback/);
    expect(refused({ irreversible: ' ' })).toMatch(/irreversible must say why/);
    expect(refused({})).toBe('registered');
  });

  it('the plan says it cannot be undone, and asks a person', async () => {
    const plan = await make().plan(root, { mode: 'auto' });
    const poke = plan.requireApproval.find((a) => a.actionId === 'x/poke-b');
    expect(poke).toMatchObject({ irreversible: 'a poke cannot be taken back', backup: false });
    expect(plan.autoHeal.find((a) => a.actionId === 'x/fix-a')?.irreversible).toBeUndefined();
  });

  it('a failed verification escalates with nothing rolled back (the other action stays fixed)', async () => {
    const { outcome } = await healAll(make({ pokeWorks: false }));
    const e = outcome.execution;
    expect(e.state).toBe('ESCALATED');
    expect(e.message).toMatch(/x\/poke-b did not fix x\/b .*a poke cannot be taken back, so nothing was rolled back: a person is needed/);
    expect(e.timeline.some((t) => t.type === 'rollback.started' && t.actionId === 'x/poke-b')).toBe(false);
    expect(await readFile(join(root, 'b'), 'utf8')).toBe('poked, still bad\n');
    expect(await readFile(join(root, 'a'), 'utf8')).toBe('ok\n');
  });

  it('a rollback undoes the other actions and leaves it, saying so', async () => {
    const h = make();
    const { outcome } = await healAll(h);
    expect(outcome.execution.state).toBe('FIXED');
    const back = await h.rollback(outcome.execution.executionId);
    expect(back.state).toBe('ROLLED_BACK');
    expect(back.message).toMatch(/Rolled back x\/fix-a .*Left as they are, as they cannot be undone: x\/poke-b \(a poke cannot be taken back\)/);
    expect(await readFile(join(root, 'a'), 'utf8')).toBe('broken\n');
    expect(await readFile(join(root, 'b'), 'utf8')).toBe('ok\n');
  });

  it('a rollback of an execution that applied only such actions is refused before anything runs', async () => {
    await writeFile(join(root, 'a'), 'ok\n');
    const h = make();
    const { outcome } = await healAll(h);
    expect(outcome.execution.attempts.map((a) => [a.actionId, a.verified])).toEqual([['x/poke-b', true]]);
    const err = await h.rollback(outcome.execution.executionId).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOTHING_TO_ROLL_BACK', message: expect.stringContaining('x/poke-b (a poke cannot be taken back)') });
    expect((await h.history()).items.map((x) => x.kind)).toEqual(['heal']);
  });
});
