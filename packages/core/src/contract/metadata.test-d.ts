/**
 * What `definePlugin<Schema, Metadata>()` gives plugin code: the metadata
 * `detect()` returns, typed in every check, action and backup part.
 * Run by vitest in typecheck mode.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type ActionContext, type AppInfo, type DiagnosticCheck, type HealingAction, type PluginDefinition } from './plugin.js';

const configSchema = z.object({ url: z.string() });
type Config = z.output<typeof configSchema>;
/** An interface on purpose: authors write interfaces, which have no index signature. */
interface ShopMeta {
  tablePrefix: string;
  multisite: boolean;
}

const shopCheck: DiagnosticCheck<Config, ShopMeta> = {
  id: 'shop/prefix',
  title: 'Prefix',
  category: 'configuration',
  severity: 'medium',
  appliesTo(app) {
    expectTypeOf(app.metadata).toEqualTypeOf<ShopMeta>();
    return !app.metadata.multisite;
  },
  async run(ctx) {
    expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
    expectTypeOf(ctx.app.metadata.tablePrefix).toEqualTypeOf<string>();
    return { status: 'pass', message: `prefix ${ctx.app.metadata.tablePrefix}` };
  },
};

const shopAction: HealingAction<Config, ShopMeta> = {
  id: 'shop/fix',
  title: 'Fix',
  risk: 'medium',
  fixes: [shopCheck.id],
  backup: (ctx) => {
    expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
    return { paths: [ctx.app.root] };
  },
  preconditions(ctx) {
    expectTypeOf(ctx.app.metadata.multisite).toEqualTypeOf<boolean>();
    return true;
  },
  plan(ctx) {
    expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
    return [];
  },
  async rollback(ctx) {
    expectTypeOf(ctx).toEqualTypeOf<ActionContext<Config, ShopMeta>>();
  },
};

describe('definePlugin<Schema, Metadata>', () => {
  it('types ctx.app.metadata as the declared metadata inside the plugin, and detect() must return it', () => {
    const plugin = definePlugin<typeof configSchema, ShopMeta>({
      name: 'shop',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['shop'],
      signatures: ['shop.json'],
      configSchema,
      async detect() {
        return { stack: 'shop', confidence: 1, evidence: [], metadata: { tablePrefix: 'wp_', multisite: false } };
      },
      checks: [
        shopCheck,
        {
          id: 'shop/inline',
          title: 'Inline',
          category: 'configuration',
          severity: 'info',
          async run(ctx) {
            expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
            expectTypeOf(ctx.config).toEqualTypeOf<Config>();
            return { status: 'pass', message: 'ok' };
          },
        },
      ],
      actions: [shopAction],
      backup: {
        parts: [
          {
            name: 'db',
            async create(ctx) {
              expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
            },
            async restore(ctx) {
              expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
            },
          },
        ],
      },
      async address(ctx) {
        expectTypeOf(ctx.app.metadata).toEqualTypeOf<ShopMeta>();
        return null;
      },
    });
    expectTypeOf(plugin).toEqualTypeOf<PluginDefinition<typeof configSchema, ShopMeta>>();
    // The engine holds every plugin without type arguments: a typed one is accepted as it is.
    expectTypeOf(plugin).toMatchTypeOf<PluginDefinition>();
  });

  it('refuses a detect() whose metadata is not the declared type', () => {
    definePlugin<typeof configSchema, ShopMeta>({
      name: 'shop',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['shop'],
      signatures: ['shop.json'],
      configSchema,
      // @ts-expect-error metadata lacks `multisite`
      async detect() {
        return { stack: 'shop', confidence: 1, evidence: [], metadata: { tablePrefix: 'wp_' } };
      },
      checks: [],
      actions: [],
    });
  });

  it('keeps a plugin written without type arguments as before: metadata is a plain record', () => {
    definePlugin({
      name: 'plain',
      version: '1.0.0',
      engines: { core: '^1.0.0' },
      stacks: ['plain'],
      signatures: ['plain.json'],
      async detect() {
        return { stack: 'plain', confidence: 1, evidence: [], metadata: { anything: 1 } };
      },
      checks: [
        {
          id: 'plain/c',
          title: 'C',
          category: 'configuration',
          severity: 'info',
          async run(ctx) {
            expectTypeOf(ctx.app.metadata).toEqualTypeOf<Record<string, unknown>>();
            expectTypeOf(ctx.app).toEqualTypeOf<AppInfo>();
            return { status: 'pass', message: 'ok' };
          },
        },
      ],
      actions: [],
    });
  });
});
