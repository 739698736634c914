/**
 * Listing and hashing file trees on a target with a fixed number of commands:
 * one `find` for the listing, one batched `sha256sum` for the contents,
 * whatever the number of files.
 */
import type { BackupFileEntry } from '../contract/backup.js';
import type { Executor, RunOptions, RunResult } from '../contract/executor.js';
import { HealerError } from '../errors.js';
import { isPathWithin, resolvePath, validatePath } from '../exec/paths.js';

/** Options shared by the tree commands. */
export interface TreeCommandOptions {
  /** Per-command timeout. Default 10 minutes (a large tree takes a while). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ScanTreeOptions extends TreeCommandOptions {
  /** A folder left out of the listing (the backup root, when it sits inside a root). */
  exclude?: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** Listings of big trees are large; a cut one would silently drop files, so we fail instead. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const FIELDS = 7;
/** type, mode, uid, gid, size, link target, path: NUL-separated, since names may hold anything but NUL. */
const FIND_FORMAT = '%y\\0%m\\0%U\\0%G\\0%s\\0%l\\0%p\\0';

/*
 * One command for every root: a root that does not exist is skipped (and
 * reported absent by its missing record) rather than failing `find`, so no
 * error message has to be parsed. Values arrive as "$@", never in the text.
 */
const LIST_SCRIPT = [
  'fmt=$1; skip=$2; shift 2',
  'for p do',
  '  if [ -e "$p" ] || [ -h "$p" ]; then',
  '    if [ -n "$skip" ]; then find "$p" -path "$skip" -prune -o -printf "$fmt" || exit 1',
  '    else find "$p" -printf "$fmt" || exit 1; fi',
  '  fi',
  'done',
].join('\n');

/**
 * The roots to walk: sorted, without duplicates, and without any root that
 * lies inside another one (the outer walk covers it).
 * @internal
 */
export function outermostRoots(roots: readonly string[]): string[] {
  const sorted = [...new Set(roots)].sort();
  return sorted.filter((r) => !sorted.some((o) => o !== r && isPathWithin(o, r)));
}

/**
 * Resolve `paths` (absolute, or relative to `appRoot`) and check that each
 * lies inside `appRoot`; `PATH_OUTSIDE_ROOTS` otherwise.
 * @internal
 */
export function resolveRoots(appRoot: string, paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolvePath(appRoot, p);
    if (!isPathWithin(appRoot, abs)) {
      throw new HealerError('PATH_OUTSIDE_ROOTS', `The path ${JSON.stringify(p)} resolves to ${abs}, outside the application root ${appRoot}.`, {
        details: { path: p, resolved: abs, appRoot },
      });
    }
    out.add(abs);
  }
  return [...out].sort();
}

/**
 * Every entry under `roots` (files, folders, symlinks) with type, mode,
 * owners, size and link target; a missing root comes back as `absent`.
 * Sockets, fifos and devices are left out. One command. No hashes.
 * @internal
 */
export async function listTree(exec: Executor, roots: readonly string[], options: ScanTreeOptions = {}): Promise<BackupFileEntry[]> {
  const walk = outermostRoots(roots.map((r) => validatePath(r)));
  if (walk.length === 0) return [];
  const skip = options.exclude !== undefined && walk.some((r) => isPathWithin(r, options.exclude!)) ? escapeFindPattern(options.exclude) : '';
  const res = await runOrThrow(exec, { script: LIST_SCRIPT, args: [FIND_FORMAT, skip, ...walk] }, options, 'find');
  const entries = parseFindOutput(decodeNames(res.stdoutBytes, 'find'));
  const seen = new Set(entries.map((e) => e.path));
  for (const r of walk) if (!seen.has(r)) entries.push({ path: r, type: 'absent' });
  return entries.sort(byPath);
}

/**
 * Fill in `sha256` for every file entry with one batched `sha256sum`
 * (fed through `xargs -0`, so the list never hits the argv limit).
 * @internal
 */
export async function hashEntries(exec: Executor, entries: BackupFileEntry[], options: TreeCommandOptions = {}): Promise<BackupFileEntry[]> {
  const files = entries.filter((e) => e.type === 'file').map((e) => e.path);
  if (files.length === 0) return entries;
  const hashes = await sha256Files(exec, files, options);
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const h = hashes.get(e.path);
    if (h === undefined) throw new HealerError('COMMAND_FAILED', `sha256sum did not report ${JSON.stringify(e.path)}.`);
    e.sha256 = h;
  }
  return entries;
}

/**
 * sha256 of each readable file among `paths`; unreadable or missing files are
 * missing from the map when `tolerateErrors`, otherwise the call fails.
 * @internal
 */
export async function sha256Files(
  exec: Executor,
  paths: readonly string[],
  options: TreeCommandOptions & { tolerateErrors?: boolean } = {},
): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const input = paths.map((p) => `${p}\0`).join('');
  const res = await run(exec, ['xargs', '-0', '-r', 'sha256sum', '-z', '--'], { ...options, input });
  if (!options.tolerateErrors || res.truncated || res.timedOut) assertOk(res, 'sha256sum');
  return parseSha256sumOutput(decodeNames(res.stdoutBytes, 'sha256sum'));
}

/** List and hash: two commands for any number of files. @internal */
export async function scanTree(exec: Executor, roots: readonly string[], options: ScanTreeOptions = {}): Promise<BackupFileEntry[]> {
  return hashEntries(exec, await listTree(exec, roots, options), options);
}

/**
 * A fingerprint of every entry under `paths`: path -> `file <mode> <sha256>`,
 * `directory <mode>`, `symlink <target>`, or `absent` for a missing root
 * (modes in octal, e.g. `0644`). Two equal maps mean byte-identical trees
 * with the same modes. Two commands, whatever the number of files.
 *
 * @example
 * const before = await hashTree(exec, ['/srv/app']);
 * // ... heal, roll back ...
 * expect(await hashTree(exec, ['/srv/app'])).toEqual(before);
 */
export async function hashTree(exec: Executor, paths: readonly string[], options: ScanTreeOptions = {}): Promise<Map<string, string>> {
  const entries = await scanTree(exec, paths, options);
  return new Map(entries.map((e) => [e.path, fingerprint(e)]));
}

function fingerprint(e: BackupFileEntry): string {
  switch (e.type) {
    case 'file':
      return `file ${formatMode(e.mode)} ${e.sha256 ?? ''}`;
    case 'directory':
      return `directory ${formatMode(e.mode)}`;
    case 'symlink':
      return `symlink ${e.linkTarget ?? ''}`;
    case 'absent':
      return 'absent';
  }
}

/** `0644`-style octal. @internal */
export function formatMode(mode: number | undefined): string {
  return mode === undefined ? '?' : mode.toString(8).padStart(4, '0');
}

/** Parse `find -printf` records in {@link FIND_FORMAT}. @internal */
export function parseFindOutput(text: string): BackupFileEntry[] {
  if (text === '') return [];
  const f = text.split('\0');
  // The output ends with a NUL, so the split leaves one empty string at the end.
  if (f.pop() !== '' || f.length % FIELDS !== 0) {
    throw new HealerError('COMMAND_FAILED', 'Unexpected output from find (not whole NUL-separated records).');
  }
  const entries: BackupFileEntry[] = [];
  for (let i = 0; i < f.length; i += FIELDS) {
    const [y, m, u, g, s, l, p] = f.slice(i, i + FIELDS) as [string, string, string, string, string, string, string];
    const base = { path: p, mode: parseInt(m, 8), uid: Number(u), gid: Number(g) };
    if (y === 'f') entries.push({ ...base, type: 'file', size: Number(s) });
    else if (y === 'd') entries.push({ ...base, type: 'directory' });
    else if (y === 'l') entries.push({ path: p, type: 'symlink', uid: base.uid, gid: base.gid, linkTarget: l });
    // Sockets, fifos and devices: not saved, never removed.
  }
  return entries;
}

/** Parse `sha256sum -z` output (`<hex>  <name>\0`, names unescaped). @internal */
export function parseSha256sumOutput(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of text.split('\0')) {
    if (rec === '') continue;
    const hash = rec.slice(0, 64);
    const sep = rec.slice(64, 66);
    if (!/^[0-9a-f]{64}$/.test(hash) || (sep !== '  ' && sep !== ' *')) {
      throw new HealerError('COMMAND_FAILED', `Unexpected output from sha256sum: ${JSON.stringify(rec.slice(0, 120))}.`);
    }
    out.set(rec.slice(66), hash);
  }
  return out;
}

/** Escape a literal path for `find -path` (a glob). @internal */
export function escapeFindPattern(path: string): string {
  return path.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/** The member name of an absolute path in an archive made with `-C /`. @internal */
export function archiveName(path: string): string {
  return path === '/' ? '.' : path.slice(1);
}

/** Whether the commands on this executor run as root (owners are kept and compared then). Asked once per executor. @internal */
export function runsAsRoot(exec: Executor): Promise<boolean> {
  let known = rootCache.get(exec);
  if (!known) {
    known = exec.run(['id', '-u'], { timeoutMs: 30_000 }).then((r) => r.exitCode === 0 && r.stdout.trim() === '0');
    rootCache.set(exec, known);
  }
  return known;
}
const rootCache = new WeakMap<Executor, Promise<boolean>>();

/** Run with the tree defaults (long timeout, large output). @internal */
export function run(exec: Executor, command: Parameters<Executor['run']>[0], options: TreeCommandOptions & Pick<RunOptions, 'input'> = {}): Promise<RunResult> {
  const opts: RunOptions = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES };
  if (options.signal) opts.signal = options.signal;
  if (options.input !== undefined) opts.input = options.input;
  return exec.run(command, opts);
}

/** {@link run}, then `COMMAND_FAILED` with the stderr unless it exited 0 with all its output. @internal */
export async function runOrThrow(
  exec: Executor,
  command: Parameters<Executor['run']>[0],
  options: TreeCommandOptions & Pick<RunOptions, 'input'>,
  what: string,
): Promise<RunResult> {
  const res = await run(exec, command, options);
  assertOk(res, what);
  return res;
}

function assertOk(res: RunResult, what: string): void {
  if (res.exitCode === 0 && !res.truncated && !res.timedOut) return;
  const why = res.timedOut
    ? 'timed out'
    : res.truncated
      ? 'produced more output than allowed'
      : res.exitCode === null
        ? `was killed by ${res.signal ?? 'a signal'}`
        : `exited with ${res.exitCode}`;
  const stderr = res.stderr.trim();
  throw new HealerError('COMMAND_FAILED', `${what} ${why}${stderr ? `: ${stderr}` : ''}`, {
    details: { command: what, exitCode: res.exitCode, stderr: stderr.slice(0, 4000) },
  });
}

function decodeNames(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new HealerError('COMMAND_FAILED', `${what} reported a file name that is not valid UTF-8; such names are not supported.`, { cause: e });
  }
}

function byPath(a: BackupFileEntry, b: BackupFileEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
