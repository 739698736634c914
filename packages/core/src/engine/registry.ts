/**
 * The plugin registry: validates plugins when they are registered, holds
 * their validated configuration, and enables or disables them at runtime.
 */
import semver from 'semver';
import type { z } from 'zod';
import type { DiagnosticCheck, HealingAction, Operation, PluginDefinition } from '../contract/plugin.js';
import { HealerError } from '../errors.js';
import { CORE_VERSION } from '../version.js';
import { RISKS } from '../contract/plugin.js';
import { sharedChecks } from '../checks/shared/index.js';
import { CategorySchema, SeveritySchema } from '../schemas.js';

/** A plugin as the registry holds it. */
export interface RegisteredPlugin {
  plugin: PluginDefinition;
  /** The configuration after the plugin's schema parsed it. */
  config: unknown;
  enabled: boolean;
}

/** How to register a plugin: the definition alone, or with its configuration. */
export type PluginEntry = PluginDefinition | { plugin: PluginDefinition; config?: unknown; enabled?: boolean };

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Names no plugin may take: `core/...` ids belong to the shared checks. */
const RESERVED_NAMES = new Set(['core']);

export class PluginRegistry {
  readonly #plugins = new Map<string, RegisteredPlugin>();
  readonly #coreVersion: string;

  constructor(options: { coreVersion?: string } = {}) {
    this.#coreVersion = options.coreVersion ?? CORE_VERSION;
  }

  /** Validate and add a plugin. Throws a coded HealerError listing every problem found. */
  register(entry: PluginEntry): RegisteredPlugin {
    const { plugin, config, enabled } = 'plugin' in entry ? entry : { plugin: entry, config: undefined, enabled: true };
    // Before the shape: an id copied from another plugin is a duplicate first, whatever its namespace.
    this.#checkDuplicates(plugin);
    validateShape(plugin);
    if (!semver.satisfies(this.#coreVersion, plugin.engines.core, { includePrerelease: true })) {
      throw new HealerError(
        'PLUGIN_VERSION_MISMATCH',
        `Plugin "${plugin.name}" ${plugin.version} needs @healer/core ${plugin.engines.core}, but this is ${this.#coreVersion}.`,
        { details: { plugin: plugin.name, required: plugin.engines.core, actual: this.#coreVersion } },
      );
    }
    const registered: RegisteredPlugin = { plugin, config: parsePluginConfig(plugin, config), enabled: enabled ?? true };
    this.#plugins.set(plugin.name, registered);
    return registered;
  }

  /** Replace a registered plugin's configuration (validated first; nothing changes on error). */
  configure(name: string, config: unknown): void {
    const entry = this.#get(name);
    entry.config = parsePluginConfig(entry.plugin, config);
  }

  enable(name: string): void {
    this.#get(name).enabled = true;
  }

  disable(name: string): void {
    this.#get(name).enabled = false;
  }

  get(name: string): RegisteredPlugin | undefined {
    return this.#plugins.get(name);
  }

  /** Every registered plugin, enabled or not, in registration order. */
  list(): RegisteredPlugin[] {
    return [...this.#plugins.values()];
  }

  enabled(): RegisteredPlugin[] {
    return this.list().filter((p) => p.enabled);
  }

  /** Find an action by id among every registered plugin. */
  findAction(actionId: string): { entry: RegisteredPlugin; action: HealingAction } | undefined {
    for (const entry of this.#plugins.values()) {
      const action = entry.plugin.actions.find((a) => a.id === actionId);
      if (action) return { entry, action };
    }
    return undefined;
  }

  #get(name: string): RegisteredPlugin {
    const entry = this.#plugins.get(name);
    if (!entry) {
      const known = [...this.#plugins.keys()].join(', ') || 'none';
      throw new HealerError('PLUGIN_NOT_FOUND', `No plugin named "${name}" is registered (registered: ${known}).`);
    }
    return entry;
  }

  /** Refuse a taken or reserved name, and ids another plugin already uses (all of them in one error). */
  #checkDuplicates(plugin: PluginDefinition): void {
    const name: unknown = plugin?.name;
    if (typeof name === 'string' && RESERVED_NAMES.has(name)) {
      throw new HealerError('PLUGIN_DUPLICATE', `The plugin name "${name}" is reserved: Healer's shared checks use the "${name}/" namespace.`);
    }
    if (typeof name === 'string' && this.#plugins.has(name)) {
      throw new HealerError('PLUGIN_DUPLICATE', `A plugin named "${name}" is already registered.`);
    }
    const owners = new Map<string, string>();
    for (const entry of this.#plugins.values()) {
      for (const item of [...entry.plugin.checks, ...entry.plugin.actions]) owners.set(item.id, entry.plugin.name);
    }
    const items = [...(Array.isArray(plugin?.checks) ? plugin.checks : []), ...(Array.isArray(plugin?.actions) ? plugin.actions : [])];
    const clashes = items.filter((item) => owners.has(item?.id)).map((item) => `"${item.id}" (used by plugin "${owners.get(item.id)}")`);
    if (clashes.length > 0) {
      throw new HealerError('PLUGIN_DUPLICATE', `Plugin "${String(name)}" reuses ids that are already registered: ${clashes.join(', ')}.`, {
        details: { plugin: name, ids: items.filter((item) => owners.has(item?.id)).map((item) => item.id) },
      });
    }
  }
}

/** Validate everything about a plugin's shape at once, reporting every problem together. */
function validateShape(plugin: PluginDefinition): void {
  const problems: string[] = [];
  const name = typeof plugin?.name === 'string' ? plugin.name : '(unnamed)';
  if (!NAME_PATTERN.test(plugin?.name ?? '')) problems.push(`name must be lower-case letters, digits and dashes (got ${JSON.stringify(plugin?.name)})`);
  if (!semver.valid(plugin?.version)) problems.push(`version must be semver (got ${JSON.stringify(plugin?.version)})`);
  if (!plugin?.engines || !semver.validRange(plugin.engines.core)) problems.push('engines.core must be a semver range');
  if (!Array.isArray(plugin?.stacks) || plugin.stacks.length === 0) problems.push('stacks must list at least one stack');
  if (!Array.isArray(plugin?.signatures)) problems.push('signatures must be an array of relative paths');
  else {
    for (const sig of plugin.signatures) {
      if (typeof sig !== 'string' || sig === '' || sig.startsWith('/') || sig.split('/').includes('..') || /[\0\n*?[]/.test(sig)) {
        problems.push(`signature ${JSON.stringify(sig)} must be a plain relative path`);
      }
    }
  }
  for (const file of plugin?.detectFiles ?? []) {
    if (typeof file !== 'string' || file === '' || file.startsWith('/') || file.split('/').includes('..') || /[\0\n]/.test(file)) {
      problems.push(`detectFiles entry ${JSON.stringify(file)} must be a plain relative path`);
    }
  }
  if (typeof plugin?.detect !== 'function') problems.push('detect must be a function');
  const checks: DiagnosticCheck[] = Array.isArray(plugin?.checks) ? plugin.checks : [];
  const actions: HealingAction[] = Array.isArray(plugin?.actions) ? plugin.actions : [];
  if (!Array.isArray(plugin?.checks)) problems.push('checks must be an array');
  if (!Array.isArray(plugin?.actions)) problems.push('actions must be an array');
  const seen = new Set<string>();
  for (const item of [...checks, ...actions]) {
    if (!ID_PATTERN.test(item.id ?? '') || !item.id.startsWith(`${plugin.name}/`)) {
      problems.push(`id ${JSON.stringify(item.id)} must be namespaced as "${name}/kebab-case"`);
    }
    if (seen.has(item.id)) problems.push(`id "${item.id}" is declared twice`);
    seen.add(item.id);
  }
  for (const check of checks) {
    if (typeof check.run !== 'function') problems.push(`check "${check.id}" has no run()`);
    if (!SeveritySchema.options.includes(check.severity)) {
      problems.push(`check "${check.id}" has an unknown severity ${JSON.stringify(check.severity)} (one of: ${SeveritySchema.options.join(', ')})`);
    }
    if (!CategorySchema.options.includes(check.category)) {
      problems.push(`check "${check.id}" has an unknown category ${JSON.stringify(check.category)} (one of: ${CategorySchema.options.join(', ')})`);
    }
  }
  const operations: unknown[] = plugin?.operations === undefined ? [] : Array.isArray(plugin.operations) ? plugin.operations : [];
  if (plugin?.operations !== undefined && !Array.isArray(plugin.operations)) problems.push('operations must be an array');
  for (const raw of operations) {
    const op = raw as Partial<Operation> | null;
    const id = typeof op?.id === 'string' ? op.id : '';
    if (!ID_PATTERN.test(id) || !id.startsWith(`${plugin.name}/`)) problems.push(`operation id ${JSON.stringify(op?.id)} must be namespaced as "${name}/kebab-case"`);
    else if (seen.has(id)) problems.push(`id "${id}" is declared twice`);
    seen.add(id);
    if (typeof op?.args?.safeParse !== 'function') problems.push(`operation "${id}" needs a zod schema as args`);
    if (typeof op?.describe !== 'function') problems.push(`operation "${id}" has no describe()`);
    if (typeof op?.apply !== 'function') problems.push(`operation "${id}" has no apply()`);
    if (op?.read !== undefined && typeof op.read !== 'function') problems.push(`operation "${id}" has a read that is not a function`);
  }
  // An action fixes the plugin's own checks or the shared `core/...` checks: any other id is a typo that would never match.
  const knownChecks = new Set([...checks.map((c) => c.id), ...sharedChecks.map((c) => c.id)]);
  const partNames = new Set((plugin?.backup?.parts ?? []).map((p) => p.name));
  for (const action of actions) {
    if (!RISKS.includes(action.risk)) problems.push(`action "${action.id}" has an unknown risk ${JSON.stringify(action.risk)} (one of: ${RISKS.join(', ')})`);
    if (typeof action.plan !== 'function') problems.push(`action "${action.id}" has no plan()`);
    if (!Array.isArray(action.fixes) || action.fixes.length === 0) problems.push(`action "${action.id}" must list the check ids it fixes`);
    else {
      for (const fix of action.fixes) {
        if (!knownChecks.has(fix)) problems.push(`action "${action.id}" fixes ${JSON.stringify(fix)}, which is neither one of this plugin's checks nor a shared core/ check`);
      }
    }
    if (action.irreversible !== undefined) {
      if (typeof action.irreversible !== 'string' || action.irreversible.trim() === '') problems.push(`action "${action.id}": irreversible must say why, in a sentence`);
      if (action.risk === 'low') problems.push(`action "${action.id}" cannot be undone: it must be medium risk or above, so supervised mode asks a person first`);
      if (action.rollback !== undefined) problems.push(`action "${action.id}" cannot be undone and declares a rollback: drop one of them`);
    } else if (action.risk !== 'low' && (action.backup === undefined || typeof action.rollback !== 'function')) {
      problems.push(`action "${action.id}" is ${action.risk} risk: it must declare a backup and a rollback`);
    }
    if (action.backup !== undefined && typeof action.backup !== 'function') {
      for (const part of action.backup.parts ?? []) {
        if (!partNames.has(part)) problems.push(`action "${action.id}" backs up part "${part}", which the plugin's backup strategy does not define`);
      }
    }
  }
  if (problems.length > 0) {
    const unsafe = problems.every((p) => p.includes('must declare a backup and a rollback') || p.includes('must be medium risk or above'));
    throw new HealerError(
      unsafe ? 'ACTION_UNSAFE' : 'PLUGIN_INVALID',
      `Plugin "${name}" cannot be registered:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { details: { plugin: name, problems } },
    );
  }
}

function parsePluginConfig(plugin: PluginDefinition, config: unknown): unknown {
  if (!plugin.configSchema) return config ?? {};
  const result = (plugin.configSchema as z.ZodType).safeParse(config ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new HealerError(
    'PLUGIN_CONFIG_INVALID',
    `Invalid configuration for plugin "${plugin.name}":\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    { details: { plugin: plugin.name, issues } },
  );
}
