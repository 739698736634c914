/** The options diagnose, plan and heal share: where the app is and what to look at. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedTarget, TargetInput } from '@healer/core';
import { parseSince, resolvePathArg, targetArg } from '../args.js';
import { usageError } from '../cli-error.js';
import type { Session } from '../session.js';

export interface TargetOptions {
  url?: string;
  plugin?: string;
  since?: string;
}

/** What `[path]` takes, in every command's help. */
export const PATH_ARGUMENT = 'application folder (default: the working folder), or the name of a target in the configuration';

/** Add `[path] --url --plugin --since` to a command. */
export function withTargetOptions(command: Command): Command {
  return command
    .argument('[path]', PATH_ARGUMENT)
    .option('--url <url>', "the application's health URL")
    .option('--plugin <name>', 'skip detection and use this plugin')
    .option('--since <when>', 'look at log entries newer than this (ISO time, or 30m, 1h, 2d)');
}

/**
 * A bare word (no `/`) that an enabled plugin's configuration names as a
 * target (`healer diagnose main` for `mysql.servers.main`): its path and
 * plugin. Null when the word is no such name. A usage error when two plugins
 * name it, or when it is also a folder here (`./main` then says which).
 */
export function namedTarget(session: Session, path: string | undefined, plugin: string | undefined): NamedTarget | null {
  if (path === undefined || path.includes('/') || path === '.' || path === '..') return null;
  const named = session.healer.plugins.targets().filter((t) => t.name === path && (plugin === undefined || t.plugin === plugin));
  if (named.length === 0) return null;
  if (named.length > 1) throw usageError(`"${path}" is a target of the plugins ${named.map((t) => t.plugin).join(' and ')}: add --plugin to say which.`);
  if (!session.paths.remote && existsSync(join(session.paths.cwd, path))) {
    throw usageError(`"${path}" is both a folder here and the ${named[0]!.plugin} target of that name in the configuration: type ./${path} for the folder.`);
  }
  return named[0]!;
}

/** An application's path argument (breaker): a configured target's name, else a folder. */
export function appPathArg(session: Session, path: string | undefined): string {
  return resolvePathArg(session.paths, namedTarget(session, path, undefined)?.path ?? path);
}

/** The target and the request fields (`plugin`, `since`) those options give; a configured target's name stands for its path. */
export function readTargetOptions(session: Session, path: unknown, opts: TargetOptions): { target: TargetInput; request: { plugin?: string; since?: Date } } {
  const since = parseSince(opts.since);
  const named = namedTarget(session, path as string | undefined, opts.plugin);
  const plugin = opts.plugin ?? named?.plugin;
  return {
    target: targetArg(session.paths, named?.path ?? (path as string | undefined), opts.url),
    request: { ...(plugin ? { plugin } : {}), ...(since ? { since } : {}) },
  };
}
