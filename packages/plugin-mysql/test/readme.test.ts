/** The README lists every check and action with its risk, and its configuration example parses. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mysqlConfigSchema } from '../src/config.js';
import { mysqlPlugin } from '../src/plugin.js';

const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('names every check and every action with its risk, and nothing else', () => {
    const rows = [...readme.matchAll(/^\| `(mysql\/[a-z-]+)` \|(?: ([a-z]+) \|)?/gm)];
    const checks = rows.filter((r) => mysqlPlugin.checks.some((c) => c.id === r[1])).map((r) => r[1]);
    const actions = rows.filter((r) => mysqlPlugin.actions.some((a) => a.id === r[1]));
    expect(checks.sort()).toEqual(mysqlPlugin.checks.map((c) => c.id).sort());
    expect(actions.map((r) => [r[1], r[2]]).sort()).toEqual(mysqlPlugin.actions.map((a) => [a.id, a.risk]).sort());
    expect(rows).toHaveLength(mysqlPlugin.checks.length + mysqlPlugin.actions.length);
  });

  it('its configuration example and table match the schema', () => {
    const keys = [...readme.matchAll(/^\| `([a-zA-Z]+)` \|/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual(Object.keys(mysqlConfigSchema.shape).sort());
    expect(mysqlConfigSchema.safeParse({ servers: { main: { dataDir: '/var/lib/mysql', user: 'healer', password: 'x' } }, longQuerySeconds: 600 }).success).toBe(true);
  });
});
