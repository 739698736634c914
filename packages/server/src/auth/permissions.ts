/**
 * Roles and what they may do. The matrix is documented in the README; a
 * test walks every role against every route.
 */
import type { Role } from '../db/entities.js';

export const PERMISSIONS = [
  'healer.read',
  'healer.discover',
  'healer.diagnose',
  'healer.heal',
  'healer.approve',
  'healer.rollback',
  'healer.configure',
  'healer.admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * - viewer: looks only.
 * - engineer: runs the day-to-day work (discover, diagnose, heal, roll back),
 *   but neither approves high/critical actions (a second person does) nor
 *   configures what Healer runs on hosts (URLs, commands, plugins, servers).
 * - admin: everything, including tokens and the audit log.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['healer.read'],
  engineer: ['healer.read', 'healer.discover', 'healer.diagnose', 'healer.heal', 'healer.rollback'],
  admin: PERMISSIONS,
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
