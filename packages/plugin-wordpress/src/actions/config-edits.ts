/**
 * Edits of `wp-config.php` (low): debug display and SAVEQUERIES off, and a
 * higher `WP_MEMORY_LIMIT`. Each plans one `write-file` step holding the
 * whole new file, so the plan hash covers the exact bytes; the engine writes
 * it (after planning again: a file edited since the plan is refused, nothing
 * written); the backup is the file itself.
 */
import { restoreBackup, type Step } from '@healer/core';
import { definedValueText, setDefine } from './wp-config-edit.js';
import { editableConfigPath, metaOf, notApplicable, readRequired, type WpAction, type WpPlanContext } from './shared.js';
import { debugSettingsCheck } from '../checks/debug-settings.js';
import { memoryExhaustedCheck } from '../checks/php-logs.js';
import { ACTION } from '../checks/shared.js';

type Edit = (text: string, ctx: WpPlanContext) => { text: string; summary: string } | string;

/** Bytes of a PHP shorthand size (`256M`, `1G`, `524288`), or null when it is not one. */
export function phpSizeBytes(value: string): number | null {
  const m = /^\s*(\d+)\s*([KMG]?)\s*$/i.exec(value);
  if (!m) return null;
  const unit = m[2]!.toUpperCase();
  const factor = unit === 'G' ? 1024 ** 3 : unit === 'M' ? 1024 ** 2 : unit === 'K' ? 1024 : 1;
  return Number(m[1]) * factor;
}

/** A PHP literal as written in the file (`'64M'`, `"64M"`, `64`), unquoted. */
function unquote(literal: string): string {
  const m = /^(['"])(.*)\1$/s.exec(literal.trim());
  return m ? m[2]! : literal.trim();
}

const turnDebugDisplayOff: Edit = (text) => {
  let out = setDefine(text, 'WP_DEBUG_DISPLAY', false);
  const changed = ['WP_DEBUG_DISPLAY'];
  if (definedValueText(out, 'SAVEQUERIES') !== null) {
    const next = setDefine(out, 'SAVEQUERIES', false);
    if (next !== out) changed.push('SAVEQUERIES');
    out = next;
  }
  if (out === text) return 'WP_DEBUG_DISPLAY and SAVEQUERIES are already off in wp-config.php';
  return { text: out, summary: `set ${changed.join(' and ')} to false in wp-config.php` };
};

const raiseMemory: Edit = (text, ctx) => {
  const wanted = ctx.config.memoryLimit;
  const current = definedValueText(text, 'WP_MEMORY_LIMIT');
  if (current !== null) {
    const have = phpSizeBytes(unquote(current));
    const want = phpSizeBytes(wanted);
    if (have !== null && want !== null && have >= want) return `WP_MEMORY_LIMIT is already ${unquote(current)} (configured memoryLimit ${wanted})`;
  }
  const out = setDefine(text, 'WP_MEMORY_LIMIT', wanted);
  return { text: out, summary: `set WP_MEMORY_LIMIT to ${wanted} in wp-config.php${current === null ? '' : ` (was ${unquote(current)})`}` };
};

async function planEdit(ctx: WpPlanContext, edit: Edit): Promise<{ path: string; text: string; summary: string } | string> {
  const where = editableConfigPath(ctx);
  if ('refused' in where) return where.refused;
  const text = await readRequired(ctx, where.path);
  const result = edit(text, ctx);
  return typeof result === 'string' ? result : { path: where.path, ...result };
}

function configEditAction(spec: { id: string; title: string; description: string; fixes: string[]; edit: Edit }): WpAction {
  const { id, edit } = spec;
  return {
    id,
    title: spec.title,
    description: spec.description,
    risk: 'low',
    fixes: spec.fixes,
    requiresBackup: true,
    backup: (ctx) => ({ paths: [metaOf(ctx).configPath] }),
    async preconditions(ctx) {
      try {
        const p = await planEdit(ctx, edit);
        return typeof p === 'string' ? p : true;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    async plan(ctx): Promise<Step[]> {
      const p = await planEdit(ctx, edit);
      if (typeof p === 'string') throw notApplicable(id, p);
      return [{ kind: 'write-file', path: p.path, content: p.text, description: p.summary }];
    },
    rollback: restoreBackup,
  };
}

/** `WP_DEBUG_DISPLAY` (and `SAVEQUERIES` when set) false in wp-config.php (low). */
export const debugDisplayOff: WpAction = configEditAction({
  id: ACTION.debugDisplayOff,
  title: 'Stop showing PHP errors to visitors',
  description: 'Set WP_DEBUG_DISPLAY to false (added before the "stop editing" line when absent) and SAVEQUERIES to false when it is set: errors still go to the log, not to the page.',
  fixes: [debugSettingsCheck.id],
  edit: turnDebugDisplayOff,
});

/** `WP_MEMORY_LIMIT` set to the configured `memoryLimit` (low). */
export const raiseMemoryLimit: WpAction = configEditAction({
  id: ACTION.raiseMemoryLimit,
  title: 'Raise the WordPress memory limit',
  description: 'Set WP_MEMORY_LIMIT in wp-config.php to the configured memoryLimit (default 256M) when it is lower or unset.',
  fixes: [memoryExhaustedCheck.id],
  edit: raiseMemory,
});
