/**
 * `mysql/restart-server` (high): restart (or start) a server that does not
 * answer, with the configured `restartCommand`, else through systemd for
 * the server the system's option files describe. Then wait until it
 * accepts a login. Nothing to put back.
 */
import type { Step } from '@healer/core';
import { ACTION } from '../checks/shared.js';
import { connectionCheck } from '../checks/server.js';
import { isLogin, login } from '../connection.js';
import { mysqlMeta } from '../detect.js';
import { DEFAULT_OPTION_FILES } from '../option-files.js';
import { notApplicable, type MysqlAction, type MysqlActionContext, type MysqlPlanContext } from './shared.js';

/** The systemd units a packaged server runs as, in the order tried. */
const UNITS = ['mariadb', 'mysql', 'mysqld'];

/** How to restart this server: the configured argv, or `systemctl restart <unit>`; a string says why there is none. */
async function restartCommand(ctx: MysqlPlanContext): Promise<readonly string[] | string> {
  if (ctx.config.restartCommand) return ctx.config.restartCommand;
  // systemd's unit runs the server of the system's option files: never another data directory's.
  const meta = mysqlMeta(ctx.app);
  if (!DEFAULT_OPTION_FILES.some((f) => meta.optionFiles.includes(f))) {
    return `the server of ${meta.dataDir} is not the one the system's option files describe, so its systemd unit is unknown: set restartCommand`;
  }
  for (const unit of UNITS) {
    const r = await ctx.exec.run(['systemctl', 'cat', `${unit}.service`], { timeoutMs: 15_000, signal: ctx.signal }).catch(() => null);
    if (r?.exitCode === 0) return ['systemctl', 'restart', `${unit}.service`];
  }
  return 'no systemd unit (mariadb, mysql, mysqld) found: set restartCommand';
}

/** Planned only while the server does not answer: one started since (by a person) is not restarted. */
async function whyNot(ctx: MysqlPlanContext): Promise<string | null> {
  const now = await connectionCheck.run(ctx);
  if (now.status === 'pass') return `the server answers again: ${now.message}`;
  if (now.details?.['unreachable'] !== true) return `a restart would not help: ${now.message}`;
  return null;
}

/** Wait (up to 2 minutes) until the server accepts a login. */
async function waitForLogin(ctx: MysqlActionContext): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = '';
  for (;;) {
    // A fresh attempt each time: `login()` is memoized per facts, so ask the credentials directly.
    const r = await login({ ...ctx, facts: { ...ctx.facts, get: (_key, probe) => probe() } });
    if (isLogin(r)) return;
    last = r.message;
    if (Date.now() > deadline) throw new Error(`The server did not accept a login within 2 minutes: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const restartServerAction: MysqlAction = {
  id: ACTION.restartServer,
  title: 'Restart the database server',
  description: 'Restart (or start) a server that does not answer, with restartCommand or its systemd unit, and wait until it accepts a login.',
  risk: 'high',
  fixes: [connectionCheck.id],
  async preconditions(ctx) {
    const why = await whyNot(ctx);
    if (why) return why;
    const command = await restartCommand(ctx);
    return typeof command === 'string' ? command : true;
  },
  async plan(ctx): Promise<Step[]> {
    const command = await restartCommand(ctx);
    if (typeof command === 'string') throw notApplicable(ACTION.restartServer, command);
    return [{ kind: 'run', command, write: true, timeoutMs: 300_000, description: `restart the server of ${mysqlMeta(ctx.app).dataDir}` }];
  },
  settle: waitForLogin,
  // A restart changes no data; the connections it dropped cannot be brought back.
  irreversible: 'a restart cannot be undone',
};
