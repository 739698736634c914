/** Types and helpers the Next actions share. */
import { posix } from 'node:path';
import type { ActionContext, HealingAction, PlanContext } from '@healer/core';
import { safeName } from '@healer/plugin-nodejs';
import type { NextjsConfig } from '../config.js';
import type { NextAppMeta } from '../types.js';

export type NextAction = HealingAction<NextjsConfig, NextAppMeta>;
export type NextActionContext = ActionContext<NextjsConfig, NextAppMeta>;
export type NextPlanContext = PlanContext<NextjsConfig, NextAppMeta>;

/**
 * Where the sources are copied and built: a sibling of the app root (same
 * filesystem, so the result can be renamed into place), outside it so the
 * build finds no parent lockfile and traces from its own folder.
 */
export function buildDir(backupRoot: string, root: string, nonce: string): string {
  // Under the backup root: an action writes only there and in the app root.
  return posix.join(backupRoot, 'nextjs-builds', `${posix.basename(root)}-${safeName(nonce)}`);
}

/** Where the previous `.next` is kept after the swap, for rollback (`nonce`: the change's, see `PlanContext.nonce`). */
export function previousBuildPath(root: string, nonce: string): string {
  return posix.join(root, `.next.healer-prev-${safeName(nonce)}`);
}

/** A marker written at the swap when there was no `.next` before. */
export const absentMarker = (previous: string): string => `${previous}.absent`;
