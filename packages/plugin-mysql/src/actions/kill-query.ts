/**
 * `mysql/kill-query` (high): KILL QUERY of each thread the long-queries
 * check named that still runs the same query. The statement stops, its
 * client stays connected; what the statement did is rolled back by the
 * server itself. Nothing to put back afterwards.
 */
import { opStep, type Step } from '@healer/core';
import { ACTION } from '../checks/shared.js';
import { longQueriesCheck } from '../checks/server.js';
import { killQueryOp, queryDigest, runningQuery } from '../operations.js';
import { notApplicable, type MysqlAction, type MysqlPlanContext } from './shared.js';

interface Target {
  id: number;
  user: string;
  query: string;
}

/** The named threads still running the query they ran when the check saw them. */
async function queriesToKill(ctx: MysqlPlanContext): Promise<Target[] | string> {
  const queries = ctx.results.find((r) => r.id === longQueriesCheck.id)?.details?.['queries'];
  const named = Array.isArray(queries) ? (queries as unknown[]) : [];
  const out: Target[] = [];
  for (const q of named) {
    if (typeof q !== 'object' || q === null) continue;
    const { id, user, info } = q as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0 || typeof user !== 'string') continue;
    const now = await runningQuery(ctx, id);
    // The check saw the text cut to 500 characters: compare that much.
    if (!now || now.user !== user || (typeof info === 'string' && (now.info ?? '').slice(0, 500) !== info)) continue;
    out.push({ id, user, query: queryDigest(now.info) });
  }
  if (out.length === 0) return named.length === 0 ? 'the check named no query' : 'none of the named queries is still running';
  return out.sort((a, b) => a.id - b.id);
}

export const killQueryAction: MysqlAction = {
  id: ACTION.killQuery,
  title: 'Kill queries that run too long',
  description: 'KILL QUERY on each thread still running a query longer than longQuerySeconds (the connection stays).',
  risk: 'high',
  fixes: [longQueriesCheck.id],
  async preconditions(ctx) {
    const t = await queriesToKill(ctx);
    return typeof t === 'string' ? t : true;
  },
  async plan(ctx): Promise<Step[]> {
    const t = await queriesToKill(ctx);
    if (typeof t === 'string') throw notApplicable(ACTION.killQuery, t);
    return t.map((q) => opStep(killQueryOp, q));
  },
  // The server rolls back what the statement did; nothing can start it again.
  irreversible: 'a killed query cannot be started again',
};
