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
import { createFileBackup, restoreFileBackup, verifyPartFiles } from '../backup/file-backup.js';
import { scanTree } from '../backup/tree.js';

export interface BackupDeps {
  state: StateStore;
  backupRoot: string;
  retentionMs: number;
  now: () => Date;
}

/** Whether an action gets a backup before it runs. */
export function needsBackup(action: HealingAction): boolean {
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

/** A handle whose restore() puts files and parts back and verifies them. */
export function backupHandle(plugin: PluginDefinition | undefined, manifest: BackupManifest, ctx: ActionContext): BackupHandle {
  return {
    manifest,
    async restore() {
      // Check every part before putting anything back: all or nothing.
      const parts = [];
      for (const record of manifest.parts) {
        const part = plugin?.backup?.parts.find((p) => p.name === record.name);
        if (!part) throw new HealerError('RESTORE_FAILED', `Cannot restore part "${record.name}": plugin "${record.plugin}" is not loaded.`);
        await verifyPartFiles(ctx.exec, manifest, record);
        parts.push({ part, record });
      }
      await restoreFileBackup(ctx.exec, manifest);
      for (const { part, record } of parts) await part.restore(ctx, record, `${manifest.dir}/parts/${record.name}`);
    },
  };
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
export async function restoreBackup(ctx: ActionContext): Promise<void> {
  if (!ctx.backup) throw new HealerError('RESTORE_FAILED', 'No backup was taken for this action.');
  await ctx.backup.restore();
}
