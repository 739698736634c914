/**
 * What a plugin author meets on a first plugin, through the real engine on
 * real folders: step paths must be absolute (refused at plan time), and a
 * warning is healed only when its result names the fix.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, type CheckResult, type Step } from '../src/contract/plugin.js';
import { createHealer } from '../src/healer.js';
import { MemoryStateStore } from '../src/state/memory-store.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'healer-author-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A folder holding `notes.marker` and a `.flag` file: the check reports the flag with `status`. */
async function app(name: string): Promise<string> {
  const root = join(base, name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'notes.marker'), '');
  await writeFile(join(root, '.flag'), 'keep me');
  return root;
}

function notesPlugin(options: { status: 'fail' | 'warn'; resultFixes?: string[]; steps: (root: string) => Step[] }) {
  return definePlugin({
    name: 'notes',
    version: '1.0.0',
    engines: { core: '^1.0.0' },
    stacks: ['notes'],
    signatures: ['notes.marker'],
    async detect(ctx) {
      return (await ctx.fs.exists(`${ctx.path}/notes.marker`)) ? { stack: 'notes', confidence: 0.9, evidence: ['notes.marker'] } : null;
    },
    checks: [
      {
        id: 'notes/flag',
        title: 'No flag',
        category: 'configuration',
        severity: 'medium',
        async run(ctx): Promise<CheckResult> {
          if (!(await ctx.fs.exists(`${ctx.app.root}/.flag`))) return { status: 'pass', message: 'no flag' };
          return { status: options.status, message: 'a .flag is present', ...(options.resultFixes ? { fixes: options.resultFixes } : {}) };
        },
      },
    ],
    actions: [{ id: 'notes/remove-flag', title: 'Remove the flag', risk: 'low', fixes: ['notes/flag'], plan: (ctx) => options.steps(ctx.app.root) }],
  });
}

describe('step paths must be absolute', () => {
  it('a relative step path is refused at plan time: the action is in cannotHeal with the reason, and a heal changes nothing', async () => {
    const root = await app('relative');
    const healer = createHealer({ plugins: [notesPlugin({ status: 'fail', steps: () => [{ kind: 'remove', path: '.flag' }] })], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root);
    expect(plan.autoHeal).toEqual([]);
    expect(plan.cannotHeal).toEqual([
      { checkId: 'notes/flag', reason: 'No applicable action: notes/remove-flag: could not plan (The remove step path must be absolute: ".flag".)' },
    ]);
    const { execution } = await healer.heal(root);
    expect(execution.state).not.toBe('FIXED');
    expect(await readFile(join(root, '.flag'), 'utf8')).toBe('keep me');
    await healer.close();
  });

  it('the same action with an absolute path is planned and heals', async () => {
    const root = await app('absolute');
    const healer = createHealer({ plugins: [notesPlugin({ status: 'fail', steps: (r) => [{ kind: 'remove', path: `${r}/.flag` }] })], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root);
    expect(plan.autoHeal.map((a) => a.actionId)).toEqual(['notes/remove-flag']);
    const { execution } = await healer.heal(root);
    expect(execution.state).toBe('FIXED');
    await healer.close();
  });
});

describe('a warning is healed only when its result names fixes', () => {
  const removeFlag = (r: string): Step[] => [{ kind: 'remove', path: `${r}/.flag` }];

  it('a warning without fixes: the plan says the action that lists the check was not planned, and a heal leaves the app alone', async () => {
    const root = await app('warn-plain');
    const healer = createHealer({ plugins: [notesPlugin({ status: 'warn', steps: removeFlag })], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root);
    expect(plan.autoHeal).toEqual([]);
    expect(plan.cannotHeal).toEqual([]);
    expect(plan.notPlanned).toEqual([
      {
        checkId: 'notes/flag',
        actionId: 'notes/remove-flag',
        reason: "notes/flag only warned and its result names no fixes: a warning is healed only when its result lists the action (fixes: ['notes/remove-flag'])",
      },
    ]);
    const { execution } = await healer.heal(root);
    expect(execution.state).toBe('NOTHING_TO_DO');
    expect(await readFile(join(root, '.flag'), 'utf8')).toBe('keep me');
    await healer.close();
  });

  it('a warning whose result names the action is planned and healed, with nothing in notPlanned', async () => {
    const root = await app('warn-named');
    const plugin = notesPlugin({ status: 'warn', resultFixes: ['notes/remove-flag'], steps: removeFlag });
    const healer = createHealer({ plugins: [plugin], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root);
    expect(plan.autoHeal.map((a) => a.actionId)).toEqual(['notes/remove-flag']);
    expect(plan.notPlanned).toEqual([]);
    const { execution } = await healer.heal(root);
    expect(execution.state).toBe('FIXED');
    await healer.close();
  });
});
