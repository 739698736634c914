/** `pnpm demo`: the quickstart heals the broken Express app, and runs again from a fresh copy. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../demo.mjs', import.meta.url));

describe('the quickstart', () => {
  it('heals the broken Express app, twice in a row', () => {
    for (let i = 0; i < 2; i++) {
      // As a person runs it: not under the test runner's NODE_ENV=test.
      const { NODE_ENV: _testEnv, ...env } = process.env;
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 240_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('no answer (connection refused)');
      expect(r.stdout).toContain("Cannot find module 'express'");
      expect(r.stdout).toMatch(/FIXED/);
      expect(r.stdout).toContain('After: HTTP 200');
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
  }, 600_000);
});
