import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPhpCommand, grepMalwareCommand, isCommentOnlyPhp, parseSizedPaths } from './suspicious-files.js';

let dir: string;
const exec = new LocalExecutor();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'healer-wp-suspicious-'));
  await mkdir(join(dir, 'a b/c'), { recursive: true });
  await writeFile(join(dir, 'a b/c/sh ell.php'), '<?php eval(base64_decode("ZWNobyAxOw=="));');
  await writeFile(join(dir, 'a b/x.PHP5'), '<?php Eval ( GzInflate ( $x ) );');
  await writeFile(join(dir, 'a b/ok.php'), '<?php echo base64_decode("eA=="); // eval later');
  await writeFile(join(dir, 'a b/img.jpg'), 'eval(base64_decode(');
  await writeFile(join(dir, 'a b/plain.txt.php.jpg'), '');
}, 30_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('suspicious-file commands, run for real', () => {
  it('find lists PHP-runnable names with their sizes, whatever the case and spaces', async () => {
    const r = await exec.run(findPhpCommand(dir));
    expect(r.exitCode).toBe(0);
    const found = parseSizedPaths(r.stdout, false).map((f) => f.path).sort();
    expect(found).toEqual([join(dir, 'a b/c/sh ell.php'), join(dir, 'a b/ok.php'), join(dir, 'a b/x.PHP5')].sort());
  });

  it('grep names the PHP files that eval decoded code (any case, spaces allowed), and not the others', async () => {
    const r = await exec.run(grepMalwareCommand(dir));
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\0').filter(Boolean).sort()).toEqual([join(dir, 'a b/c/sh ell.php'), join(dir, 'a b/x.PHP5')].sort());
  });

  it('grep exits 1 with nothing found', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'healer-wp-clean-'));
    await writeFile(join(empty, 'clean.php'), '<?php echo base64_decode("eA==");');
    const clean = await exec.run(grepMalwareCommand(empty));
    expect(clean.exitCode).toBe(1);
    expect(clean.stdout).toBe('');
    await rm(empty, { recursive: true });
  });
});

describe('isCommentOnlyPhp', () => {
  it('accepts the placeholders WordPress and plugins leave', () => {
    expect(isCommentOnlyPhp('<?php\n// Silence is golden.\n')).toBe(true);
    expect(isCommentOnlyPhp('<?php /* Silence is golden */ ?>\n')).toBe(true);
    expect(isCommentOnlyPhp('<?php\n# nothing\n')).toBe(true);
  });

  it('refuses anything that runs', () => {
    expect(isCommentOnlyPhp('<?php // x\nsystem($_GET["c"]);')).toBe(false);
    expect(isCommentOnlyPhp('hello')).toBe(false);
    expect(isCommentOnlyPhp('<?php /* a */ echo 1; /* b */')).toBe(false);
  });
});

describe('parseSizedPaths', () => {
  it('drops half a record from cut output', () => {
    expect(parseSizedPaths('12 /a.php\u000034 /b c.php\u00005 /hal', true)).toEqual([
      { size: 12, path: '/a.php' },
      { size: 34, path: '/b c.php' },
    ]);
  });
});
