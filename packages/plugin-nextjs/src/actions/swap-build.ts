/**
 * `nextjs/swap-build`: move a finished build into place, keeping the current
 * `.next` aside under the change's nonce (or recording that there was none).
 * Its `read()` is the build id of the `.next` in place, so a rollback asked
 * for later refuses when someone built or copied in another build since.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { HealerError, type Operation } from '@healer/core';
import type { NextjsConfig } from '../config.js';
import type { NextAppMeta } from '../types.js';
import { absentMarker, buildDir, previousBuildPath } from './shared.js';

export interface SwapBuildArgs {
  /** What the plan found in place: a `.next` to keep aside, or none. */
  current: 'kept-aside' | 'none';
}

export const swapBuildOp: Operation<SwapBuildArgs, NextjsConfig, NextAppMeta> = {
  id: 'nextjs/swap-build',
  args: z.object({ current: z.enum(['kept-aside', 'none']) }),
  describe: (args) =>
    args.current === 'kept-aside'
      ? 'keep the current .next aside for rollback, then move the new build into place'
      : 'record that there was no build, then move the new build into place',
  async apply(ctx, args) {
    const root = ctx.app.root;
    const current = posix.join(root, '.next');
    const previous = previousBuildPath(root, ctx.nonce);
    const built = posix.join(buildDir(ctx.backupRoot, root, ctx.nonce), '.next');
    if (!(await ctx.fs.exists(built))) throw new HealerError('COMMAND_FAILED', `The new build is missing (${built}): nothing was swapped.`);
    const there = await ctx.fs.exists(current);
    if (there !== (args.current === 'kept-aside')) {
      throw new HealerError('COMMAND_FAILED', `The plan found ${args.current === 'none' ? 'no' : 'a'} .next in place and there ${there ? 'is one' : 'is none'} now: nothing was swapped.`);
    }
    if (there) await ctx.fs.rename(current, previous);
    else await ctx.fs.writeFile(absentMarker(previous), 'there was no .next before this execution\n');
    // mv, not a rename: the backup root may be on another filesystem than the app.
    const r = await ctx.exec.run(['mv', '-T', '--', built, current], { signal: ctx.signal, timeoutMs: 600_000 });
    if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `Could not move the new build into place: ${r.stderr.trim()}`);
  },
  async read(ctx) {
    const id = posix.join(ctx.app.root, '.next/BUILD_ID');
    if (!(await ctx.fs.exists(id))) return null;
    return createHash('sha256').update(await ctx.fs.readFile(id)).digest('hex');
  },
};
