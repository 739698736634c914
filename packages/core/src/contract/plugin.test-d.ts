/**
 * What `definePlugin()` infers. Run by vitest in typecheck mode.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type CheckContext, type DetectContext, type PlanContext, type PluginDefinition, type Risk, type Step } from './plugin.js';

const configSchema = z.object({
  url: z.string(),
  retries: z.number().default(3),
  mode: z.enum(['fast', 'safe']).default('safe'),
  token: z.string().optional(),
});
type Output = { url: string; retries: number; mode: 'fast' | 'safe'; token?: string | undefined };

describe('definePlugin', () => {
  it('types ctx.config in detect, checks, actions and backup parts as the zod OUTPUT of configSchema', () => {
    const plugin = definePlugin({
      name: 'typed',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['typed'],
      signatures: ['typed.json'],
      configSchema,
      secrets: (config) => {
        expectTypeOf(config).toEqualTypeOf<Output>();
        return [config.token];
      },
      async detect(ctx) {
        expectTypeOf(ctx).toEqualTypeOf<DetectContext<Output>>();
        expectTypeOf(ctx.config.retries).toEqualTypeOf<number>();
        expectTypeOf(ctx.config.mode).toEqualTypeOf<'fast' | 'safe'>();
        expectTypeOf(ctx.path).toEqualTypeOf<string>();
        return null;
      },
      checks: [
        {
          id: 'typed/check',
          title: 'A check',
          category: 'system',
          severity: 'low',
          async run(ctx) {
            expectTypeOf(ctx).toEqualTypeOf<CheckContext<Output>>();
            // Defaults applied: not optional in the output.
            expectTypeOf(ctx.config.retries).not.toEqualTypeOf<number | undefined>();
            expectTypeOf(ctx.config.token).toEqualTypeOf<string | undefined>();
            expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
            return { status: 'pass', message: 'ok' };
          },
        },
      ],
      actions: [
        {
          id: 'typed/fix',
          title: 'A fix',
          risk: 'medium',
          fixes: ['typed/check'],
          backup: (ctx) => {
            expectTypeOf(ctx.config).toEqualTypeOf<Output>();
            return { paths: ['data'] };
          },
          preconditions: (ctx) => {
            expectTypeOf(ctx.config.mode).toEqualTypeOf<'fast' | 'safe'>();
            return true;
          },
          plan(ctx) {
            expectTypeOf(ctx).toEqualTypeOf<PlanContext<Output>>();
            // A plan depends on the app's state only: no execution id, no backup.
            expectTypeOf(ctx).not.toHaveProperty('executionId');
            expectTypeOf(ctx).not.toHaveProperty('backup');
            expectTypeOf(ctx.nonce).toEqualTypeOf<string>();
            return [{ kind: 'run', command: ['true'], write: false }];
          },
          async rollback(ctx) {
            expectTypeOf(ctx.config.url).toEqualTypeOf<string>();
            expectTypeOf(ctx.nonce).toEqualTypeOf<string>();
            expectTypeOf(ctx.executionId).toEqualTypeOf<string>();
          },
        },
      ],
      backup: {
        parts: [
          {
            name: 'database',
            async create(ctx) {
              expectTypeOf(ctx.config).toEqualTypeOf<Output>();
              return { files: [] } as never;
            },
            async restore(ctx) {
              expectTypeOf(ctx.config.retries).toEqualTypeOf<number>();
            },
          },
        ],
      },
    });
    // No metadata type given: metadata is a plain record in the plugin's code.
    expectTypeOf(plugin).toEqualTypeOf<PluginDefinition<typeof configSchema, Record<string, unknown>>>();
    expectTypeOf(plugin.checks[0]!.id).toEqualTypeOf<string>();
    expectTypeOf(plugin.actions[0]!.id).toEqualTypeOf<string>();
    expectTypeOf(plugin.actions[0]!.risk).toEqualTypeOf<Risk>();
  });

  it('without a configSchema, ctx.config is unknown', () => {
    definePlugin({
      name: 'plain',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['plain'],
      signatures: [],
      async detect(ctx) {
        expectTypeOf(ctx.config).toEqualTypeOf<unknown>();
        return null;
      },
      checks: [],
      actions: [],
    });
  });

  it('refuses a risk that is not one of the union', () => {
    definePlugin({
      name: 'risky',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['risky'],
      signatures: [],
      detect: async () => null,
      checks: [],
      actions: [
        {
          id: 'risky/fix',
          title: 'x',
          // @ts-expect-error 'extreme' is not a Risk
          risk: 'extreme',
          fixes: ['risky/check'],
          plan: () => [],
        },
      ],
    });
  });

  it('refuses a wrong status, category, severity and step kind', () => {
    definePlugin({
      name: 'wrong',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['wrong'],
      signatures: [],
      detect: async () => null,
      checks: [
        {
          id: 'wrong/check',
          title: 'x',
          // @ts-expect-error not a CheckCategory
          category: 'misc',
          // @ts-expect-error not a Severity
          severity: 'urgent',
          // @ts-expect-error 'ok' is not a CheckStatus
          run: async () => ({ status: 'ok', message: '' }),
        },
      ],
      actions: [],
    });
    // @ts-expect-error a run step must say whether it writes
    const step: Step = { kind: 'run', command: ['ls'] };
    void step;
  });

  it('refuses a config access the schema does not declare', () => {
    definePlugin({
      name: 'typo',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['typo'],
      signatures: [],
      configSchema,
      async detect(ctx) {
        // @ts-expect-error `retry` is not in the schema (it is `retries`)
        void ctx.config.retry;
        return null;
      },
      checks: [],
      actions: [],
    });
  });
});
