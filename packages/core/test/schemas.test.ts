/**
 * The published JSON shapes: the JSON Schema files `pnpm build` writes, and
 * real outputs of a diagnose, a plan and a heal of a real app against them.
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestapp, testappFiles, testappPlugin, testdir, type RunningTestapp, type TestDir } from '@healer/test-utils';
import { createHealer, DiagnosisSchema, ExecutionSchema, PlanSchema, type Healer } from '@healer/core';
import { PUBLISHED_SCHEMAS } from '../src/schemas.js';

type JsonSchema = {
  $schema?: string;
  $id?: string;
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
};

const SCHEMA_DIR = new URL('../schema/', import.meta.url);
const readSchema = async (name: string): Promise<JsonSchema> => JSON.parse(await readFile(new URL(`${name}.json`, SCHEMA_DIR), 'utf8')) as JsonSchema;

const REQUIRED: Record<keyof typeof PUBLISHED_SCHEMAS, string[]> = {
  diagnosis: ['target', 'app', 'status', 'healthScore', 'results', 'startedAt', 'durationMs'],
  plan: ['app', 'target', 'mode', 'planHash', 'fingerprint', 'createdAt', 'autoHeal', 'requireApproval', 'cannotHeal', 'deferred', 'notPlanned'],
  execution: ['executionId', 'kind', 'appId', 'target', 'plugin', 'mode', 'state', 'planHash', 'message', 'nextAttemptAt', 'attempts', 'timeline', 'startedAt', 'finishedAt'],
};

describe('published JSON Schema files (written by pnpm build)', () => {
  for (const name of Object.keys(PUBLISHED_SCHEMAS) as Array<keyof typeof PUBLISHED_SCHEMAS>) {
    it(`${name}.json is a draft 2020-12 object schema with the expected required keys`, async () => {
      const schema = await readSchema(name);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`urn:healer:schema:${name}`);
      expect(schema.type).toBe('object');
      expect([...(schema.required ?? [])].sort()).toEqual([...REQUIRED[name]].sort());
      for (const key of schema.required ?? []) expect(schema.properties).toHaveProperty(key);
      expect(schema.additionalProperties).toBe(false);
    });

    it(`${name}.json matches the zod schema it is generated from (not stale)`, async () => {
      const fresh = { ...z.toJSONSchema(PUBLISHED_SCHEMAS[name], { target: 'draft-2020-12' }), $id: `urn:healer:schema:${name}` };
      expect(await readSchema(name)).toEqual(JSON.parse(JSON.stringify(fresh)));
    });
  }
});

describe('real outputs validate against the zod schemas and the published JSON Schema', () => {
  let app: TestDir;
  let backups: string;
  let server: RunningTestapp;
  let healer: Healer;
  const published: Partial<Record<keyof typeof PUBLISHED_SCHEMAS, z.ZodType>> = {};

  beforeAll(async () => {
    app = await testdir(testappFiles('broken'));
    backups = await realpath(await mkdtemp(join(tmpdir(), 'healer-schemas-backups-')));
    server = await startTestapp(app.path);
    healer = createHealer({
      // test-utils is typed against core's build and its own zod copy; at run time it is the same contract.
      plugins: [testappPlugin],
      backupRoot: backups,
      apps: { [app.path]: { url: server.url } },
    });
    for (const name of Object.keys(PUBLISHED_SCHEMAS) as Array<keyof typeof PUBLISHED_SCHEMAS>) {
      published[name] = z.fromJSONSchema((await readSchema(name)) as Parameters<typeof z.fromJSONSchema>[0]);
    }
  });
  afterAll(async () => {
    await healer?.close();
    await server?.stop();
    await app?.cleanup();
    await rm(backups, { recursive: true, force: true });
  });

  it('a diagnosis of a broken app', async () => {
    const diagnosis = await healer.diagnose(app.path);
    expect(DiagnosisSchema.parse(diagnosis)).toEqual(diagnosis);
    expect(published.diagnosis!.safeParse(diagnosis).error).toBeUndefined();
    expect(diagnosis.status).toBe('fail');
    expect(diagnosis.results.find((r) => r.id === 'testapp/http')?.status).toBe('fail');
    // Shared checks ran too, and their results fit the same shape.
    expect(diagnosis.results.some((r) => r.id.startsWith('core/'))).toBe(true);
  });

  it('a plan', async () => {
    const plan = await healer.plan(app.path, { mode: 'supervised' });
    expect(PlanSchema.parse(plan)).toEqual(plan);
    expect(published.plan!.safeParse(plan).error).toBeUndefined();
    expect(plan.autoHeal.map((a) => a.actionId)).toEqual(['testapp/touch-cache']);
    expect(plan.requireApproval.map((a) => a.actionId)).toEqual(['testapp/reset-status']);
  });

  it('a heal outcome (execution with attempts and timeline)', async () => {
    const outcome = await healer.heal(app.path, { mode: 'auto' });
    expect(outcome.execution.state).toBe('FIXED');
    expect(outcome.execution.attempts.length).toBeGreaterThanOrEqual(1);
    expect(ExecutionSchema.parse(outcome.execution)).toEqual(outcome.execution);
    expect(published.execution!.safeParse(outcome.execution).error).toBeUndefined();
    const stored = await healer.execution(outcome.execution.executionId);
    expect(published.execution!.safeParse(stored).error).toBeUndefined();
    expect(published.diagnosis!.safeParse(outcome.diagnosis).error).toBeUndefined();
    expect(published.plan!.safeParse(outcome.plan).error).toBeUndefined();
  });

  it('the published schema refuses what the zod schema refuses', () => {
    expect(published.diagnosis!.safeParse({ status: 'pass' }).success).toBe(false);
    expect(published.plan!.safeParse({}).success).toBe(false);
  });
});
