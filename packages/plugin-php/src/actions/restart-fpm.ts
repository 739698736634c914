/**
 * `php/restart-fpm` (medium): restart the PHP-FPM serving the app, with
 * `fpmRestart` when configured, else a graceful reload of its master
 * (`kill -USR2`: FPM reads its configuration again and replaces every
 * worker). Then wait until every worker is new and the pool answers.
 * Nothing to put back.
 */
import type { Step } from '@healer/core';
import { appAnswersCheck } from '../checks/app-answers.js';
import { fpmConfigStaleCheck, fpmStatusCheck } from '../checks/fpm.js';
import { fpmMaster, oldestWorkerStart, queryFpmStatus } from '../fpm.js';
import { servingPhp } from '../serving-php.js';
import { ACTION, CHECK, type PhpAction, type PhpActionContext, type PhpPlanContext } from '../shared.js';
import { cannotUndo, notApplicable } from './shared.js';

/** The context with facts read again (the state may have changed since the plan). */
function fresh<T extends PhpPlanContext>(ctx: T): T {
  return { ...ctx, facts: { ...ctx.facts, get: (_key: string, probe: () => Promise<unknown>) => probe() } } as T;
}

/** The FPM serving the app and its master, or why there is none to restart. */
async function target(ctx: PhpPlanContext) {
  const s = await servingPhp(ctx);
  if (!s.fpm) return `the app is not served by PHP-FPM (${s.description})`;
  const master = await fpmMaster(ctx.exec, s.fpm.fpm);
  if (!master && !ctx.config.fpmRestart) return `no running PHP-FPM master was found for ${s.fpm.fpm.file}, and no fpmRestart command is configured to start it`;
  return { fpm: s.fpm, master };
}

/** The restart steps: the configured command, else `kill -USR2 <master>`. */
export async function restartFpmSteps(ctx: PhpPlanContext): Promise<Step[] | string> {
  const t = await target(ctx);
  if (typeof t === 'string') return t;
  if (ctx.config.fpmRestart) return [{ kind: 'run', command: [...ctx.config.fpmRestart], write: true, timeoutMs: 120_000, description: `restart PHP-FPM (${t.fpm.fpm.file}) with the configured command` }];
  return [{ kind: 'run', command: ['kill', '-USR2', String(t.master!.pid)], write: true, timeoutMs: 15_000, description: `reload PHP-FPM gracefully (master pid ${t.master!.pid}, ${t.fpm.fpm.file}): its configuration read again, every worker replaced` }];
}

/** Wait until FPM's workers all started after the restart and the pool answers its status page (when it has one). */
async function waitForFpm(ctx: PhpActionContext): Promise<void> {
  const s = await servingPhp({ ...ctx, facts: { ...ctx.facts, get: (_key, probe) => probe() } });
  if (!s.fpm) return;
  const deadline = Date.now() + ctx.config.startTimeoutMs;
  const date = await ctx.exec.run(['date', '+%s'], { timeoutMs: 5_000 });
  const restartedAt = Number(date.stdout.trim()) - 1;
  let last = 'no answer yet';
  for (;;) {
    const master = await fpmMaster(ctx.exec, s.fpm.fpm);
    if (master) {
      const workers = await oldestWorkerStart(ctx.exec, master.pid);
      const fresh = workers.oldest === null || workers.oldest >= restartedAt;
      const status = s.fpm.pool.statusPath ? await queryFpmStatus(ctx.exec, ctx.config.phpBinary, s.fpm.pool, ctx.signal) : null;
      if (fresh && (status === null || !('error' in status))) return;
      last = !fresh ? 'old workers still run' : status && 'error' in status ? status.error : 'waiting';
    } else last = 'no PHP-FPM master runs';
    if (Date.now() > deadline) throw new Error(`PHP-FPM did not come back within ${ctx.config.startTimeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const restartFpmAction: PhpAction = {
  id: ACTION.restartFpm,
  title: 'Restart PHP-FPM',
  description: 'Restart the PHP-FPM that serves the app (fpmRestart, else a graceful reload of its master) and wait until its pool answers again.',
  risk: 'medium',
  fixes: [CHECK.fpmStatus, CHECK.fpmConfigStale, CHECK.appAnswers],
  // A restart changes no file: nothing to save, nothing to put back.
  backup: { paths: [] },
  async preconditions(ctx) {
    const steps = await restartFpmSteps(ctx);
    if (typeof steps === 'string') return steps;
    // Planned only for what a restart fixes: one that is fine again since (restarted by a person) is not restarted.
    const asked = new Set(ctx.results.map((r) => r.id.replace(/^[^/]+\//, 'php/')));
    const still: string[] = [];
    for (const check of [fpmStatusCheck, fpmConfigStaleCheck]) {
      if (!asked.has(check.id)) continue;
      const now = await check.run(fresh(ctx));
      if (now.status === 'fail' || (now.status === 'warn' && (now.fixes ?? []).length > 0)) still.push(check.id);
    }
    if (still.length > 0) return true;
    if (ctx.results.length > 0 && ctx.results.every((r) => !r.id.endsWith('/app-answers'))) return 'PHP-FPM is fine again: nothing a restart would change';
    // Planned for the app's answer alone: only a gateway error or no answer is FPM's to fix; a 500 is the app's own error.
    const now = await appAnswersCheck.run(fresh(ctx));
    if (now.status === 'pass') return `the app answers again: ${now.message}`;
    const code = now.details?.['status'];
    if (typeof code === 'number' && (code < 502 || code > 504)) return `a restart would not help: the app itself answers HTTP ${code} (see php/fatal-errors)`;
    return true;
  },
  async plan(ctx) {
    const steps = await restartFpmSteps(ctx);
    if (typeof steps === 'string') throw notApplicable(ACTION.restartFpm, steps);
    return steps;
  },
  settle: waitForFpm,
  rollback: cannotUndo('A restart of PHP-FPM cannot be undone'),
};
