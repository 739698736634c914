/**
 * The configuration file: found only where the invoking user put it
 * (`--config`, `$HEALER_CONFIG`, `$XDG_CONFIG_HOME/healer/config.json`),
 * never in the working folder; validated with zod, every problem reported
 * at once with its path, unknown keys included.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { AppOptionsSchema, BreakerOptionsSchema, HealerOptionsSchema } from '@healer/core';
import { CliError, type ConfigIssue } from './cli-error.js';
import { readTrustedConfig } from './file-trust.js';

/** The file name in the user's configuration folder: `$XDG_CONFIG_HOME/healer/config.json`. */
export const DEFAULT_CONFIG_FILE = 'healer/config.json';

/**
 * The breaker limits of core, plus the same limits in friendlier units
 * (`windowHours`, `cooldownMinutes`); one unit per limit.
 */
const BreakerSchema = z
  .strictObject({
    ...BreakerOptionsSchema.shape,
    /** The window, in hours. Default 24. */
    windowHours: z.number().positive().optional(),
    /** Cooldown after a failed heal, in minutes; 0 means none. Default 30. */
    cooldownMinutes: z.number().min(0).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.windowHours !== undefined && b.windowMs !== undefined) ctx.addIssue({ code: 'custom', path: ['windowHours'], message: 'give windowHours or windowMs, not both' });
    if (b.cooldownMinutes !== undefined && b.cooldownMs !== undefined) ctx.addIssue({ code: 'custom', path: ['cooldownMinutes'], message: 'give cooldownMinutes or cooldownMs, not both' });
  });

const PluginObjectSchema = z.strictObject({
  module: z.string().min(1),
  config: z.unknown().optional(),
  enabled: z.boolean().optional(),
});

const PluginRefSchema = z.union([z.string().min(1), PluginObjectSchema]);

/** A named remote host reached over SSH (`--host <name>`). */
const HostSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535).optional(),
  user: z.string().min(1),
  /** Private key file; relative to the config file. Default: ssh-agent. */
  identityFile: z.string().min(1).optional(),
  /** known_hosts file checked for the host key; relative to the config file. Default `~/.ssh/known_hosts`. */
  knownHostsFile: z.string().min(1).optional(),
  /** Pinned host key, `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be SHA256:<43 base64 characters>, as ssh-keygen -lf prints it').optional(),
  /** `accept-new` records an unknown host key in knownHostsFile; a changed key is always refused. Default `strict`. */
  hostKeyPolicy: z.enum(['strict', 'accept-new']).optional(),
  /** Run privileged commands through `sudo -n`. */
  sudo: z.boolean().optional(),
  /** Persistent remote shells per connection. Default 4. */
  maxShells: z.int().min(1).max(16).optional(),
});

/**
 * Every data option of `createHealer()` (`HealerOptionsSchema` of core: mode,
 * backupRoot, retentionMs, breaker, apps, ...), plus the keys only the CLI
 * has. Relative paths (backupRoot, app roots, key files) are resolved against
 * the config file's folder.
 */
export const ConfigSchema = z
  .strictObject({
    ...HealerOptionsSchema.shape,
    /** Lets editors validate the file; ignored. */
    $schema: z.string().optional(),
    /** How long backups are kept, in days (instead of `retentionMs`). Default 7. */
    retentionDays: z.number().positive().optional(),
    breaker: BreakerSchema.optional(),
    /** Plugins to load, by module specifier; replaces the built-in list. */
    plugins: z.array(PluginRefSchema).optional(),
    /** Remote hosts by name, for `--host <name>`. */
    hosts: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'host names are letters, digits, dots, dashes and underscores'), HostSchema).optional(),
    /** Where `discover` looks when given no roots (globs allowed). Default: DEFAULT_DISCOVERY_ROOTS of @healer/core. */
    discoveryRoots: z.array(z.string().startsWith('/', 'must be an absolute path')).min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.retentionDays !== undefined && c.retentionMs !== undefined) ctx.addIssue({ code: 'custom', path: ['retentionDays'], message: 'give retentionDays or retentionMs, not both' });
  });

export type HealerConfig = z.output<typeof ConfigSchema>;
/** Per-app settings (core's `AppOptionsSchema`); other keys are free-form settings plugins and shared checks may read. */
export type AppConfig = z.output<typeof AppOptionsSchema>;
export type PluginRef = z.output<typeof PluginRefSchema>;
export type HostConfig = z.output<typeof HostSchema>;

/** A configuration ready to use: paths resolved against the file's folder. */
export interface LoadedConfig {
  /** The file read, or null when there was none. */
  file: string | null;
  /** Where relative plugin paths and app roots are resolved from. */
  dir: string;
  config: HealerConfig;
}

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  root: Object.keys(ConfigSchema.shape),
  breaker: Object.keys(BreakerSchema.shape),
  plugins: Object.keys(PluginObjectSchema.shape),
  hosts: Object.keys(HostSchema.shape),
};

/**
 * Where the configuration comes from: `explicit` (`--config`), else
 * `$HEALER_CONFIG` (both must exist), else `$XDG_CONFIG_HOME/healer/config.json`
 * (`~/.config/healer/config.json` when unset) if present, else none. Never the
 * working folder: a site's folder must not configure the healer.
 */
export function configFileFor(cwd: string, explicit: string | undefined, env: Record<string, string | undefined>): { file: string; required: boolean } {
  if (explicit !== undefined) return { file: resolve(cwd, explicit), required: true };
  if (env['HEALER_CONFIG']) return { file: resolve(cwd, env['HEALER_CONFIG']), required: true };
  const xdg = env['XDG_CONFIG_HOME'];
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env['HOME'] || homedir(), '.config');
  return { file: join(base, DEFAULT_CONFIG_FILE), required: false };
}

/**
 * Read the configuration (see {@link configFileFor}); with none, an empty one.
 * The file must be trusted (see `readTrustedConfig`). Throws a
 * {@link CliError} `CONFIG_INVALID` listing every problem, or `CONFIG_UNSAFE`.
 */
export async function loadConfig(cwd: string, explicit?: string, env: Record<string, string | undefined> = process.env): Promise<LoadedConfig> {
  const { file, required } = configFileFor(cwd, explicit, env);
  if (!required && !existsSync(file)) return { file: null, dir: cwd, config: {} };
  const text = await readTrustedConfig(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError('CONFIG_INVALID', `The configuration file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return { file, dir: dirname(file), config: parseConfig(raw, file, dirname(file)) };
}

/** Validate a parsed configuration object; relative paths are resolved against `dir`. */
export function parseConfig(raw: unknown, source: string, dir: string): HealerConfig {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = flattenIssues(result.error.issues);
    throw new CliError('CONFIG_INVALID', formatConfigIssues(source, issues), { issues });
  }
  const config = result.data;
  if (config.backupRoot) config.backupRoot = resolve(dir, config.backupRoot);
  for (const h of Object.values(config.hosts ?? {})) {
    if (h.identityFile) h.identityFile = resolve(dir, h.identityFile);
    if (h.knownHostsFile) h.knownHostsFile = resolve(dir, h.knownHostsFile);
  }
  if (config.apps) {
    config.apps = Object.fromEntries(Object.entries(config.apps).map(([root, settings]) => [isAbsolute(root) ? resolve(root) : resolve(dir, root), settings]));
  }
  // Backups hold secrets (wp-config.php): never inside a site. (The engine checks the real paths on the host too.)
  const inside = Object.keys(config.apps ?? {}).filter((root) => config.backupRoot === root || config.backupRoot?.startsWith(root === '/' ? '/' : `${root}/`));
  if (inside.length > 0) {
    const issues = inside.map((root) => ({ path: 'backupRoot', message: `${config.backupRoot} is inside the application root ${root}: backups would be served with the site` }));
    throw new CliError('CONFIG_INVALID', formatConfigIssues(source, issues), { issues });
  }
  return config;
}

export function formatConfigIssues(source: string, issues: readonly ConfigIssue[]): string {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return [`The configuration in ${source} has ${issues.length} ${noun}:`, ...issues.map((i) => `  - ${i.path || '(top level)'}: ${i.message}`)].join('\n');
}

type Issue = z.core.$ZodIssue;

/** One line per problem: unknown keys one by one, unions reduced to the branch that was meant. */
export function flattenIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(path);
      for (const key of issue.keys) {
        out.push({ path: formatPath([...path, key]), message: `unknown key${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}` });
      }
    } else if (issue.code === 'invalid_union') {
      // The branch whose errors are not "wrong type at the top" is the one the author meant.
      const meant = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (meant.length === 1) out.push(...flattenIssues(meant[0]!, path));
      else out.push({ path: formatPath(path), message: 'must be a module specifier (string) or { "module": string, "config"?: any, "enabled"?: boolean }' });
    } else {
      out.push({ path: formatPath(path), message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  return out;
}

function allowedKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return ALLOWED_KEYS['root'];
  if (path.length === 1 && path[0] === 'breaker') return ALLOWED_KEYS['breaker'];
  if (path.length === 2 && path[0] === 'plugins') return ALLOWED_KEYS['plugins'];
  if (path.length === 2 && path[0] === 'hosts') return ALLOWED_KEYS['hosts'];
  return undefined;
}

/** `breaker.maxAttempts`, `plugins[0].module`, `apps["/srv/app"].url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
