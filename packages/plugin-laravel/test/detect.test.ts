/** Detection of Laravel apps through `createHealer().detect()`, on real folders, beside the PHP plugin. */
import { createHealer } from '@healer/core';
import { phpPlugin } from '@healer/plugin-php';
import { testdir, type TestDir } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { laravelPlugin } from '../src/plugin.js';

const dirs: TestDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function detect(tree: Record<string, string>) {
  const dir = await testdir(tree);
  dirs.push(dir);
  const healer = createHealer({ plugins: [laravelPlugin, phpPlugin], sharedChecks: false });
  try {
    return { dir, report: await healer.detect(dir.path) };
  } finally {
    await healer.close();
  }
}

const composer = (require: Record<string, string>): string => JSON.stringify({ name: 'acme/shop', require });

describe('laravel detection', () => {
  it('artisan and laravel/framework installed in vendor/: the installed version, the PHP fields, Laravel over generic PHP', async () => {
    const { dir, report } = await detect({
      artisan: '#!/usr/bin/env php\n<?php\n',
      'composer.json': composer({ php: '^8.1', 'laravel/framework': '^10.0', 'ext-mbstring': '*' }),
      'public/index.php': '<?php\n',
      'vendor/laravel/framework/src/Illuminate/Foundation/Application.php': "<?php\nclass Application {\n    const VERSION = '10.48.4';\n}\n",
    });
    expect(report.app).toMatchObject({ stack: 'laravel', plugin: 'laravel', version: '10.48.4' });
    expect(report.app!.metadata).toMatchObject({ version: '10.48.4', versionSource: 'vendor', hasEnv: false, requirePhp: '^8.1', extensions: ['mbstring'], docroot: `${dir.path}/public` });
    expect(report.app!.evidence).toEqual(expect.arrayContaining(['artisan found', 'composer.json requires laravel/framework ^10.0', 'laravel/framework 10.48.4 installed in vendor/', 'no .env']));
  });

  it('not installed and artisan cannot run: the range composer.json requires', async () => {
    const { report } = await detect({ artisan: '<?php exit(1);\n', 'composer.json': composer({ 'laravel/framework': '^11.0' }), '.env': 'APP_KEY=\n' });
    expect(report.app).toMatchObject({ stack: 'laravel', version: '^11.0', metadata: { versionSource: 'composer.json', hasEnv: true } });
  });

  it('an artisan file without laravel/framework is not Laravel (the PHP plugin takes it)', async () => {
    const { report } = await detect({ artisan: '<?php\n', 'composer.json': composer({ 'symfony/console': '^6.0' }), 'index.php': '<?php\n' });
    expect(report.app?.stack).toBe('php');
  });
});
