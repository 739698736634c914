/** The exact commands a person can run next, quoted for a POSIX shell. */
import { quoteShellWord } from '@healer/core';

/** What a hint needs to rebuild the command line the user typed. */
export interface HintContext {
  /** The app path as resolved. */
  path: string;
  /** Global flags to repeat so any command reads the same state and config (`--config x`). */
  globalFlags: string[];
  /** Flags of the heal itself to repeat (`--mode manual`, `--url u`, `--plugin p`). */
  healFlags: string[];
}

export function command(words: readonly string[]): string {
  return ['healer', ...words.map((w) => quoteShellWord(w))].join(' ');
}

export function approveCommand(ctx: HintContext, actionIds: readonly string[], planHash: string): string {
  return command(['heal', ctx.path, ...ctx.globalFlags, ...ctx.healFlags, ...actionIds.flatMap((id) => ['--approve', id]), '--plan-hash', planHash]);
}

export function approveAllCommand(ctx: HintContext, planHash: string): string {
  return command(['heal', ctx.path, ...ctx.globalFlags, ...ctx.healFlags, '--approve-all', '--plan-hash', planHash]);
}
