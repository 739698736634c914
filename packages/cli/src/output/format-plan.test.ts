import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHealer, definePlugin, MemoryStateStore } from '@healer/core';
import { createColors } from './color.js';
import { planLines } from './format-plan.js';

const base = await mkdtemp(join(tmpdir(), 'healer-format-plan-'));
afterAll(() => rm(base, { recursive: true, force: true }));

/** A check that warns (without naming fixes) while `.flag` exists, and an action that lists it. */
const notes = definePlugin({
  name: 'notes',
  version: '1.0.0',
  engines: { core: '^1.0.0' },
  stacks: ['notes'],
  signatures: ['notes.marker'],
  detect: async (ctx) => ((await ctx.fs.exists(`${ctx.path}/notes.marker`)) ? { stack: 'notes', confidence: 0.9, evidence: ['notes.marker'] } : null),
  checks: [
    {
      id: 'notes/flag',
      title: 'No flag',
      category: 'configuration',
      severity: 'medium',
      run: async (ctx) => ((await ctx.fs.exists(`${ctx.app.root}/.flag`)) ? { status: 'warn', message: 'a .flag is present' } : { status: 'pass', message: 'no flag' }),
    },
  ],
  actions: [{ id: 'notes/remove-flag', title: 'Remove the flag', risk: 'low', fixes: ['notes/flag'], plan: (ctx) => [{ kind: 'remove', path: `${ctx.app.root}/.flag` }] }],
});

describe('healer plan output', () => {
  it('says which action was not planned because the warning named no fixes', async () => {
    const root = join(base, 'app');
    await mkdir(root);
    await writeFile(join(root, 'notes.marker'), '');
    await writeFile(join(root, '.flag'), '');
    const healer = createHealer({ plugins: [notes], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root);
    await healer.close();
    const lines = planLines(plan, createColors(false), { path: root, globalFlags: [], healFlags: [] });
    expect(lines.slice(2)).toEqual([
      '',
      'Nothing to heal: no check is failing.',
      '',
      'Not planned (a warning is healed only when its result names the action in fixes):',
      '  - notes/remove-flag for notes/flag',
    ]);
  });
});

describe('an action that cannot be undone', () => {
  it('is marked so in the plan, with the reason', async () => {
    const root = join(base, 'stuck');
    await mkdir(root);
    await writeFile(join(root, 'notes.marker'), '');
    const stuck = definePlugin({
      ...notes,
      checks: [{ id: 'notes/stuck', title: 'Not stuck', category: 'availability', severity: 'high', run: async () => ({ status: 'fail', message: 'stuck' }) }],
      actions: [{ id: 'notes/kick', title: 'Kick it', risk: 'high', fixes: ['notes/stuck'], irreversible: 'a kick cannot be taken back', plan: (ctx) => [{ kind: 'remove', path: `${ctx.app.root}/.stuck` }] }],
    });
    const healer = createHealer({ plugins: [stuck], sharedChecks: false, state: new MemoryStateStore() });
    const plan = await healer.plan(root, { mode: 'auto' });
    await healer.close();
    const text = planLines(plan, createColors(false), { path: root, globalFlags: [], healFlags: [] }).join('\n');
    expect(text).toContain('high risk, no backup, cannot be undone: a kick cannot be taken back');
  });
});
