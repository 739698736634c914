/** The options diagnose, plan and heal share: where the app is and what to look at. */
import type { Command } from 'commander';
import type { TargetInput } from '@healer/core';
import { parseSince, targetArg } from '../args.js';
import type { Session } from '../session.js';

export interface TargetOptions {
  url?: string;
  plugin?: string;
  since?: string;
}

/** Add `[path] --url --plugin --since` to a command. */
export function withTargetOptions(command: Command): Command {
  return command
    .argument('[path]', 'application folder (default: the working folder)')
    .option('--url <url>', "the application's health URL")
    .option('--plugin <name>', 'skip detection and use this plugin')
    .option('--since <when>', 'look at log entries newer than this (ISO time, or 30m, 1h, 2d)');
}

/** The target and the request fields (`plugin`, `since`) those options give. */
export function readTargetOptions(session: Session, path: unknown, opts: TargetOptions): { target: TargetInput; request: { plugin?: string; since?: Date } } {
  const since = parseSince(opts.since);
  return {
    target: targetArg(session.paths, path as string | undefined, opts.url),
    request: { ...(opts.plugin ? { plugin: opts.plugin } : {}), ...(since ? { since } : {}) },
  };
}
