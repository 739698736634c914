/**
 * The server as a whole: can it be reached, is its version still
 * supported, are queries stuck, is replication running, is there disk left
 * for its data, and are its accounts safe.
 */
import { formatBytes } from '../ratios.js';
import { isLogin, login, UNREACHABLE_ERRNOS, where } from '../connection.js';
import { mysqlMeta } from '../detect.js';
import { ACTION, snapshotCheck, type MysqlCheck, type SnapshotCheck } from './shared.js';

export const connectionCheck: MysqlCheck = {
  id: 'mysql/connection',
  title: 'The server accepts a login',
  category: 'availability',
  severity: 'critical',
  async run(ctx) {
    const r = await login(ctx);
    if (isLogin(r)) return { status: 'pass', message: `Logged in through ${where(r.conn)} with the ${r.source} credentials.`, details: { source: r.source } };
    const unreachable = r.errno !== null && UNREACHABLE_ERRNOS.includes(r.errno);
    return {
      status: 'fail',
      message: unreachable ? `The server does not answer: ${r.message}` : `No login worked: ${r.attempts.map((a) => `${a.source}: ${a.message}`).join('; ') || r.message}`,
      details: { errno: r.errno, attempts: r.attempts, unreachable },
      ...(unreachable ? { fixes: [ACTION.restartServer] } : {}),
    };
  },
};

/** End of support per release series (vendors' published dates). */
export const END_OF_LIFE: Record<'mariadb' | 'mysql', Record<string, string>> = {
  mariadb: {
    '10.3': '2023-05-25', '10.4': '2024-06-18', '10.5': '2025-06-24', '10.6': '2026-07-06', '10.7': '2023-02-09', '10.8': '2023-05-20',
    '10.9': '2023-08-22', '10.10': '2023-11-17', '10.11': '2028-02-16', '11.0': '2024-06-06', '11.1': '2024-08-21', '11.2': '2024-11-21',
    '11.3': '2024-05-29', '11.4': '2029-05-29', '11.5': '2024-11-21', '11.6': '2025-02-16', '11.7': '2025-05-14', '11.8': '2030-06-04',
  },
  mysql: { '5.5': '2018-12-31', '5.6': '2021-02-28', '5.7': '2023-10-31', '8.0': '2026-04-30', '8.4': '2032-04-30' },
};
/** Warn this long before the end of support. */
export const EOL_WARN_DAYS = 180;

/** The series (`10.11`) and flavor of a `version` variable (`10.11.19-MariaDB-0+deb12u1`). */
export function versionSeries(version: string): { flavor: 'mariadb' | 'mysql'; series: string } | null {
  const m = /^(\d+)\.(\d+)\./.exec(version);
  if (!m) return null;
  return { flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql', series: `${m[1]}.${m[2]}` };
}

export const versionEolCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/version-eol',
  title: 'The server version is supported',
  category: 'security',
  severity: 'high',
  judge(snap) {
    const version = snap.variables['version'] ?? '';
    const parsed = versionSeries(version);
    const eol = parsed ? END_OF_LIFE[parsed.flavor][parsed.series] : undefined;
    const details = { variable: 'version', value: version, threshold: `end of support, or within ${EOL_WARN_DAYS} days of it`, endOfLife: eol ?? null };
    if (!parsed || !eol) return { status: 'skip', message: `No end-of-support date known for ${version || 'this version'}.`, details };
    const days = Math.floor((Date.parse(`${eol}T00:00:00Z`) - Date.now()) / 86_400_000);
    const name = `${parsed.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${parsed.series}`;
    if (days < 0) return { status: 'fail', message: `${name} (${version}) reached its end of support on ${eol}: no more security fixes. Upgrade to a supported series.`, details };
    if (days <= EOL_WARN_DAYS) return { status: 'warn', message: `${name} reaches its end of support on ${eol} (in ${days} days): plan the upgrade.`, details };
    return { status: 'pass', message: `${name} is supported until ${eol}.`, details };
  },
});

export const longQueriesCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/long-queries',
  title: 'Queries running too long',
  category: 'performance',
  severity: 'medium',
  judge(snap, ctx) {
    const limit = ctx.config.longQuerySeconds;
    if (snap.processes === null) return { status: 'skip', message: 'The process list could not be read (PROCESS privilege).' };
    // Replication threads and the event scheduler run for as long as the server does.
    const long = snap.processes.filter((p) => p.command === 'Query' && p.time > limit && p.user !== 'system user' && p.user !== 'event_scheduler');
    const queries = long.map((p) => ({ id: p.id, user: p.user, host: p.host, db: p.db, seconds: p.time, state: p.state, info: p.info }));
    const details = { variable: 'PROCESSLIST.TIME', value: long.length === 0 ? 0 : Math.max(...long.map((p) => p.time)), threshold: `> ${limit} s (longQuerySeconds)`, queries };
    if (long.length === 0) return { status: 'pass', message: `No query has run longer than ${limit} s.`, details };
    return {
      status: 'warn',
      message: `${long.length} ${long.length === 1 ? 'query has' : 'queries have'} run longer than ${limit} s (longest ${details.value} s, thread ${long[0]!.id}).`,
      details,
      evidence: long.map((p) => `thread ${p.id} ${p.user}@${p.host} ${p.time}s: ${(p.info ?? '').slice(0, 200)}`),
      fixes: [ACTION.killQuery],
    };
  },
});

export const replicationCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/replication',
  title: 'Replication runs and keeps up',
  category: 'availability',
  severity: 'high',
  judge(snap, ctx) {
    if (snap.replication === null) return { status: 'skip', message: 'The replication status could not be read (REPLICATION CLIENT privilege).' };
    if (snap.replication.length === 0) return { status: 'pass', message: 'Not a replica.' };
    const lagLimit = ctx.config.replicationLagSeconds;
    const problems: string[] = [];
    let worst: 'pass' | 'warn' | 'fail' = 'pass';
    for (const r of snap.replication) {
      const name = r['Connection_name'] ? `"${r['Connection_name']}"` : 'the default source';
      const io = r['Slave_IO_Running'] ?? r['Replica_IO_Running'];
      const sql = r['Slave_SQL_Running'] ?? r['Replica_SQL_Running'];
      const lag = r['Seconds_Behind_Master'] ?? r['Seconds_Behind_Source'];
      if (io !== 'Yes' || sql !== 'Yes') {
        worst = 'fail';
        problems.push(`${name}: IO thread ${io ?? '?'}, SQL thread ${sql ?? '?'}${r['Last_Error'] ? ` (${r['Last_Error']})` : ''}${r['Last_IO_Error'] ? ` (${r['Last_IO_Error']})` : ''}`);
      } else if (lag !== null && lag !== undefined && Number(lag) > lagLimit) {
        if (worst === 'pass') worst = 'warn';
        problems.push(`${name}: ${lag} s behind (more than ${lagLimit} s)`);
      }
    }
    const details = { variable: 'Slave_IO_Running, Slave_SQL_Running, Seconds_Behind_Master', threshold: `stopped, or > ${lagLimit} s behind`, sources: snap.replication.length };
    if (worst === 'pass') return { status: 'pass', message: `Replication from ${snap.replication.length} source(s) runs and keeps up.`, details };
    return { status: worst, message: `Replication: ${problems.join('; ')}.`, details, evidence: problems };
  },
});

export const dataDiskCheck: MysqlCheck = {
  id: 'mysql/datadir-disk',
  title: 'Disk space of the data directory',
  category: 'system',
  severity: 'high',
  async run(ctx) {
    const disk = await ctx.facts.disk(mysqlMeta(ctx.app).dataDir);
    const limit = ctx.config.diskUsedPercent;
    const details = { variable: 'used', value: disk.usedPercent, threshold: `> ${limit}% used`, mount: disk.mount, availableBytes: disk.availableBytes };
    const msg = `${disk.mount} (holding the data directory) is ${Math.round(disk.usedPercent * 10) / 10}% used, ${formatBytes(disk.availableBytes)} free`;
    if (disk.usedPercent > limit) return { status: 'fail', message: `${msg}: a full disk stops every write and can corrupt tables.`, details };
    if (disk.usedPercent > limit - 10) return { status: 'warn', message: `${msg}.`, details };
    return { status: 'pass', message: `${msg}.`, details };
  },
};

export const securityCheck: SnapshotCheck = snapshotCheck({
  id: 'mysql/security',
  title: 'Anonymous accounts, accounts without a password, root from anywhere',
  category: 'security',
  severity: 'high',
  judge(snap) {
    if (snap.accounts === null) return { status: 'skip', message: 'The accounts could not be read (no access to mysql.user).' };
    const active = snap.accounts.filter((a) => !a.locked);
    const passwordPlugins = ['', 'mysql_native_password', 'mysql_old_password', 'caching_sha2_password', 'sha256_password'];
    const anonymous = active.filter((a) => a.user === '');
    const noPassword = active.filter((a) => a.user !== '' && passwordPlugins.includes(a.plugin) && !a.hasPassword);
    const rootAnywhere = active.filter((a) => a.user === 'root' && a.host === '%');
    const problems = [
      ...anonymous.map((a) => `anonymous account ''@'${a.host}'`),
      ...noPassword.map((a) => `'${a.user}'@'${a.host}' has no password`),
      ...rootAnywhere.map(() => "root can log in from any host ('root'@'%')"),
    ];
    const details = { variable: 'mysql.user', threshold: "anonymous accounts, empty passwords, 'root'@'%'", anonymous: anonymous.length, withoutPassword: noPassword.map((a) => `${a.user}@${a.host}`), rootFromAnyHost: rootAnywhere.length > 0 };
    if (problems.length === 0) return { status: 'pass', message: `${active.length} active accounts: none anonymous, all with a password or socket login, root local only.`, details };
    return { status: 'fail', message: `${problems.join('; ')}. Drop or lock these accounts, or set passwords.`, details, evidence: problems };
  },
});

export const serverChecks: MysqlCheck[] = [connectionCheck, versionEolCheck, longQueriesCheck, replicationCheck, dataDiskCheck, securityCheck];
