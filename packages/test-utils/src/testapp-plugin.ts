/**
 * A test-only plugin for the "testapp" stack served by `testapp-server`.
 * Its folder holds `testapp.json`; `"status": "ok"` means healthy.
 *
 * Ladder: `testapp/touch-cache` (low, never fixes anything: proves rollback
 * and climbing) then `testapp/reset-status` (medium, fixes the status unless
 * configured to fail). `slowApplyMs` makes reset-status write a half-done
 * change and wait, so a test can kill the process mid-apply; `lateChildWriteMs`
 * makes it run a command that sleeps that long, then overwrites testapp.json
 * (the orphan a killed heal leaves behind).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { definePlugin, restoreBackup, type CheckContext } from '@healer/core';

const configSchema = z.object({
  /** When false, reset-status writes a wrong value (its verification fails). */
  resetWorks: z.boolean().default(true),
  /** Wait this long in the middle of reset-status's apply. */
  slowApplyMs: z.number().int().min(0).default(0),
  /** In the middle of reset-status's apply, run a command that sleeps this long and then writes `late-write` into testapp.json. */
  lateChildWriteMs: z.number().int().min(0).default(0),
});

interface TestappFile {
  status?: string;
  version?: string;
  [key: string]: unknown;
}

async function readConfig(ctx: { fs: CheckContext['fs'] }, root: string): Promise<TestappFile | null> {
  const text = await ctx.fs.readText(`${root}/testapp.json`);
  return text === null ? null : (JSON.parse(text) as TestappFile);
}

export const testappPlugin = definePlugin({
  name: 'testapp',
  version: '1.0.0',
  description: 'A test-only stack: a folder with testapp.json served by a small HTTP server.',
  engines: { core: '^1.0.0' },
  stacks: ['testapp'],
  signatures: ['testapp.json'],
  configSchema,
  async detect(ctx) {
    const config = await readConfig(ctx, ctx.path).catch(() => null);
    if (!config) return null;
    return { stack: 'testapp', version: config.version ?? null, confidence: 0.9, evidence: ['testapp.json found'] };
  },
  checks: [
    {
      id: 'testapp/status-ok',
      title: 'testapp.json says ok',
      category: 'configuration',
      severity: 'high',
      async run(ctx) {
        const config = await readConfig(ctx, ctx.app.root);
        if (config?.status === 'ok') return { status: 'pass', message: 'Status is ok.' };
        return { status: 'fail', message: `Status is ${JSON.stringify(config?.status)}, expected "ok".`, details: { status: config?.status ?? null } };
      },
    },
    {
      id: 'testapp/http',
      title: 'The app answers 200',
      category: 'availability',
      severity: 'critical',
      appliesTo: (_app, settings) => typeof settings.url === 'string',
      async run(ctx) {
        const res = await fetch(ctx.settings.url!, { signal: ctx.signal });
        const body = await res.text();
        if (res.status === 200 && body.includes('all good')) return { status: 'pass', message: 'HTTP 200.' };
        return { status: 'fail', message: `HTTP ${res.status}: ${body.trim().slice(0, 80)}`, details: { status: res.status } };
      },
    },
  ],
  actions: [
    {
      id: 'testapp/touch-cache',
      title: 'Refresh the cache stamp',
      risk: 'low',
      fixes: ['testapp/status-ok', 'testapp/http'],
      requiresBackup: true,
      backup: { paths: ['cache'] },
      plan: (ctx) => [
        { kind: 'write-file', path: `${ctx.app.root}/cache/stamp`, content: 'refreshed\n', description: 'write a new cache stamp' },
      ],
      async apply(ctx) {
        await ctx.fs.mkdir(`${ctx.app.root}/cache`);
        await ctx.fs.writeFile(`${ctx.app.root}/cache/stamp`, 'refreshed\n');
      },
      rollback: restoreBackup,
    },
    {
      id: 'testapp/reset-status',
      title: 'Reset the status to ok',
      risk: 'medium',
      fixes: ['testapp/status-ok', 'testapp/http'],
      // partial.tmp too: a kill mid-apply leaves it, and recovery must remove it.
      backup: { paths: ['testapp.json', 'partial.tmp'] },
      async plan(ctx) {
        const config = (await readConfig(ctx, ctx.app.root)) ?? {};
        const status = ctx.config.resetWorks ? 'ok' : 'still-broken';
        return [
          {
            kind: 'write-file',
            path: `${ctx.app.root}/testapp.json`,
            content: JSON.stringify({ ...config, status }, null, 2) + '\n',
            description: `set status to ${status}`,
          },
        ];
      },
      async apply(ctx, steps) {
        if (ctx.config.slowApplyMs > 0) {
          await ctx.fs.writeFile(`${ctx.app.root}/testapp.json`, '{"status": "half-written"}\n');
          await ctx.fs.writeFile(`${ctx.app.root}/partial.tmp`, 'half done\n');
          await sleep(ctx.config.slowApplyMs, undefined, { signal: ctx.signal });
          await ctx.fs.remove(`${ctx.app.root}/partial.tmp`);
        }
        if (ctx.config.lateChildWriteMs > 0) {
          await ctx.fs.writeFile(`${ctx.app.root}/partial.tmp`, 'half done\n');
          const late = await ctx.exec.run(
            { script: 'sleep "$1"; printf \'{"status": "late-write"}\\n\' > "$2"', args: [String(ctx.config.lateChildWriteMs / 1000), `${ctx.app.root}/testapp.json`] },
            { signal: ctx.signal, timeoutMs: ctx.config.lateChildWriteMs + 30_000 },
          );
          if (late.exitCode !== 0) throw new Error(`the slow helper failed: ${late.stderr}`);
          await ctx.fs.remove(`${ctx.app.root}/partial.tmp`);
        }
        const step = steps[0];
        if (step?.kind === 'write-file') await ctx.fs.writeFile(step.path, step.content);
      },
      rollback: restoreBackup,
    },
  ],
});

export default testappPlugin;
