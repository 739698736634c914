/**
 * Takes the backup before an action (files + the plugin's parts) and puts it
 * back on rollback or recovery.
 * @internal
 */
import type { BackupManifest } from '../contract/backup.js';
import type { ActionContext, BackupHandle, BackupSpec, HealingAction, PluginDefinition } from '../contract/plugin.js';
import type { StateStore } from '../contract/state.js';
import { HealerError, errorMessage } from '../errors.js';
import { posix } from 'node:path';
import { applyStagedFiles, checkManifest, checkPartFiles, createFileBackup, discardStaged, driftError, findFileDrift, stageFileBackup, type StagedFiles } from '../backup/file-backup.js';
import { backupRootOf } from '../backup/verify.js';
import { scanTree } from '../backup/tree.js';

export interface BackupDeps {
  state: StateStore;
  backupRoot: string;
  retentionMs: number;
  now: () => Date;
}

/** Whether an action gets a backup before it runs (one that cannot be undone only when it declares what to save). */
export function needsBackup(action: HealingAction): boolean {
  if (action.irreversible !== undefined) return action.backup !== undefined;
  return action.risk !== 'low' || action.requiresBackup === true || action.backup !== undefined;
}

export async function takeBackup(
  deps: BackupDeps,
  plugin: PluginDefinition,
  action: HealingAction,
  ctx: ActionContext,
  id: string,
): Promise<BackupHandle> {
  const spec: BackupSpec =
    typeof action.backup === 'function' ? await action.backup(ctx) : (action.backup ?? { paths: [] });
  const manifest = await createFileBackup(ctx.exec, {
    id,
    executionId: ctx.executionId,
    actionId: action.id,
    appId: ctx.app.id,
    appRoot: ctx.app.root,
    backupRoot: deps.backupRoot,
    paths: spec.paths,
    retentionMs: deps.retentionMs,
    now: deps.now,
  });
  try {
    for (const name of spec.parts ?? []) {
      const part = plugin.backup?.parts.find((p) => p.name === name);
      if (!part) throw new HealerError('BACKUP_FAILED', `The plugin has no backup part named "${name}".`);
      const dir = `${manifest.dir}/parts/${name}`;
      await ctx.exec.mkdir(dir, { mode: 0o700 });
      const made = await part.create(ctx, dir);
      const saved = (await scanTree(ctx.exec, [dir])).filter((e) => e.type === 'file');
      manifest.parts.push({
        name,
        plugin: plugin.name,
        files: saved.map((e) => ({ path: posix.relative(manifest.dir, e.path), sha256: e.sha256!, size: e.size ?? 0 })),
        meta: made?.meta ?? {},
      });
    }
    await ctx.exec.writeFile(`${manifest.dir}/manifest.json`, JSON.stringify(manifest, null, 2), { mode: 0o600 });
  } catch (e) {
    await ctx.exec.remove(manifest.dir).catch(() => undefined);
    throw e instanceof HealerError ? e : new HealerError('BACKUP_FAILED', `Backup part failed: ${errorMessage(e)}`, { cause: e });
  }
  await deps.state.putBackup(manifest);
  return backupHandle(plugin, manifest, ctx);
}

/** Options of a {@link backupHandle}. */
export interface BackupHandleOptions {
  /** Restore even when what the action left drifted since. Default false. */
  force?: boolean;
}

/**
 * A handle whose restore() checks everything before it writes: every part's
 * files against the manifest and the archive staged and hashed
 * (`BACKUP_TAMPERED`), what the action left against the target now
 * (`ROLLBACK_DRIFT`, unless `force`); then puts files and parts back.
 */
/** A handle as the engine holds it: `release()` removes what check() staged when no restore follows. @internal */
export interface EngineBackupHandle extends BackupHandle {
  release(): Promise<void>;
}

export function backupHandle(plugin: PluginDefinition | undefined, manifest: BackupManifest, ctx: ActionContext, options: BackupHandleOptions = {}): EngineBackupHandle {
  const partsOf = () =>
    manifest.parts.map((record) => {
      const part = plugin?.backup?.parts.find((p) => p.name === record.name);
      if (!part) throw new HealerError('RESTORE_FAILED', `Cannot restore part "${record.name}": plugin "${record.plugin}" is not loaded. Nothing was changed.`);
      return { part, record, dir: `${manifest.dir}/parts/${record.name}` };
    });
  const checkParts = async (): Promise<void> => {
    const damaged: string[] = [];
    for (const { record } of partsOf()) {
      const { mismatches } = await checkPartFiles(ctx.exec, manifest, record);
      damaged.push(...mismatches.map((m) => `part ${record.name}: ${m}`));
    }
    if (damaged.length > 0) {
      throw new HealerError('BACKUP_TAMPERED', `Backup ${manifest.id} does not match its manifest, so nothing was changed: ${damaged.join('; ')}`, {
        details: { backupId: manifest.id, mismatches: damaged },
      });
    }
  };
  // Drift is judged once, before the first write: an action's own rollback may move things before it restores.
  let driftChecked = options.force === true;
  const checkDrift = async (): Promise<void> => {
    if (driftChecked) return;
    const drift = await findFileDrift(ctx.exec, manifest);
    for (const { part, record, dir } of partsOf()) {
      if (!record.left || !part.fingerprint) continue;
      const now = await part.fingerprint(ctx, record, dir, Object.keys(record.left));
      for (const [item, print] of Object.entries(record.left)) {
        if (now[item] !== print) drift.push(`${record.name} ${JSON.stringify(item)}: changed since the heal`);
      }
    }
    if (drift.length > 0) throw driftError(manifest.id, drift);
    driftChecked = true;
  };
  // The archive is staged and hashed by check(): restore() moves that checked copy into place.
  let staged: StagedFiles | null = null;
  const check = async (): Promise<void> => {
    checkManifest(ctx.exec, manifest);
    await checkParts();
    await checkDrift();
    staged ??= await stageFileBackup(ctx.exec, manifest);
  };
  return {
    manifest,
    check,
    async restore() {
      await check();
      const ready = staged!;
      staged = null;
      await applyStagedFiles(ctx.exec, manifest, ready);
      for (const { part, record, dir } of partsOf()) await part.restore(ctx, record, dir);
    },
    async release() {
      if (staged) await discardStaged(ctx.exec, staged);
      staged = null;
    },
  };
}

/**
 * Record what a verified action left: every backed-up path as it is now (and
 * `absent` for those it removed), and each part's fingerprints of the items
 * the action changed. A later rollback checks these before it writes.
 * Never throws: without a record the rollback restores the whole backup.
 */
export async function recordLeft(state: StateStore, plugin: PluginDefinition, ctx: ActionContext, now: Date): Promise<void> {
  const manifest = ctx.backup?.manifest;
  if (!manifest) return;
  try {
    await recordLeftOf(state, plugin, ctx, manifest, now);
  } catch (e) {
    delete manifest.left;
    for (const record of manifest.parts) delete record.left;
    ctx.logger.warn(`Could not record what ${manifest.actionId} left (a rollback will restore the whole backup): ${errorMessage(e)}`);
  }
}

async function recordLeftOf(state: StateStore, plugin: PluginDefinition, ctx: ActionContext, manifest: BackupManifest, now: Date): Promise<void> {
  const found = await scanTree(ctx.exec, manifest.roots, { exclude: backupRootOf(manifest) });
  const seen = new Set(found.map((e) => e.path));
  const files = [...found, ...manifest.files.filter((e) => !seen.has(e.path)).map((e) => ({ path: e.path, type: 'absent' as const }))];
  for (const record of manifest.parts) {
    const part = plugin.backup?.parts.find((p) => p.name === record.name);
    if (part?.fingerprint) record.left = await part.fingerprint(ctx, record, `${manifest.dir}/parts/${record.name}`);
  }
  manifest.left = { recordedAt: now.toISOString(), files };
  await state.putBackup(manifest);
}

/**
 * Undo an action: its own rollback() when it has one (it gets the backup
 * through ctx.backup), otherwise restore the backup.
 */
export async function rollbackAction(action: HealingAction | undefined, ctx: ActionContext): Promise<void> {
  if (action?.rollback) {
    await action.rollback(ctx);
    return;
  }
  if (!ctx.backup) throw new HealerError('RESTORE_FAILED', `Nothing to roll back with: ${action?.id ?? 'the action'} has no rollback and no backup.`);
  await ctx.backup.restore();
}

/** The usual rollback for an action whose backup holds everything it touches. */
export async function restoreBackup<C, M extends object>(ctx: ActionContext<C, M>): Promise<void> {
  if (!ctx.backup) throw new HealerError('RESTORE_FAILED', 'No backup was taken for this action.');
  await ctx.backup.restore();
}
