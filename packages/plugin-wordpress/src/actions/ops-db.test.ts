import { describe, expect, it } from 'vitest';
import { opStep } from '@healer/core';
import { assertSiteTable, dbOperations, deleteTransientsOp, repairTableOp, transientArgs } from './ops-db.js';

describe('database operations', () => {
  it('repair-table takes one site table name and shows the statement', () => {
    expect(repairTableOp.args.safeParse({ table: 'wp_healer-log$1' }).success).toBe(true);
    for (const table of ['', 'wp_posts`; DROP TABLE wp_users; --', 'wp posts', 'wp_posts\n', 'x'.repeat(65)]) {
      expect(repairTableOp.args.safeParse({ table }).success, table).toBe(false);
    }
    expect(repairTableOp.args.safeParse({ table: 'wp_posts', extra: 1 }).success).toBe(false);
    expect(repairTableOp.describe({ table: 'wp_posts' })).toBe('REPAIR TABLE `wp_posts`');
    expect(opStep(repairTableOp, { table: 'wp_posts' })).toEqual({ kind: 'op', op: 'wordpress/repair-table', args: { table: 'wp_posts' } });
  });

  it('refuses a table without the site prefix', () => {
    expect(() => assertSiteTable({ tablePrefix: 'wp_' }, 'wp_posts')).not.toThrow();
    expect(() => assertSiteTable({ tablePrefix: 'wp_' }, 'other_posts')).toThrow(/not a table of this site/);
    expect(() => assertSiteTable({ tablePrefix: 'wp;' }, 'wp;posts')).toThrow(/not valid/);
  });

  it('delete-transients names the options table, and sitemeta on multisite', () => {
    expect(transientArgs({ tablePrefix: 'wp_', multisite: false })).toEqual({ options: 'wp_options', sitemeta: null });
    expect(transientArgs({ tablePrefix: 'x1_', multisite: true })).toEqual({ options: 'x1_options', sitemeta: 'x1_sitemeta' });
    expect(deleteTransientsOp.describe({ options: 'wp_options', sitemeta: null })).toBe(
      "DELETE FROM `wp_options` WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'",
    );
    expect(deleteTransientsOp.describe({ options: 'wp_options', sitemeta: 'wp_sitemeta' })).toBe(
      "DELETE FROM `wp_options` WHERE option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%'; " +
        "DELETE FROM `wp_sitemeta` WHERE meta_key LIKE '\\_transient\\_%' OR meta_key LIKE '\\_site\\_transient\\_%'",
    );
    expect(deleteTransientsOp.args.safeParse({ options: 'wp_options' }).success).toBe(false);
    expect(deleteTransientsOp.args.safeParse({ options: "wp_options WHERE 1 OR '1'", sitemeta: null }).success).toBe(false);
  });

  it('ids are namespaced and distinct', () => {
    expect(dbOperations.map((o) => o.id)).toEqual(['wordpress/repair-table', 'wordpress/delete-transients']);
  });
});
