/** The plugin example in the README must keep working: extract it, load it, heal with it. */
import { mkdir, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHealer, type PluginDefinition } from '@healer/core';
import { testdir, writeTree } from '@healer/test-utils';

const here = new URL('.', import.meta.url).pathname;
const scratch = join(here, '.readme-example');

afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('README plugin example', () => {
  it('registers, detects, diagnoses and heals a stale maintenance flag', async () => {
    const readme = await readFile(join(here, '..', 'README.md'), 'utf8');
    const code = /```ts readme-plugin\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeTruthy();
    await mkdir(scratch, { recursive: true });
    const file = join(scratch, 'plugin.ts');
    await writeFile(file, code!);
    const { maintenancePlugin } = (await import(file)) as { maintenancePlugin: PluginDefinition };

    const dir = await testdir();
    try {
      const site = join(dir.path, 'site');
      await writeTree(site, { 'site.json': '{}', '.maintenance': '' });
      const old = new Date(Date.now() - 60 * 60_000);
      await utimes(join(site, '.maintenance'), old, old);
      const healer = createHealer({ plugins: [maintenancePlugin], sharedChecks: false });
      const diagnosis = await healer.diagnose(site);
      expect(diagnosis.results.find((r) => r.id === 'static-site/maintenance-stuck')?.status).toBe('fail');
      const { execution } = await healer.heal(site);
      expect(execution.state).toBe('FIXED');
      expect((await healer.diagnose(site)).status).toBe('pass');
    } finally {
      await dir.cleanup();
    }
  });
});
