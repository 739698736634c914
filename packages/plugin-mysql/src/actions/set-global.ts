/**
 * `mysql/set-global` (high): SET GLOBAL of the runtime settings the failing
 * checks suggest (each finding's `suggested` entries that the server takes
 * at runtime), for the findings such a change settles at once (connections
 * against max_connections, buffer pool and redo log sizes). The old values are saved first (the `globals` backup part)
 * and the rollback sets them back. Option files are never written: the
 * change lasts until the server restarts, unless a person makes it
 * permanent.
 */
import { opStep, restoreBackup, type Step } from '@healer/core';
import { ACTION } from '../checks/shared.js';
import { connectionsUsedCheck } from '../checks/status.js';
import { bufferPoolCheck, redoLogCheck } from '../checks/innodb.js';
import { readGlobals, suggestedSettings } from '../globals.js';
import { setGlobalOp } from '../operations.js';
import { notApplicable, type MysqlAction, type MysqlPlanContext } from './shared.js';

/** The settings to change: suggested, and not already at the suggested value. Each with its value now. */
async function settingsToChange(ctx: MysqlPlanContext): Promise<Array<{ variable: string; value: string; was: string }> | string> {
  const suggested = suggestedSettings(ctx.results);
  if (suggested.length === 0) return 'the checks suggested no setting the server takes at runtime';
  const now = await readGlobals(ctx, suggested.map((s) => s.variable));
  // The server shows booleans as 1/0; the checks suggest ON/OFF.
  const same = (current: string, value: string): boolean => current === value || (value === 'ON' && current === '1') || (value === 'OFF' && current === '0');
  const out = suggested.filter((s) => !same(now[s.variable] ?? '', s.value)).map((s) => ({ variable: s.variable, value: s.value, was: now[s.variable] ?? '' }));
  return out.length > 0 ? out : `every suggested setting already has its value (${suggested.map((s) => `${s.variable} = ${s.value}`).join(', ')})`;
}

export const setGlobalAction: MysqlAction = {
  id: ACTION.setGlobal,
  title: 'Change server settings at runtime (SET GLOBAL)',
  description: 'SET GLOBAL of the settings the checks suggest, the old values saved and set back by the rollback; option files are never written.',
  risk: 'high',
  // The checks whose finding a runtime change settles at once; ratios of counters since startup cannot verify a change.
  fixes: [connectionsUsedCheck.id, bufferPoolCheck.id, redoLogCheck.id],
  backup: { paths: [], parts: ['globals'] },
  async preconditions(ctx) {
    const s = await settingsToChange(ctx);
    return typeof s === 'string' ? s : true;
  },
  async plan(ctx): Promise<Step[]> {
    const s = await settingsToChange(ctx);
    if (typeof s === 'string') throw notApplicable(ACTION.setGlobal, s);
    return s.map((x) => opStep(setGlobalOp, x));
  },
  rollback: restoreBackup,
};
