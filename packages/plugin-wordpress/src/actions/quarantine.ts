/**
 * Quarantine suspicious files (high): the PHP files in uploads and the files
 * with `eval(base64_decode(` the checks flagged are moved (never deleted)
 * into `<backup root>/quarantine/<sha256 prefix>/<path under the app root>`:
 * the plan makes the private folders (a `wordpress/quarantine-folder`
 * operation each) and renames the files; the engine applies it.
 * The rollback moves them back and then restores the backup's copies, so
 * contents and modes come back exactly.
 */
import { posix } from 'node:path';
import { HealerError, isPathWithin, opStep, type Step } from '@healer/core';
import { quarantineFolderOp, quarantineRoot } from './ops-site.js';
import { backupRootOf, notApplicable, type WpAction, type WpPlanContext } from './shared.js';
import { malwarePatternsCheck, phpInUploadsCheck } from '../checks/suspicious-files.js';
import { ACTION } from '../checks/shared.js';

const ID = ACTION.quarantineFiles;

/** The checks whose flagged files this action moves. */
const SOURCES = [phpInUploadsCheck.id, malwarePatternsCheck.id];

/**
 * File paths named in a check's details: `files` (or `matches`) as strings or
 * objects with `path`/`file`; relative paths are under the app root.
 */
export function flaggedFiles(root: string, details: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const key of ['files', 'matches']) {
    const list = details?.[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const raw = typeof item === 'string' ? item : item && typeof item === 'object' ? ((item as { path?: unknown; file?: unknown }).path ?? (item as { file?: unknown }).file) : undefined;
      if (typeof raw !== 'string' || raw.length === 0 || raw.includes('\0')) continue;
      out.push(posix.normalize(raw.startsWith('/') ? raw : posix.join(root, raw)));
    }
  }
  return out;
}

/** Where a file goes: beside the backups, out of the web root, under its content hash so repeated quarantines never collide. */
export function quarantinePath(backupRoot: string, appRoot: string, file: string, sha256: string): string {
  return posix.join(quarantineRoot(backupRoot), sha256.slice(0, 16), posix.relative(appRoot, file));
}

async function sha256Of(ctx: WpPlanContext, files: string[]): Promise<Map<string, string>> {
  const r = await ctx.exec.run(['sha256sum', '-z', '--', ...files], { signal: ctx.signal });
  if (r.exitCode !== 0) throw new HealerError('COMMAND_FAILED', `sha256sum failed: ${r.stderr.trim().slice(0, 300)}`);
  const out = new Map<string, string>();
  for (const rec of r.stdout.split('\0')) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/s.exec(rec);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** The files to move, each with its quarantine path, or why there are none. */
async function quarantineMoves(ctx: WpPlanContext): Promise<Array<{ from: string; to: string }> | string> {
  const root = ctx.app.root;
  const named = new Set<string>();
  for (const r of ctx.results) if (SOURCES.includes(r.id as (typeof SOURCES)[number])) for (const f of flaggedFiles(root, r.details)) named.add(f);
  const files: string[] = [];
  for (const f of [...named].sort()) {
    if (f === root || !isPathWithin(root, f)) continue;
    const stat = await ctx.fs.stat(f);
    if (stat?.type === 'file') files.push(f);
  }
  if (files.length === 0) return named.size === 0 ? 'the checks name no files' : 'none of the flagged files is a regular file inside the application root any more';
  const sums = await sha256Of(ctx, files);
  const backupRoot = backupRootOf(ctx);
  return files.map((from) => {
    const sum = sums.get(from);
    if (!sum) throw new HealerError('COMMAND_FAILED', `No checksum for ${from}.`);
    return { from, to: quarantinePath(backupRoot, root, from, sum) };
  });
}

export const quarantineFiles: WpAction = {
  id: ID,
  title: 'Quarantine suspicious files',
  description: 'Move the flagged files (PHP in uploads, eval(base64_decode( in wp-content) out of the site into a quarantine folder beside the backups. Nothing is deleted.',
  risk: 'high',
  fixes: [...SOURCES],
  async backup(ctx) {
    const moves = await quarantineMoves(ctx);
    return { paths: typeof moves === 'string' ? [] : moves.map((m) => m.from) };
  },
  async preconditions(ctx) {
    const moves = await quarantineMoves(ctx);
    return typeof moves === 'string' ? moves : true;
  },
  async plan(ctx): Promise<Step[]> {
    const moves = await quarantineMoves(ctx);
    if (typeof moves === 'string') throw notApplicable(ID, moves);
    // The folders first (private: these files are suspect), then one rename per file.
    const folders = [...new Set(moves.map((m) => posix.dirname(m.to)))].sort();
    return [
      ...folders.map((path) => opStep(quarantineFolderOp, { path })),
      ...moves.map((m): Step => ({ kind: 'rename', from: m.from, to: m.to, description: `quarantine ${posix.relative(ctx.app.root, m.from)}` })),
    ];
  },
  async rollback(ctx) {
    if (!ctx.backup) throw new HealerError('RESTORE_FAILED', `${ID}: no backup was taken.`);
    const { manifest } = ctx.backup;
    const backupRoot = backupRootOf(ctx);
    for (const entry of manifest.files) {
      if (entry.type !== 'file' || !entry.sha256 || !manifest.roots.includes(entry.path)) continue;
      const q = quarantinePath(backupRoot, manifest.appRoot, entry.path, entry.sha256);
      if ((await ctx.fs.stat(entry.path)) === null && (await ctx.fs.stat(q)) !== null) {
        await ctx.fs.mkdir(posix.dirname(entry.path));
        await ctx.fs.rename(q, entry.path);
        // Only folders left empty: another quarantine may share this hash folder.
        await ctx.exec.run(['find', posix.join(quarantineRoot(backupRoot), entry.sha256.slice(0, 16)), '-depth', '-type', 'd', '-empty', '-delete']);
      }
    }
    // Then the saved copies: contents, modes and owners exactly as they were, verified.
    await ctx.backup.restore();
  },
};
