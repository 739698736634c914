import type { Command } from '../../contract/executor.js';
import type { DiagnosticCheck } from '../../contract/plugin.js';
import { HealerError } from '../../errors.js';
import { stringListSetting } from './settings.js';

/** Folder names skipped by default: third-party trees whose modes the app does not own. */
export const WORLD_WRITABLE_DEFAULT_PRUNE: readonly string[] = ['node_modules', 'vendor', '.git'];
const MAX_EVIDENCE = 20;
const MAX_OUTPUT_BYTES = 512 * 1024;

/**
 * `core/world-writable`: files and folders under the app root that any user
 * may write (mode `o+w`), symlinks excepted. Any such path is a `fail`, with
 * the first 20 paths as evidence. Stays on the app root's filesystem
 * (`-xdev`) and follows the root itself when it is a symlink.
 *
 * Settings: `worldWritablePrune` (folder names not to descend into; default
 * `node_modules`, `vendor`, `.git`).
 */
export const worldWritableCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/world-writable',
  title: 'World-writable files',
  category: 'security',
  severity: 'high',
  description: 'Fails when any user on the host could modify the application’s files.',
  timeoutMs: 60_000,
  async run(ctx) {
    const root = ctx.app.root;
    const prune = ctx.settings.worldWritablePrune === undefined ? [...WORLD_WRITABLE_DEFAULT_PRUNE] : stringListSetting(ctx.settings, 'worldWritablePrune');
    const result = await ctx.exec.run(findWorldWritableCommand(root, prune), { signal: ctx.signal, maxOutputBytes: MAX_OUTPUT_BYTES, timeoutMs: 55_000 });
    if (ctx.signal.aborted) throw new HealerError('ABORTED', 'The search for world-writable files was cancelled.');

    let paths = result.stdout.split('\0').filter((p) => p.length > 0);
    // A cut output may end in half a path.
    if (result.truncated && !result.stdout.endsWith('\0')) paths = paths.slice(0, -1);
    const incomplete = result.exitCode !== 0 || result.truncated || result.timedOut;
    const problems = result.stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);

    if (paths.length > 0) {
      const count = `${paths.length}${result.truncated || result.timedOut ? ' or more' : ''}`;
      return {
        status: 'fail',
        message: `${count} path(s) under ${root} can be written by any user on the host; remove the write bit for others (\`chmod o-w\`) and give write access to the web server's user or group only.`,
        details: { root, count: paths.length, incomplete, pruned: prune },
        evidence: paths.slice(0, MAX_EVIDENCE),
      };
    }
    if (result.timedOut) {
      throw new HealerError('COMMAND_TIMEOUT', `The search for world-writable files under ${root} did not finish in time.`);
    }
    if (result.exitCode === 127) throw new HealerError('COMMAND_FAILED', `find is not installed on ${ctx.exec.host}.`);
    if (result.exitCode !== 0) {
      if (!(await ctx.exec.exists(root))) throw new HealerError('FILE_NOT_FOUND', `The application root ${root} does not exist.`);
      return {
        status: 'warn',
        message: `No world-writable path was found under ${root}, but some folders could not be read, so the search is incomplete; run Healer as a user that can read the whole application.`,
        details: { root, incomplete: true, pruned: prune },
        evidence: problems.slice(0, MAX_EVIDENCE),
      };
    }
    return {
      status: 'pass',
      message: `No file or folder under ${root} is writable by every user.`,
      details: { root, count: 0, incomplete: false, pruned: prune },
    };
  },
};

/**
 * The `find` argv: `find -H ROOT -xdev ( -type d ( -name A -o -name B ) -prune ) -o ( -perm -o+w ! -type l -print0 )`.
 * @internal
 */
export function findWorldWritableCommand(root: string, prune: readonly string[]): Command {
  const names = prune.flatMap((name, i) => (i === 0 ? ['-name', name] : ['-o', '-name', name]));
  const pruneExpr = names.length > 0 ? ['(', '-type', 'd', '(', ...names, ')', '-prune', ')', '-o'] : [];
  return ['find', '-H', root, '-xdev', ...pruneExpr, '(', '-perm', '-o+w', '!', '-type', 'l', '-print0', ')'];
}
