/**
 * PHP-FPM: `php/fpm-status` (the pool's status page, where the pool exposes
 * one with `pm.status_path`) and `php/fpm-config-stale` (FPM's configuration
 * or php.ini changed after its workers started: what runs is not what is on
 * disk).
 */
import { fpmMaster, newestMtime, oldestWorkerStart, queryFpmStatus } from '../fpm.js';
import { servingPhpOrError } from '../serving-php.js';
import { ACTION, CHECK, type PhpCheck, type PhpCheckContext } from '../shared.js';

/** The FPM pool serving the app, or a skip result. */
async function fpmOf(ctx: PhpCheckContext) {
  const s = await servingPhpOrError(ctx);
  if ('error' in s) return { skip: `the serving PHP could not be read: ${s.error}` } as const;
  if (!s.fpm) return { skip: `the app is not served by PHP-FPM (${s.description})` } as const;
  return { serving: s, fpm: s.fpm } as const;
}

export const fpmStatusCheck: PhpCheck = {
  id: CHECK.fpmStatus,
  title: 'PHP-FPM pool status',
  category: 'availability',
  severity: 'high',
  description: "The status page of the PHP-FPM pool serving the app (`pm.status_path`), asked over FastCGI at the pool's socket: it must answer; a listen queue or `max children reached` means requests wait for a free worker.",
  timeoutMs: 20_000,
  async run(ctx) {
    const found = await fpmOf(ctx);
    if ('skip' in found) return { status: 'skip', message: `Skipped: ${found.skip}.` };
    const { pool } = found.fpm;
    if (!pool.statusPath) return { status: 'skip', message: `The pool ${pool.name} (${pool.file}) exposes no status page (no pm.status_path).` };
    const answer = await queryFpmStatus(ctx.exec, ctx.config.phpBinary, pool, ctx.signal);
    if ('error' in answer) {
      return {
        status: 'fail',
        message: `The PHP-FPM pool ${pool.name} does not answer its status page ${pool.statusPath} at ${pool.listen}: ${answer.error}. PHP requests to it fail too.`,
        details: { pool: pool.name, listen: pool.listen, statusPath: pool.statusPath, error: answer.error },
        fixes: [ACTION.restartFpm],
      };
    }
    const st = answer.status;
    const details = { ...st, pool: pool.name, listen: pool.listen };
    if (st.listenQueue > 0 || st.maxChildrenReached > 0) {
      return {
        status: 'warn',
        message: `The PHP-FPM pool ${pool.name} is saturated: ${st.listenQueue} request(s) waiting, max children reached ${st.maxChildrenReached} time(s) since it started (${st.activeProcesses}/${st.totalProcesses} workers busy). Raise pm.max_children if memory allows, or find the slow requests.`,
        details,
      };
    }
    return { status: 'pass', message: `The PHP-FPM pool ${pool.name} answers: ${st.activeProcesses} of ${st.totalProcesses} workers busy, no request waiting.`, details };
  },
};

export const fpmConfigStaleCheck: PhpCheck = {
  id: CHECK.fpmConfigStale,
  title: 'PHP-FPM runs its current configuration',
  category: 'configuration',
  severity: 'medium',
  description: "PHP-FPM reads its pool files and php.ini when it (re)starts: a change made after its oldest worker started is not in effect until it is restarted.",
  timeoutMs: 20_000,
  async run(ctx) {
    const found = await fpmOf(ctx);
    if ('skip' in found) return { status: 'skip', message: `Skipped: ${found.skip}.` };
    const { fpm, pool } = found.fpm;
    const master = found.fpm.master ?? (await fpmMaster(ctx.exec, fpm));
    if (!master) {
      return { status: 'fail', message: `No running PHP-FPM master was found for ${fpm.file}: PHP requests of the pool ${pool.name} cannot be served.`, details: { config: fpm.file }, fixes: [ACTION.restartFpm] };
    }
    const files = [...new Set([fpm.file, pool.file, ...(found.serving.iniFile ? [found.serving.iniFile] : []), ...found.serving.scanned])];
    const [newest, workers] = await Promise.all([newestMtime(ctx.exec, files), oldestWorkerStart(ctx.exec, master.pid)]);
    if (!newest || workers.oldest === null) return { status: 'skip', message: `The age of PHP-FPM's workers (master pid ${master.pid}) or of its configuration could not be read.` };
    const details = { masterPid: master.pid, newestFile: newest.file, changedAt: new Date(newest.mtime * 1000).toISOString(), oldestWorkerStartedAt: new Date(workers.oldest * 1000).toISOString() };
    if (newest.mtime > workers.oldest) {
      return {
        status: 'warn',
        message: `${newest.file} changed at ${details.changedAt}, after PHP-FPM's oldest worker started (${details.oldestWorkerStartedAt}): the change is not in effect until PHP-FPM is restarted.`,
        details,
        fixes: [ACTION.restartFpm],
      };
    }
    return { status: 'pass', message: `PHP-FPM (master pid ${master.pid}) started its workers after the last change to its configuration (${newest.file}).`, details };
  },
};
