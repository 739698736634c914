/**
 * `wordpress/database-connection` and `wordpress/tables-need-repair`.
 */
import { localServerOf } from '@healer/plugin-mysql';
import { wpMeta } from '../detect.js';
import { explainDbError } from '../ops/index.js';
import { parseDbHost } from '../ops/mysql-client.js';
import { ACTION, connectErrorOnce, MAX_EVIDENCE, opsFor, plural, skipWhenDbDown, type WpCheck } from './shared.js';

export const databaseConnectionCheck: WpCheck = {
  id: 'wordpress/database-connection',
  title: 'Database connection',
  category: 'database',
  severity: 'critical',
  description:
    "Connects to the database with the credentials in wp-config.php and explains a failure in words (wrong password, unknown database, server down). Never healed automatically: credentials are for a person to fix.",
  timeoutMs: 20_000,
  async run(ctx) {
    const { db } = wpMeta(ctx.app);
    const ops = await opsFor(ctx);
    const error = await connectErrorOnce(ctx, ops);
    const where = `database "${db.name}" on ${db.host} as "${db.user}"`;
    if (error === null) {
      return { status: 'pass', message: `WordPress can connect to its ${where}.`, details: { database: db.name, host: db.host, user: db.user, via: ops.kind } };
    }
    // The local server it points at, when the server's option files say which: the MySQL plugin diagnoses it.
    const server = await localServerOf(ctx.fs, parseDbHost(db.host)).catch(() => null);
    const pointer = server ? ` Its server is the local MySQL server of ${server.dataDir}: \`healer diagnose ${server.dataDir}\` looks at it.` : '';
    return {
      status: 'fail',
      message: `WordPress cannot connect to its ${where} (error ${error.errno}). ${explainDbError(error.errno)}${pointer}`,
      details: { database: db.name, host: db.host, user: db.user, errno: error.errno, error: error.message, via: ops.kind, databaseServer: server?.dataDir ?? null },
      evidence: [error.message],
    };
  },
};

export const tablesNeedRepairCheck: WpCheck = {
  id: 'wordpress/tables-need-repair',
  title: 'Database tables',
  category: 'database',
  severity: 'high',
  description: "Runs CHECK TABLE on the site's tables and reports the ones that are crashed or corrupt.",
  timeoutMs: 60_000,
  async run(ctx) {
    const ops = await opsFor(ctx);
    const down = await skipWhenDbDown(ctx, ops);
    if (down) return down;
    const bad = await ops.tablesNeedingRepair();
    if (bad.length === 0) {
      return { status: 'pass', message: 'CHECK TABLE reports every table of the site as OK.', details: { tables: [] } };
    }
    const names = bad.map((t) => t.table);
    return {
      status: 'fail',
      message: `${plural(bad.length, 'table')} need${bad.length === 1 ? 's' : ''} repair (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}): run REPAIR TABLE after a database dump.`,
      details: { tables: names, problems: bad },
      evidence: bad.slice(0, MAX_EVIDENCE).map((t) => `${t.table}: ${t.message}`),
      fixes: [ACTION.repairTables],
    };
  },
};
