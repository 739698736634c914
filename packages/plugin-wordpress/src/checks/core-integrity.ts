/**
 * `wordpress/core-integrity`: every core file (wp-admin, wp-includes, the
 * root `*.php` except wp-config.php) against a baseline manifest of sha256
 * sums recorded while the site was healthy. Works offline: no checksum API.
 *
 * The baseline lives with the backups, outside the web root:
 * `<backup root>/baselines/wordpress-core-<name>-<hash>.json`,
 * or the file the app's `coreBaselinePath` setting names. Checks never
 * write, so {@link recordBaseline} records it (from the CLI or the SDK).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { defaultBackupRoot, hashTree, HealerError, validatePath, type AppSettings, type Executor, type HealerFs } from '@healer/core';
import { ACTION, coreVersions, MAX_EVIDENCE, parseVersionFile, plural, type WpCheck } from './shared.js';

/** The manifest {@link recordBaseline} writes. */
export interface CoreBaseline {
  format: 'healer-wordpress-core-baseline';
  version: 1;
  /** `$wp_version` when recorded. */
  wordpress: string | null;
  recordedAt: string;
  /** The WordPress root it was recorded for. */
  root: string;
  /** Path relative to the root -> sha256 of a file, or `symlink:<target>`. */
  files: Record<string, string>;
}

/** The folders whose every file is core. */
export const CORE_DIRS: readonly string[] = ['wp-admin', 'wp-includes'];
/** Root PHP files that belong to the site, not to core. */
const SITE_FILES: ReadonlySet<string> = new Set(['wp-config.php']);

/** The app setting that overrides where the baseline is kept (an absolute path). */
export const BASELINE_SETTING = 'coreBaselinePath';

/**
 * Where the baseline of the WordPress at `root` is kept: the app's
 * `coreBaselinePath` setting, else a file named after the root under
 * `<backupRoot>/baselines/` (the configured backup root, by default
 * `<parent of root>/.healer-backups`: outside the web root, so visitors
 * cannot download it).
 */
export function baselinePath(root: string, settings: AppSettings = {}, backupRoot: string = defaultBackupRoot(root)): string {
  validatePath(root, 'WordPress root');
  const custom = settings[BASELINE_SETTING];
  if (custom !== undefined && custom !== null && custom !== '') {
    if (typeof custom !== 'string') throw new HealerError('CONFIG_INVALID', `The setting "${BASELINE_SETTING}" must be an absolute path.`);
    return validatePath(custom, `setting "${BASELINE_SETTING}"`);
  }
  const name = (posix.basename(root) || 'root').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 10);
  return posix.join(validatePath(backupRoot, 'backup root'), 'baselines', `wordpress-core-${name}-${hash}.json`);
}

/**
 * Hash every core file of the WordPress at `root`: path relative to the root
 * -> sha256 (or `symlink:<target>`). Three commands whatever the number of files.
 */
export async function hashCoreFiles(exec: Executor, root: string, options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
  validatePath(root, 'WordPress root');
  const rootPhp = (await exec.list(root))
    .filter((e) => e.type === 'file' && e.name.endsWith('.php') && !SITE_FILES.has(e.name))
    .map((e) => posix.join(root, e.name));
  const tree = await hashTree(exec, [...CORE_DIRS.map((d) => posix.join(root, d)), ...rootPhp], {
    timeoutMs: 55_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const files: Record<string, string> = {};
  for (const [path, fingerprint] of [...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rel = posix.relative(root, path);
    // `file <mode> <sha256>`: modes are left to wordpress/permissions.
    if (fingerprint.startsWith('file ')) files[rel] = fingerprint.split(' ')[2] ?? '';
    else if (fingerprint.startsWith('symlink ')) files[rel] = `symlink:${fingerprint.slice('symlink '.length)}`;
  }
  return files;
}

/**
 * Record the core-file baseline of the WordPress at `root` (do it while the
 * site is known to be healthy, e.g. right after installing or updating
 * WordPress). Writes the manifest to {@link baselinePath} (mode 0600, folder
 * 0700), replacing any earlier one, and returns where it went.
 *
 * @example
 * await recordBaseline(new LocalExecutor(), '/var/www/site');
 */
export async function recordBaseline(
  exec: Executor,
  root: string,
  options: { settings?: AppSettings; backupRoot?: string; now?: Date; signal?: AbortSignal; fs?: Pick<HealerFs, 'mkdir' | 'writeFile'> } = {},
): Promise<{ path: string; files: number; wordpress: string | null }> {
  const path = baselinePath(root, options.settings, options.backupRoot);
  const files = await hashCoreFiles(exec, root, options.signal ? { signal: options.signal } : {});
  if (Object.keys(files).length === 0) throw new HealerError('FILE_NOT_FOUND', `No WordPress core files under ${root}: is it a WordPress root?`);
  const version = await exec.readFile(posix.join(root, 'wp-includes/version.php'), { maxBytes: 64 * 1024 }).catch(() => null);
  const { wordpress } = parseVersionFile(version ? Buffer.from(version).toString('utf8') : '');
  const baseline: CoreBaseline = {
    format: 'healer-wordpress-core-baseline',
    version: 1,
    wordpress,
    recordedAt: (options.now ?? new Date()).toISOString(),
    root,
    files,
  };
  // Through the engine's confined fs when given (onHealthy may write only under the backup root).
  const out = options.fs ?? exec;
  await out.mkdir(posix.dirname(path), { mode: 0o700 });
  await out.writeFile(path, `${JSON.stringify(baseline, null, 1)}\n`, { mode: 0o600 });
  return { path, files: Object.keys(files).length, wordpress };
}

/** The differences between a baseline and the files now. @internal */
export function compareWithBaseline(baseline: Record<string, string>, now: Record<string, string>): { modified: string[]; missing: string[]; added: string[] } {
  const modified: string[] = [];
  const missing: string[] = [];
  const added: string[] = [];
  for (const [rel, hash] of Object.entries(baseline)) {
    const current = Object.hasOwn(now, rel) ? now[rel] : undefined;
    if (current === undefined) missing.push(rel);
    else if (current !== hash) modified.push(rel);
  }
  for (const rel of Object.keys(now)) if (!Object.hasOwn(baseline, rel)) added.push(rel);
  return { modified, missing, added };
}

export const coreIntegrityCheck: WpCheck = {
  id: 'wordpress/core-integrity',
  title: 'Core file integrity',
  category: 'security',
  severity: 'high',
  description:
    'Compares the sha256 of every file in wp-admin, wp-includes and the root *.php with the baseline recorded while the site was healthy: modified, missing and added files (injected code, a half-finished update). Offline.',
  timeoutMs: 60_000,
  async run(ctx) {
    const root = ctx.app.root;
    const path = baselinePath(root, ctx.settings, ctx.backupRoot);
    const text = await ctx.fs.readText(path);
    if (text === null) {
      return {
        status: 'skip',
        message: `No baseline of the core files has been recorded yet (${path}); it is recorded by the next diagnosis in which every check passes, or now with \`healer baseline ${root}\` once you know the site is healthy.`,
        details: { baselinePath: path },
      };
    }
    const baseline = parseBaseline(text, path);
    const [files, versions] = await Promise.all([hashCoreFiles(ctx.exec, root, { signal: ctx.signal }), coreVersions(ctx, root)]);
    const diff = compareWithBaseline(baseline.files, files);
    const changed = diff.modified.length + diff.missing.length + diff.added.length;
    const details = {
      baselinePath: path,
      recordedAt: baseline.recordedAt,
      baselineVersion: baseline.wordpress,
      version: versions.wordpress,
      checked: Object.keys(files).length,
      modified: diff.modified,
      missing: diff.missing,
      added: diff.added,
    };
    const evidence = [
      ...diff.modified.map((f) => `modified: ${f}`),
      ...diff.missing.map((f) => `missing: ${f}`),
      ...diff.added.map((f) => `added: ${f}`),
    ].slice(0, MAX_EVIDENCE);

    if (baseline.wordpress !== versions.wordpress) {
      return {
        status: 'warn',
        message: `The baseline was recorded for WordPress ${baseline.wordpress ?? 'unknown'} but the site now runs ${versions.wordpress ?? 'an unknown version'}, so ${plural(changed, 'file')} differ${changed === 1 ? 's' : ''} as expected after an update; check the site, then record a new baseline with \`healer baseline ${root}\`.`,
        details,
        evidence,
      };
    }
    if (changed === 0) {
      return {
        status: 'pass',
        message: `All ${plural(Object.keys(files).length, 'core file')} match the baseline recorded ${baseline.recordedAt}.`,
        details,
      };
    }
    const parts = [
      diff.modified.length ? `${diff.modified.length} modified` : '',
      diff.missing.length ? `${diff.missing.length} missing` : '',
      diff.added.length ? `${diff.added.length} added` : '',
    ].filter(Boolean);
    // Files added to core folders (a classic web shell) can go to quarantine; modified ones need a clean copy.
    const onlyAdded = diff.modified.length === 0 && diff.missing.length === 0;
    return {
      status: 'fail',
      message: `${parts.join(', ')} core file(s) since the baseline of ${baseline.recordedAt} (WordPress ${baseline.wordpress ?? 'unknown'}): core files never change between updates, so this is tampering or a broken update; reinstall the core files from a clean copy${onlyAdded ? ' or quarantine the added files' : ''}, and look for how they changed.`,
      details: { ...details, ...(onlyAdded ? { files: diff.added.map((f) => posix.join(root, f)) } : {}) },
      evidence,
      ...(onlyAdded ? { fixes: [ACTION.quarantineFiles] } : {}),
    };
  },
};

function parseBaseline(text: string, path: string): CoreBaseline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HealerError('STATE_CORRUPT', `The core baseline ${path} is not valid JSON; record it again.`, { cause: e });
  }
  const b = parsed as Partial<CoreBaseline> | null;
  if (!b || b.format !== 'healer-wordpress-core-baseline' || b.version !== 1 || typeof b.files !== 'object' || b.files === null) {
    throw new HealerError('STATE_CORRUPT', `The core baseline ${path} is not a baseline this version understands; record it again.`);
  }
  return b as CoreBaseline;
}
