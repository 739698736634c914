/**
 * `/plugins`: the plugins this server loaded, with their server-wide switch
 * and configuration (PluginSetting rows). A plugin's `configSchema`, when it
 * has one, validates the configuration before it is stored.
 */
import type { PluginDefinition } from '@healer/core';
import type { z } from 'zod';
import { PluginSettingEntity, type PluginSetting } from '../db/entities.js';
import { ApiError, type Issue } from '../errors.js';
import { recordAudit } from '../http/audit.js';
import { defineRoute } from '../http/route.js';
import { PluginListSchema, PluginParamsSchema, PluginPatchSchema, PluginSchema } from '../api/schemas.js';

/** A stack plugin the server loads: core's plugin definition (the workers run its checks and actions). */
export type ServerPlugin = PluginDefinition;

/** Validates a plugin's configuration; returns the issues (empty when valid). */
export type PluginConfigValidator = (plugin: ServerPlugin, config: Record<string, unknown>) => Issue[] | Promise<Issue[]>;

/** The default validator: the plugin's own `configSchema`, when it declares one. */
export const validateWithConfigSchema: PluginConfigValidator = (plugin, config) => {
  const result = plugin.configSchema?.safeParse(config);
  if (!result || result.success) return [];
  return result.error.issues.map((i) => ({ path: ['body', 'config', ...i.path.map(String)].join('.'), message: i.message }));
};

function toPluginView(plugin: ServerPlugin, setting: PluginSetting | null | undefined): z.input<typeof PluginSchema> {
  return {
    name: plugin.name,
    version: plugin.version,
    description: plugin.description ?? null,
    stacks: [...plugin.stacks],
    enabled: setting?.enabled ?? true,
    config: setting?.config ?? {},
  };
}

export function pluginRoutes(deps: { plugins: readonly ServerPlugin[]; validateConfig: PluginConfigValidator }) {
  const tag = 'plugins';
  const byName = new Map(deps.plugins.map((p) => [p.name, p]));
  return [
    defineRoute({
      method: 'get',
      path: '/plugins',
      tag,
      summary: 'List the loaded plugins with their settings',
      permission: 'healer.read',
      request: {},
      responses: { 200: { description: 'Every loaded plugin', schema: PluginListSchema } },
      async handle({ req }) {
        const settings = new Map((await req.em.find(PluginSettingEntity, {})).map((s) => [s.name, s]));
        return { body: { items: deps.plugins.map((p) => toPluginView(p, settings.get(p.name))) } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/plugins/:name',
      tag,
      summary: 'Enable or disable a plugin, or replace its configuration',
      permission: 'healer.configure',
      request: { params: PluginParamsSchema, body: PluginPatchSchema },
      responses: { 200: { description: 'The plugin', schema: PluginSchema } },
      async handle({ req, params, body }) {
        const plugin = byName.get(params.name);
        if (!plugin) throw new ApiError('NOT_FOUND', `No plugin ${params.name} is loaded`);
        if (body.config !== undefined) {
          const issues = await deps.validateConfig(plugin, body.config);
          if (issues.length > 0) throw new ApiError('VALIDATION_FAILED', `The configuration of ${plugin.name} is invalid`, { issues });
        }
        const setting = (await req.em.findOne(PluginSettingEntity, { name: plugin.name })) ?? req.em.create(PluginSettingEntity, { name: plugin.name });
        if (body.enabled !== undefined) setting.enabled = body.enabled;
        if (body.config !== undefined) setting.config = body.config;
        recordAudit(req, 'plugin.update', `plugin:${plugin.name}`, { enabled: body.enabled, configKeys: body.config ? Object.keys(body.config) : undefined });
        await req.em.flush();
        return { body: toPluginView(plugin, setting) };
      },
    }),
  ];
}
