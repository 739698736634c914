/** The quickstart runs, heals the sample, and can run again. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../run.mjs', import.meta.url));

describe('pnpm demo', () => {
  it('heals the broken sample, twice in a row', () => {
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Before: HTTP 500');
      expect(r.stdout).toMatch(/FIXED/);
      expect(r.stdout).toContain('After: HTTP 200');
    }
  }, 60_000);
});
