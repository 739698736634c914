/**
 * `wordpress/permissions`: `wp-config.php` (it holds the database password)
 * readable by other users, and folders any user may write to.
 */
import { HealerError, type Command } from '@healer/core';
import { wpMeta } from '../detect.js';
import { phpKeepsRead, resolvedFile } from '../php-access.js';
import { ACTION, MAX_EVIDENCE, plural, type WpCheck } from './shared.js';

/** Folders not descended into: history and build trees the site does not serve. */
export const PERMISSIONS_PRUNE: readonly string[] = ['.git', 'node_modules'];
const MAX_OUTPUT_BYTES = 512 * 1024;

/** `0644`. */
function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export const permissionsCheck: WpCheck = {
  id: 'wordpress/permissions',
  title: 'File permissions',
  category: 'security',
  severity: 'high',
  description:
    'wp-config.php readable or writable by other users of the host (it holds the database password and the salts), and world-writable folders under the WordPress root.',
  timeoutMs: 60_000,
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const root = ctx.app.root;
    const [config, found, rootStat] = await Promise.all([
      resolvedFile(ctx, meta.configPath),
      ctx.exec.run(findWorldWritableDirsCommand(root, PERMISSIONS_PRUNE), { signal: ctx.signal, timeoutMs: 55_000, maxOutputBytes: MAX_OUTPUT_BYTES }),
      ctx.fs.stat(root),
    ]);
    if (found.timedOut) throw new HealerError('COMMAND_TIMEOUT', `The search for world-writable folders under ${root} did not finish in time.`);
    if (found.exitCode === 127) throw new HealerError('COMMAND_FAILED', `find is not installed on ${ctx.exec.host}.`);
    let dirs = found.stdout.split('\0');
    dirs.pop();
    if (found.truncated && !found.stdout.endsWith('\0')) dirs = dirs.slice(0, -1);
    dirs = dirs.filter((d) => d.length > 0);
    const incomplete = found.exitCode !== 0 || found.truncated;

    const problems: string[] = [];
    const warnings: string[] = [];
    const evidence: string[] = [];
    const configMode = config ? config.stat.mode & 0o7777 : null;
    const readable = configMode !== null && (configMode & 0o004) !== 0;
    const writable = configMode !== null && (configMode & 0o002) !== 0;
    const shown = config?.linkedFrom ? `${meta.configPath} (a link to ${config.path})` : meta.configPath;
    // 0640 is offered only when the user PHP runs as still reads the file afterwards.
    const verdict = config && (readable || writable) ? await phpKeepsRead(ctx, config.stat, (configMode! & 0o640) | 0o440, { allowChgrp: true }) : null;
    const canFixConfig = verdict?.keepsRead === true;
    const advice =
      verdict === null
        ? ''
        : verdict.keepsRead
          ? verdict.chgrp
            ? `, so give it to the group "${verdict.chgrp.group}" PHP runs as ${verdict.phpUser.user} with (${verdict.phpUser.source}) and make it 0640`
            : ', so make it 0640'
          : `; Healer does not make it 0640 because ${verdict.why}`;
    if (writable) {
      problems.push(`${shown} is ${readable ? 'readable and writable' : 'writable'} by every user of the host (mode ${octal(configMode!)}) although it holds the database password${advice}`);
      evidence.push(`${octal(configMode!)} ${config!.path}`);
    } else if (readable) {
      // WordPress's own default (0644 owned by the site's user): a hardening hint, not a failure.
      const ownedBySite = rootStat !== null && config!.stat.uid === rootStat.uid;
      (ownedBySite ? warnings : problems).push(`${shown} is readable by every user of the host (mode ${octal(configMode!)}) although it holds the database password${advice}`);
      evidence.push(`${octal(configMode!)} ${config!.path}`);
    }
    if (dirs.length > 0) {
      problems.push(`${plural(dirs.length, 'folder')}${found.truncated ? ' (or more)' : ''} under ${root} can be written by every user of the host: remove the write bit for others (chmod o-w)`);
      evidence.push(...dirs.slice(0, MAX_EVIDENCE - evidence.length));
    }
    const fixable = dirs.length > 0 || canFixConfig;
    const details = {
      configPath: meta.configPath,
      configMode: configMode === null ? null : octal(configMode),
      configReadableByOthers: readable,
      configWritableByOthers: writable,
      configTarget: config?.linkedFrom ? config.path : null,
      phpUser: verdict?.phpUser ?? null,
      configFixOffered: canFixConfig,
      ...(verdict?.keepsRead && verdict.chgrp ? { configGroupChange: verdict.chgrp } : {}),
      ...(verdict && !verdict.keepsRead ? { configFixRefused: verdict.why } : {}),
      worldWritableDirs: dirs,
      pruned: PERMISSIONS_PRUNE,
      incomplete,
    };
    if (problems.length > 0 || warnings.length > 0) {
      return {
        status: problems.length > 0 ? 'fail' : 'warn',
        message: `${[...problems, ...warnings].join('; ')}.`,
        details,
        evidence,
        ...(fixable ? { fixes: [ACTION.fixPermissions] } : {}),
      };
    }
    if (incomplete) {
      return {
        status: 'warn',
        message: `wp-config.php is private, and no world-writable folder was found under ${root}, but some folders could not be read; run Healer as a user that can read the whole site.`,
        details,
        evidence: found.stderr.split('\n').filter((l) => l.trim()).slice(0, MAX_EVIDENCE),
      };
    }
    return {
      status: 'pass',
      message: `wp-config.php is not readable by other users (mode ${configMode === null ? 'unknown' : octal(configMode)}) and no folder under ${root} is world-writable.`,
      details,
    };
  },
};

/** `find -H ROOT -xdev ( -type d ( -name .git -o ... ) -prune ) -o ( -type d -perm -o+w -print0 )`. @internal */
export function findWorldWritableDirsCommand(root: string, prune: readonly string[]): Command {
  const names = prune.flatMap((name, i) => (i === 0 ? ['-name', name] : ['-o', '-name', name]));
  const pruneExpr = names.length > 0 ? ['(', '-type', 'd', '(', ...names, ')', '-prune', ')', '-o'] : [];
  return ['find', '-H', root, '-xdev', ...pruneExpr, '(', '-type', 'd', '-perm', '-o+w', '-print0', ')'];
}
