/**
 * The operations the MySQL actions plan as `op` steps and the engine
 * carries out: REPAIR TABLE, OPTIMIZE TABLE, KILL QUERY and SET GLOBAL,
 * each with its arguments checked when planned and again when applied.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HealerError, type Operation } from '@healer/core';
import type { MysqlConfig } from './config.js';
import { queryRows, type MysqlContext } from './connection.js';
import { groupCheckRows, qualified, tableOk } from './checks/tables.js';
import { readGlobals, setGlobalSql, SETTABLE } from './globals.js';
import { TABLE_NAME } from './table-names.js';
import type { MysqlMetadata } from './types.js';

type MysqlOperation<A> = Operation<A, MysqlConfig, MysqlMetadata>;

/** Schemas whose tables are views of the server's memory: never repaired or optimized. */
const VIRTUAL_SCHEMAS = ['information_schema', 'performance_schema', 'sys'];

const TableArg = z
  .string()
  .regex(TABLE_NAME, 'not a `db.table` name')
  .refine((t) => !VIRTUAL_SCHEMAS.includes(t.slice(0, t.indexOf('.')).toLowerCase()), 'a table of a virtual schema');

/** Run a table statement (REPAIR/OPTIMIZE) and refuse anything but OK. */
async function tableStatement(ctx: MysqlContext, statement: 'REPAIR TABLE' | 'OPTIMIZE TABLE', table: string): Promise<void> {
  const rows = await queryRows(ctx, `${statement} ${qualified(table)}`, { timeoutMs: 6 * 3600_000 });
  const [result] = groupCheckRows(rows);
  // InnoDB answers OPTIMIZE with a note ("doing recreate + analyze instead") and then OK.
  if (!result || !tableOk(result)) {
    throw new HealerError('COMMAND_FAILED', `${statement} ${qualified(table)} failed: ${result?.rows.map((r) => r.text).join('; ') || 'the server gave no result'}.`);
  }
}

/** REPAIR TABLE of one MyISAM/Aria table. No `read()`: the `tables` backup part fingerprints its rows. */
export const repairTableOp: MysqlOperation<{ table: string }> = {
  id: 'mysql/repair',
  args: z.strictObject({ table: TableArg }),
  describe: ({ table }) => `REPAIR TABLE ${qualified(table)}`,
  apply: (ctx, { table }) => tableStatement(ctx, 'REPAIR TABLE', table),
};

/** OPTIMIZE TABLE of one table (for InnoDB: a rebuild). */
export const optimizeTableOp: MysqlOperation<{ table: string }> = {
  id: 'mysql/optimize',
  args: z.strictObject({ table: TableArg }),
  describe: ({ table }) => `OPTIMIZE TABLE ${qualified(table)}`,
  apply: (ctx, { table }) => tableStatement(ctx, 'OPTIMIZE TABLE', table),
};

/** A digest of a query's text, so a plan names the query without holding it. */
export function queryDigest(info: string | null): string {
  return createHash('sha256').update(info ?? '').digest('hex').slice(0, 16);
}

/** The thread, if it still runs the query with that digest as that user. */
export async function runningQuery(ctx: MysqlContext, id: number): Promise<{ user: string; digest: string; info: string | null } | null> {
  const [row] = await queryRows(ctx, `SELECT USER, HEX(INFO), COMMAND FROM information_schema.PROCESSLIST WHERE ID = ${Number(id)}`);
  if (!row || row[2] !== 'Query') return null;
  const info = row[1] ? Buffer.from(row[1], 'hex').toString('utf8') : null;
  return { user: row[0] ?? '', digest: queryDigest(info), info };
}

/**
 * KILL QUERY of one thread: the statement stops, the client stays
 * connected. Refused when the thread no longer runs the planned query (it
 * ended and the id may be reused).
 */
export const killQueryOp: MysqlOperation<{ id: number; user: string; query: string }> = {
  id: 'mysql/kill',
  args: z.strictObject({ id: z.int().positive(), user: z.string(), query: z.string().regex(/^[0-9a-f]{16}$/) }),
  describe: ({ id, user, query }) => `KILL QUERY ${id} (${user}, query ${query})`,
  async apply(ctx, { id, user, query }) {
    const now = await runningQuery(ctx, id);
    if (!now || now.user !== user || now.digest !== query) throw new HealerError('ACTION_UNSAFE', `Thread ${id} no longer runs the planned query: nothing was killed.`);
    await queryRows(ctx, `KILL QUERY ${Number(id)}`);
  },
};

/**
 * SET GLOBAL of one variable of {@link SETTABLE}. `was` (the value when
 * planned) is part of the plan, so a value changed since makes another
 * plan; `read()` gives the value now, so a rollback refuses when someone
 * set it again after the heal.
 */
export const setGlobalOp: MysqlOperation<{ variable: string; value: string; was: string }> = {
  id: 'mysql/set-variable',
  args: z.strictObject({ variable: z.enum(SETTABLE as [string, ...string[]]), value: z.string().regex(/^(?:\d{1,20}|ON|OFF)$/), was: z.string() }),
  describe: ({ variable, value, was }) => `SET GLOBAL ${variable} = ${value} (was ${was})`,
  async apply(ctx, { variable, value }) {
    await queryRows(ctx, setGlobalSql(variable, value));
  },
  async read(ctx, { variable }) {
    return (await readGlobals(ctx, [variable]))[variable] ?? null;
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation has its own argument type
export const mysqlOperations: Operation<any, MysqlConfig, MysqlMetadata>[] = [repairTableOp, optimizeTableOp, killQueryOp, setGlobalOp];
