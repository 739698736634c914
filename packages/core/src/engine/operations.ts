/**
 * The plugin's named operations as the engine uses them: found by id, their
 * arguments checked against the operation's schema each time a step is
 * described or applied.
 * @internal
 */
import type { Operation } from '../contract/plugin.js';
import { HealerError } from '../errors.js';

/** The operation a step names and its checked arguments. @throws HealerError `ACTION_UNSAFE` for an unknown id or arguments its schema refuses. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any plugin's operations
export function resolveOperation<O extends Operation<any, any, any>>(operations: readonly O[], id: string, args: unknown): { operation: O; args: unknown } {
  const operation = operations.find((o) => o.id === id);
  if (!operation) {
    const known = operations.map((o) => o.id).join(', ') || 'none';
    throw new HealerError('ACTION_UNSAFE', `The step names the operation "${id}", which the plugin does not declare (its operations: ${known}).`);
  }
  const parsed = (operation.args as Operation['args']).safeParse(args);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(args)'}: ${i.message}`).join('; ');
    throw new HealerError('ACTION_UNSAFE', `The arguments of operation "${id}" are invalid: ${issues}.`, { details: { op: id, issues } });
  }
  return { operation, args: parsed.data };
}
