/**
 * Detection of a MySQL/MariaDB server from its data directory (`mysql/`
 * plus `ibdata1` or `aria_log_control`) or from the folder of its `my.cnf`:
 * the server binary and version, the option files, socket, port and error
 * log, and the running server process when there is one.
 */
import { posix } from 'node:path';
import { HealerError, type AppInfo, type DetectContext, type Detection, type ProcessInfo } from '@healer/core';
import type { MysqlConfig, ServerEntry } from './config.js';
import { DEFAULT_OPTION_FILES, readOptionFiles, serverOption, type OptionFiles } from './option-files.js';
import type { MysqlMetadata, ServerFlavor } from './types.js';

/** Files whose presence marks a candidate folder. */
export const SIGNATURES: readonly string[] = ['aria_log_control', 'ibdata1', 'my.cnf'];

/** Where server binaries live when `PATH` (of a non-root SSH user, say) does not hold them. */
const BINARIES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/libexec/mysqld', '/usr/local/mysql/bin/mysqld'];

/** A folder path without its trailing slash. */
export function normalizeDir(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu` -> version and flavor. */
export function parseServerVersion(text: string): { version: string; flavor: ServerFlavor } | null {
  const m = /\bVer\s+(\d+\.\d+\.\d+)(\S*)/.exec(text);
  if (!m) return null;
  return { version: m[1]!, flavor: /mariadb/i.test(`${m[2]} ${text}`) ? 'mariadb' : 'mysql' };
}

/** The `--name=value` options of a server command line (dashes read as `_`). */
export function commandOptions(command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of command.split(/\s+/).slice(1)) {
    const m = /^--([A-Za-z0-9_-]+)=(.*)$/.exec(word);
    if (m) out[m[1]!.replace(/-/g, '_')] = m[2]!;
  }
  return out;
}

/** True for a server process (`mariadbd`, `mysqld`; not `mysqld_safe` or a client). */
export function isServerProcess(p: ProcessInfo): boolean {
  const bin = posix.basename(p.command.split(/\s+/)[0] ?? '');
  return bin === 'mariadbd' || bin === 'mysqld';
}

/** The configuration entry for a data directory, with its name. */
export function serverEntryFor(config: MysqlConfig | undefined, dataDir: string): { name: string; entry: ServerEntry } | null {
  for (const [name, entry] of Object.entries(config?.servers ?? {})) {
    if (normalizeDir(entry.dataDir) === dataDir) return { name, entry };
  }
  return null;
}

/**
 * The data directory of a named `servers` entry, or null: what a front end
 * passes to `diagnose()` when a person types `healer diagnose main`.
 *
 * @example
 * serverTarget({ servers: { main: { dataDir: '/var/lib/mysql' } } }, 'main') // '/var/lib/mysql'
 */
export function serverTarget(config: { servers?: Record<string, { dataDir: string }> } | undefined, name: string): string | null {
  const entry = Object.hasOwn(config?.servers ?? {}, name) ? config!.servers![name] : undefined;
  return entry ? normalizeDir(entry.dataDir) : null;
}

/** The data directory an option file set names (default `/var/lib/mysql` when it names none). */
function dataDirOf(files: OptionFiles, commandLine: Record<string, string> = {}): string {
  return normalizeDir(commandLine['datadir'] ?? serverOption(files.sections, 'datadir') ?? '/var/lib/mysql');
}

/** The option files a server reads: `--defaults-file`, else the defaults plus `--defaults-extra-file`. */
async function optionFilesOf(ctx: DetectContext<MysqlConfig>, options: Record<string, string>): Promise<OptionFiles> {
  if (options['defaults_file']) return readOptionFiles(ctx.fs, [options['defaults_file']]);
  return readOptionFiles(ctx.fs, [...DEFAULT_OPTION_FILES, ...(options['defaults_extra_file'] ? [options['defaults_extra_file']] : [])]);
}

interface Found {
  dataDir: string;
  files: OptionFiles;
  process: ProcessInfo | null;
  commandLine: Record<string, string>;
  evidence: string[];
}

/** The server serving `dataDir`: its running process and option files, else the option files that name it. */
async function findServer(ctx: DetectContext<MysqlConfig>, dataDir: string, given: OptionFiles | null): Promise<Found> {
  const processes = await ctx.facts.processes().catch(() => []);
  for (const p of processes.filter(isServerProcess)) {
    const commandLine = commandOptions(p.command);
    const files = await optionFilesOf(ctx, commandLine);
    if (dataDirOf(files, commandLine) === dataDir) {
      return { dataDir, files, process: p, commandLine, evidence: [`server process ${p.pid} (${p.command.split(/\s+/)[0]}) serves ${dataDir}`] };
    }
  }
  if (given) return { dataDir, files: given, process: null, commandLine: {}, evidence: ['no running server process for it'] };
  const files = await readOptionFiles(ctx.fs, DEFAULT_OPTION_FILES);
  const named = dataDirOf(files) === dataDir;
  return { dataDir, files: named ? files : { sections: {}, files: [] }, process: null, commandLine: {}, evidence: ['no running server process for it'] };
}

/** The server binary and its version. */
async function serverBinary(ctx: DetectContext<MysqlConfig>, process: ProcessInfo | null): Promise<{ binary: string | null; version: string | null; flavor: ServerFlavor | null }> {
  const running = process?.command.split(/\s+/)[0];
  const candidates = [...(running && running.startsWith('/') ? [running] : []), ...BINARIES];
  for (const binary of candidates) {
    if (!(await ctx.fs.exists(binary))) continue;
    const r = await ctx.exec.run([binary, '--version'], { timeoutMs: 15_000, signal: ctx.signal }).catch(() => null);
    const parsed = r && r.exitCode === 0 ? parseServerVersion(r.stdout) : null;
    if (parsed) return { binary, ...parsed };
  }
  return { binary: null, version: null, flavor: null };
}

/** Recognize a data directory or the folder of a `my.cnf`. */
export async function detectMysql(ctx: DetectContext<MysqlConfig>): Promise<Detection<MysqlMetadata> | null> {
  const path = normalizeDir(ctx.path);
  let dataDir = path;
  let given: OptionFiles | null = null;
  const evidence: string[] = [];
  const isDataDir = async (dir: string): Promise<boolean> =>
    (await ctx.fs.stat(`${dir}/mysql`))?.type === 'directory' && ((await ctx.fs.exists(`${dir}/ibdata1`)) || (await ctx.fs.exists(`${dir}/aria_log_control`)));

  if (await isDataDir(path)) {
    evidence.push(`${path}/mysql and ${(await ctx.fs.exists(`${path}/ibdata1`)) ? 'ibdata1' : 'aria_log_control'} found`);
  } else if (await ctx.fs.exists(`${path}/my.cnf`)) {
    given = await readOptionFiles(ctx.fs, [`${path}/my.cnf`]);
    dataDir = dataDirOf(given);
    if (!(await isDataDir(dataDir))) return null;
    evidence.push(`${path}/my.cnf names the data directory ${dataDir}`);
  } else return null;

  const configured = serverEntryFor(ctx.config, dataDir);
  if (configured?.entry.optionFile) given = await readOptionFiles(ctx.fs, [configured.entry.optionFile]);
  const found = await findServer(ctx, dataDir, given);
  evidence.push(...found.evidence);
  if (found.files.files.length > 0) evidence.push(`option files: ${found.files.files.join(', ')}`);
  const bin = await serverBinary(ctx, found.process);
  if (bin.binary) evidence.push(`${bin.binary} ${bin.version ?? ''}`.trim());

  const option = (name: string): string | null => found.commandLine[name] ?? serverOption(found.files.sections, name);
  const port = Number(option('port') ?? '3306');
  const errorLog = option('log_error');
  const metadata: MysqlMetadata = {
    dataDir,
    flavor: bin.flavor,
    version: bin.version,
    binary: bin.binary,
    optionFiles: found.files.files,
    socket: configured?.entry.socket ?? option('socket'),
    port: configured?.entry.port ?? (Number.isInteger(port) && port > 0 ? port : 3306),
    bindAddress: option('bind_address'),
    errorLog: errorLog && errorLog !== '' ? posix.resolve(dataDir, errorLog) : null,
    pid: found.process?.pid ?? null,
    serverName: configured?.name ?? null,
  };
  return { stack: 'mysql', version: bin.version, confidence: 0.9, evidence, metadata, root: dataDir };
}

/** The metadata detection recorded (refused when another plugin's app is passed). */
export function mysqlMeta(app: AppInfo<MysqlMetadata>): MysqlMetadata {
  if (typeof app.metadata?.dataDir !== 'string') throw new HealerError('INVALID_ARGUMENT', `${app.root} was not detected as a MySQL/MariaDB server.`);
  return app.metadata;
}
