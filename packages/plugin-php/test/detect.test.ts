/**
 * Detection and precedence, through the engine with the WordPress plugin
 * registered beside this one: a framework's own plugin wins, a generic app
 * is this plugin's, with a confidence that says how sure it is.
 */
import { createHealer, MemoryStateStore } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';
import { testdir, type TestDir } from '@healer/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIDENCE } from '../src/detect.js';
import { phpPlugin } from '../src/plugin.js';

let dir: TestDir | undefined;
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

async function detect(tree: Record<string, string>) {
  dir = await testdir(tree);
  const healer = createHealer({ plugins: [{ plugin: phpPlugin }, { plugin: wordpressPlugin }], state: new MemoryStateStore() });
  try {
    return await healer.detect(dir.path);
  } finally {
    await healer.close();
  }
}

const COMPOSER = JSON.stringify({ name: 'acme/shop', require: { php: '^8.1', 'ext-mbstring': '*', 'ext-PDO': '*' }, config: { 'vendor-dir': 'lib/vendor/' } });

describe('detecting a PHP app', () => {
  it('composer.json and index.php: php, with the metadata the checks read', async () => {
    const r = await detect({ 'composer.json': COMPOSER, 'composer.lock': '{}', 'index.php': '<?php echo 1;' });
    expect(r.app).toMatchObject({ plugin: 'php', stack: 'php', confidence: CONFIDENCE.composerAndEntry });
    expect(r.app!.metadata).toMatchObject({ name: 'acme/shop', composerJson: true, composerLock: true, requirePhp: '^8.1', extensions: ['mbstring', 'pdo'], vendorDir: 'lib/vendor', entry: 'index.php', docroot: dir!.path, framework: null });
  });

  it('public/index.php: the docroot is public/', async () => {
    const r = await detect({ 'composer.json': '{}', 'public/index.php': '<?php' });
    expect(r.app!.metadata).toMatchObject({ entry: 'public/index.php', docroot: `${dir!.path}/public` });
  });

  it('index.php alone, composer.json alone: weaker; neither: nothing', async () => {
    expect((await detect({ 'index.php': '<?php' })).app).toMatchObject({ plugin: 'php', confidence: CONFIDENCE.entryOnly });
    await dir!.cleanup();
    expect((await detect({ 'composer.json': '{"name":"a/lib"}' })).app).toMatchObject({ plugin: 'php', confidence: CONFIDENCE.composerOnly });
    await dir!.cleanup();
    expect((await detect({ 'README.md': 'hi' })).app).toBeNull();
  });

  it('a WordPress site is the WordPress plugin\'s, well ahead of this one', async () => {
    const r = await detect({
      'index.php': '<?php',
      'wp-config.php': "<?php\ndefine('DB_NAME', 'wp');\n$table_prefix = 'wp_';\n",
      'wp-includes/version.php': "<?php\n$wp_version = '6.4.2';\n",
    });
    expect(r.app).toMatchObject({ plugin: 'wordpress' });
    expect(r.nearTies).toEqual([]);
    const php = r.candidates.find((c) => c.plugin === 'php')!.detection!;
    expect(php.confidence).toBe(CONFIDENCE.framework);
    expect(php.evidence.join(' ')).toContain('WordPress');
  });

  it('a Laravel app is claimed only weakly (the Laravel plugin claims it)', async () => {
    const r = await detect({ artisan: '#!/usr/bin/env php\n<?php', 'composer.json': JSON.stringify({ require: { 'laravel/framework': '^10.0' } }), 'public/index.php': '<?php' });
    expect(r.app).toMatchObject({ plugin: 'php', confidence: CONFIDENCE.framework, metadata: { framework: 'laravel' } });
    expect(r.app!.evidence.join(' ')).toContain('Laravel');
  });
});
