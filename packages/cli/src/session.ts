/**
 * One CLI run's environment: the configuration, the plugins, the state folder
 * and the healer built from them.
 */
import { resolve } from 'node:path';
import { createHealer, DEFAULT_DISCOVERY_ROOTS, FolderStateStore, resolveHealerHome, type CreateHealerOptions, type Healer, type PluginEntry } from '@healer/core';
import { loadConfig, type HealerConfig, type LoadedConfig } from './config.js';
import { loadPlugins } from './plugins.js';
import { createExecutor, sshOptionsFor, type HostFlags } from './remote.js';
import type { PathBase } from './args.js';
import { createLogger } from './logger.js';
import type { CliIo } from './io.js';
import { Output } from './output/output.js';
import { colorEnabled, createColors } from './output/color.js';

/** Options every command accepts. */
export interface GlobalOptions extends HostFlags {
  json?: boolean;
  config?: string;
  verbose?: boolean;
  /** false with `--no-color`. */
  color?: boolean;
}

export interface Session {
  io: CliIo;
  globals: GlobalOptions;
  out: Output;
  loaded: LoadedConfig;
  healer: Healer;
  /** The state folder (`HEALER_HOME`, default `~/.healer`). */
  home: string;
  /** Where path arguments resolve: the working folder, or (with `--host`) absolute paths on that host. */
  paths: PathBase;
  /** Where `discover` looks when given no roots. */
  discoveryRoots: string[];
  close(): Promise<void>;
}

/** The output for a run, decided before anything can fail (so errors are printed in the right form). */
export function createOutput(io: CliIo, globals: GlobalOptions): Output {
  const colors = createColors(colorEnabled({ isTTY: io.isTTY, noColorFlag: globals.color === false, env: io.env }));
  return new Output(io, globals.json === true, colors);
}

export async function openSession(io: CliIo, globals: GlobalOptions, out: Output): Promise<Session> {
  const loaded = await loadConfig(io.cwd, globals.config, io.env);
  const plugins = await loadPlugins(loaded);
  const home = resolve(io.cwd, resolveHealerHome(io.env));
  const logger = createLogger(globals.verbose === true, io.stderr);
  const ssh = sshOptionsFor(globals, loaded.config, (p) => resolve(io.cwd, p));
  const executor = createExecutor(ssh);
  const healer = createHealer(healerOptions(loaded.config, plugins, { state: new FolderStateStore({ home }), logger, executor }));
  logger.debug(`Configuration: ${loaded.file ?? 'none'}; state folder: ${home}`, { plugins: healer.plugins.list().map((p) => `${p.name}@${p.version}${p.enabled ? '' : ' (disabled)'}`) });
  // Verbose runs narrate every journal event as it is recorded (already redacted by core).
  if (globals.verbose) healer.on('timeline', (id, e) => logger.info(`${id} ${e.type}${e.actionId ? ` [${e.actionId}]` : ''}: ${e.message}`));
  return {
    io,
    globals,
    out,
    loaded,
    healer,
    home,
    paths: { cwd: io.cwd, remote: ssh !== null },
    discoveryRoots: loaded.config.discoveryRoots ?? [...DEFAULT_DISCOVERY_ROOTS],
    close: () => healer.close(),
  };
}

/**
 * Map the configuration file onto `createHealer()` options: every healer
 * option key passes through as written; the CLI's own units (`retentionDays`,
 * `breaker.windowHours`, `breaker.cooldownMinutes`) become milliseconds.
 */
export function healerOptions(config: HealerConfig, plugins: PluginEntry[], base: Pick<CreateHealerOptions, 'state' | 'logger' | 'executor'>): CreateHealerOptions {
  const { $schema: _schema, plugins: _refs, hosts: _hosts, discoveryRoots: _roots, retentionDays, breaker: b, ...shared } = config;
  let breaker: CreateHealerOptions['breaker'];
  if (b) {
    const { windowHours, cooldownMinutes, ...limits } = b;
    breaker = {
      ...limits,
      ...(windowHours !== undefined ? { windowMs: Math.max(1, Math.round(windowHours * 3_600_000)) } : {}),
      ...(cooldownMinutes !== undefined ? { cooldownMs: Math.round(cooldownMinutes * 60_000) } : {}),
    };
  }
  return {
    ...base,
    ...shared,
    plugins,
    ...(retentionDays !== undefined ? { retentionMs: Math.round(retentionDays * 86_400_000) } : {}),
    ...(breaker ? { breaker } : {}),
  };
}
