/**
 * The engine's apply(): run an action's planned steps in order. Exported for
 * plugin authors whose own `apply()` runs the planned steps around work that
 * cannot be a step; pass the plugin's `operations` when the steps use them.
 */
import type { ActionContext, Operation, Step } from '../contract/plugin.js';
import { HealerError } from '../errors.js';
import { stepFailedError } from '../exec/excerpt.js';
import { resolveOperation } from './operations.js';

export async function applySteps<C, M extends object>(
  ctx: ActionContext<C, M>,
  steps: readonly Step[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation has its own argument type
  operations: readonly Operation<any, C, M>[] = [],
): Promise<void> {
  for (const step of steps) {
    ctx.signal.throwIfAborted();
    switch (step.kind) {
      case 'run': {
        const result = await ctx.exec.run(step.command, {
          ...(step.cwd ? { cwd: step.cwd } : {}),
          ...(step.env ? { env: step.env } : {}),
          ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
          signal: ctx.signal,
        });
        if (result.timedOut || result.exitCode !== 0) throw stepFailedError(step.description ?? 'command', result);
        break;
      }
      case 'write-file':
        await ctx.fs.writeFile(step.path, step.content, step.mode !== undefined ? { mode: step.mode } : {});
        break;
      case 'remove':
        await ctx.fs.remove(step.path);
        break;
      case 'rename':
        await ctx.fs.rename(step.from, step.to);
        break;
      case 'chmod':
        await ctx.fs.chmod(step.path, step.mode);
        break;
      case 'op': {
        const { operation, args } = resolveOperation(operations, step.op, step.args);
        await operation.apply(ctx, args);
        break;
      }
      case 'note':
        if (step.write) {
          throw new HealerError('ACTION_UNSAFE', `The step "${step.description}" changes something the engine cannot carry out: plan it as an operation (an op step) or give the action its own apply().`);
        }
        break;
    }
  }
}
