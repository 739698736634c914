/** The README lists every check and action with its risk, and its configuration table matches the schema. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phpConfigSchema } from '../src/config.js';
import { phpPlugin } from '../src/plugin.js';

const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('names every check and every action with its risk, and nothing else', () => {
    const rows = [...readme.matchAll(/^\| `(php\/[a-z-]+)` \|(?: ([a-z]+) \|)?/gm)];
    const checks = rows.filter((r) => phpPlugin.checks.some((c) => c.id === r[1])).map((r) => r[1]);
    const actions = rows.filter((r) => phpPlugin.actions.some((a) => a.id === r[1]));
    expect(checks.sort()).toEqual(phpPlugin.checks.map((c) => c.id).sort());
    expect(actions.map((r) => [r[1], r[2]]).sort()).toEqual(phpPlugin.actions.map((a) => [a.id, a.risk]).sort());
    expect(rows).toHaveLength(phpPlugin.checks.length + phpPlugin.actions.length);
  });

  it('its configuration table matches the schema, and its example parses', () => {
    const keys = [...readme.matchAll(/^\| `([a-zA-Z]+)` \|/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual(Object.keys(phpConfigSchema.shape).sort());
    expect(phpConfigSchema.safeParse({ composerEnv: { COMPOSER_HOME: '/var/lib/healer/composer' } }).success).toBe(true);
  });
});
