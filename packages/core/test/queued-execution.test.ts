/**
 * An execution id before the run: `createExecution` records a QUEUED heal,
 * `heal(target, { executionId })` runs that very record (once), recovery
 * leaves QUEUED ones alone, and every journal event has a declared type.
 * Real app folder, real HTTP server, real folder store.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appIdFor, createHealer, ExecutionSchema, FolderStateStore, isHealerError, TimelineEventSchema, TimelineEventTypeSchema, type Healer } from '@healer/core';
import { startBrokenTestapp, testappPlugin, type RunningTestapp, type TestDir } from '@healer/test-utils';

let dir: TestDir;
let app: string;
let server: RunningTestapp;
let healer: Healer;

beforeEach(async () => {
  ({ dir, app, server } = await startBrokenTestapp());
  healer = createHealer({
    plugins: [{ plugin: testappPlugin, config: {} }],
    state: new FolderStateStore({ home: join(dir.path, 'home') }),
    sharedChecks: false,
    apps: { [app]: { url: server.url } },
  });
});

afterEach(async () => {
  await healer.close();
  await server.stop();
  await dir.cleanup();
});

const invalid = (e: unknown): boolean => isHealerError(e, 'INVALID_ARGUMENT');

describe('an execution created before its run', () => {
  it('is QUEUED with its id, app id and target; heal(target, { executionId }) runs that record once', async () => {
    const id = await healer.createExecution(app, { mode: 'auto' });
    const queued = await healer.execution(id);
    expect(queued).toMatchObject({ executionId: id, kind: 'heal', state: 'QUEUED', appId: appIdFor('local', app), target: { host: 'local', path: app }, mode: 'auto' });
    expect(queued?.timeline.map((e) => e.type)).toEqual(['execution.queued']);
    expect((await healer.history({ states: ['QUEUED'] })).items.map((e) => e.executionId)).toEqual([id]);
    // Recovery leaves it alone: it never started and changed nothing.
    expect(await healer.recover()).toEqual([]);
    expect((await healer.execution(id))?.state).toBe('QUEUED');

    const { execution } = await healer.heal(app, { mode: 'auto', executionId: id });
    expect(execution.executionId).toBe(id);
    expect(execution.state).toBe('FIXED');
    expect(execution.timeline.slice(0, 2).map((e) => e.type)).toEqual(['execution.queued', 'execution.started']);
    expect(execution.timeline.map((e) => e.seq)).toEqual(execution.timeline.map((_, i) => i + 1));
    expect((await healer.history()).items.map((e) => e.executionId)).toEqual([id]);

    // Not QUEUED any more: refused, and the record is untouched.
    await expect(healer.heal(app, { mode: 'auto', executionId: id })).rejects.toSatisfy(invalid);
    expect(await healer.execution(id)).toEqual(execution);
  });

  it('refuses an unknown id, and one queued for another target (which stays QUEUED)', async () => {
    await expect(healer.heal(app, { executionId: 'ex_nope' })).rejects.toSatisfy(invalid);
    const id = await healer.createExecution(join(dir.path, 'elsewhere'));
    await expect(healer.heal(app, { executionId: id })).rejects.toSatisfy((e) => invalid(e) && (e as Error).message.includes('elsewhere'));
    expect((await healer.execution(id))?.state).toBe('QUEUED');
    expect((await healer.history()).items).toHaveLength(1);
  });

  it('a queued heal that cannot start (its settings unreadable) ends FAILED with why, not QUEUED for good', async () => {
    const id = await healer.createExecution(app, { mode: 'auto' });
    const broken = createHealer({
      plugins: [{ plugin: testappPlugin, config: {} }],
      state: new FolderStateStore({ home: join(dir.path, 'home') }),
      sharedChecks: false,
      settingsFor: async () => {
        throw new Error('the settings database does not answer');
      },
    });
    try {
      await expect(broken.heal(app, { executionId: id })).rejects.toThrow(/settings database/);
    } finally {
      await broken.close();
    }
    const failed = await healer.execution(id);
    expect(failed).toMatchObject({ state: 'FAILED', error: { code: 'INTERNAL', message: 'the settings database does not answer' } });
    expect(failed?.message).toBe('The heal could not start: the settings database does not answer');
    expect(failed?.timeline.at(-1)).toMatchObject({ type: 'execution.finished', state: 'FAILED' });
    // Ended: a later run of it is refused, and nothing ran.
    await expect(healer.heal(app, { executionId: id })).rejects.toSatisfy(invalid);
    expect(await readFile(join(app, 'testapp.json'), 'utf8')).toContain('broken');
  });

  it('two workers given the same id at once: exactly one runs it', async () => {
    const id = await healer.createExecution(app, { mode: 'auto' });
    const other = createHealer({
      plugins: [{ plugin: testappPlugin, config: {} }],
      state: new FolderStateStore({ home: join(dir.path, 'home') }),
      sharedChecks: false,
      apps: { [app]: { url: server.url } },
    });
    const results = await Promise.allSettled([healer.heal(app, { mode: 'auto', executionId: id }), other.heal(app, { mode: 'auto', executionId: id })]);
    const ran = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ran).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(invalid((refused[0] as PromiseRejectedResult).reason)).toBe(true);
    expect((await healer.execution(id))?.state).toBe('FIXED');
    expect((await healer.history()).items).toHaveLength(1);
  });
});

describe('timeline event types', () => {
  it('every event a heal writes has a declared type, and an undeclared one is refused', async () => {
    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(() => ExecutionSchema.parse(execution)).not.toThrow();
    for (const e of execution.timeline) expect(TimelineEventTypeSchema.options).toContain(e.type);
    expect(TimelineEventSchema.safeParse({ seq: 1, at: '2026-01-01T00:00:00.000Z', type: 'step', message: 'x' }).success).toBe(false);
    const schema = JSON.parse(await readFile(new URL('../schema/execution.json', import.meta.url), 'utf8')) as {
      properties: { timeline: { items: { properties: { type: { enum: string[] } } } }; state: { enum: string[] } };
    };
    expect(schema.properties.timeline.items.properties.type.enum).toEqual(TimelineEventTypeSchema.options);
    expect(schema.properties.state.enum).toContain('QUEUED');
  });
});
