/**
 * The WordPress checks that look at files, against a real site: PHP in
 * uploads, malware patterns, permissions, core integrity against a recorded
 * baseline, and the .htaccess block (written by WordPress itself).
 */
import { execFileSync } from 'node:child_process';
import { appendFile, chmod, chown, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalExecutor } from '@healer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselinePath, recordBaseline } from '../src/checks/core-integrity.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';
import { checkSite } from './checks-helpers.js';

let site: WordPressSite;
beforeAll(async () => {
  site = await createWordPressSite();
}, 60_000);
afterAll(() => site?.stop());

describe('wordpress/php-in-uploads', () => {
  it('passes with media only, and ignores comment-only index.php placeholders', async () => {
    const month = join(site.root, 'wp-content/uploads/2024/05');
    await mkdir(month, { recursive: true });
    await writeFile(join(month, 'photo.jpg'), 'not really a jpeg');
    await writeFile(join(month, 'index.php'), '<?php\n// Silence is golden.\n');
    const r = await checkSite(site, 'wordpress/php-in-uploads');
    expect(r.status).toBe('pass');
    expect(r.details.ignored).toEqual([join(month, 'index.php')]);
  });

  it('fails on a PHP file in uploads, names it, and offers quarantine', async () => {
    const shell = join(site.root, 'wp-content/uploads/2024/05/image.php');
    const upper = join(site.root, 'wp-content/uploads/cache.PHTML');
    await writeFile(shell, '<?php system($_GET["c"]);\n');
    await writeFile(upper, '<?php echo 1;\n');
    try {
      const r = await checkSite(site, 'wordpress/php-in-uploads');
      expect(r.status).toBe('fail');
      expect([...(r.details.files as string[])].sort()).toEqual([shell, upper].sort());
      expect(r.evidence).toEqual(expect.arrayContaining([shell, upper]));
      expect(r.fixes).toEqual(['wordpress/quarantine-files']);
    } finally {
      await rm(shell);
      await rm(upper);
    }
  });
});

describe('wordpress/malware-patterns', () => {
  it('passes on a clean wp-content (akismet and the default themes included)', async () => {
    const r = await checkSite(site, 'wordpress/malware-patterns');
    expect(r.status).toBe('pass');
    expect(r.details.files).toEqual([]);
  });

  it('fails on eval(base64_decode( and eval(gzinflate( in wp-content PHP files', async () => {
    const a = join(site.root, 'wp-content/plugins/akismet/wp-cache.php');
    const b = join(site.root, 'wp-content/themes/twentytwentythree/inc.php');
    await writeFile(a, `<?php @eval(base64_decode('${Buffer.from('echo 1;').toString('base64')}'));\n`);
    await writeFile(b, '<?php\n$x = 1; EVAL ( gzinflate( base64_decode("S03OyFcoSS0u0S0pAgA=") ) );\n');
    try {
      const r = await checkSite(site, 'wordpress/malware-patterns');
      expect(r.status).toBe('fail');
      expect([...(r.details.files as string[])].sort()).toEqual([a, b].sort());
      expect(r.fixes).toEqual(['wordpress/quarantine-files']);
    } finally {
      await rm(a);
      await rm(b);
    }
  });
});

/** Debian's web server user (the permission rule is about it). */
const WWW_DATA_UID = Number(execFileSync('id', ['-u', 'www-data']).toString().trim());
const WWW_DATA_GID = Number(execFileSync('id', ['-g', 'www-data']).toString().trim());

describe('wordpress/permissions', () => {
  const config = (): string => join(site.root, 'wp-config.php');

  it('passes when wp-config.php is private and no folder is world-writable', async () => {
    await chmod(config(), 0o640);
    const r = await checkSite(site, 'wordpress/permissions');
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ configMode: '0640', configReadableByOthers: false, worldWritableDirs: [] });
  });

  it("warns, not fails, on WordPress's default 0644 wp-config.php owned by the site's user, and offers 0640 when PHP keeps read", async () => {
    await chmod(config(), 0o644);
    try {
      const r = await checkSite(site, 'wordpress/permissions');
      expect(r.status).toBe('warn');
      expect(r.details).toMatchObject({ configMode: '0644', configReadableByOthers: true, configFixOffered: true });
      expect(r.message).toContain('holds the database password');
      expect(r.fixes).toEqual(['wordpress/fix-permissions']);
    } finally {
      await chmod(config(), 0o640);
    }
  });

  it('offers the group of PHP and 0640 when PHP runs as a user that is neither the owner nor in the group (Healer runs as root)', async () => {
    await chmod(config(), 0o644);
    try {
      const r = await checkSite(site, 'wordpress/permissions', { settings: { phpUser: 'www-data' } });
      expect(r.status).toBe('warn');
      expect(r.fixes).toEqual(['wordpress/fix-permissions']);
      expect(r.details).toMatchObject({ configFixOffered: true, configGroupChange: { group: 'www-data', gid: WWW_DATA_GID } });
      expect(r.message).toContain('give it to the group "www-data"');
    } finally {
      await chmod(config(), 0o640);
    }
  });

  it('does not offer 0640 when PHP runs with a group its user is not in, and says why', async () => {
    await chmod(config(), 0o644);
    try {
      const r = await checkSite(site, 'wordpress/permissions', { settings: { phpUser: 'www-data:nogroup' } });
      expect(r.status).toBe('warn');
      expect(r.fixes ?? []).toEqual([]);
      expect(r.details).toMatchObject({ configFixOffered: false, phpUser: { user: 'www-data' } });
      expect(r.message).toContain('does not make it 0640');
      expect(r.message).toContain('www-data');
    } finally {
      await chmod(config(), 0o640);
    }
  });

  it('offers 0640 when the PHP user reads through the group', async () => {
    await chmod(config(), 0o644);
    await chown(config(), 0, WWW_DATA_GID);
    try {
      const r = await checkSite(site, 'wordpress/permissions', { settings: { phpUser: 'www-data' } });
      expect(r.status).toBe('warn');
      expect(r.fixes).toEqual(['wordpress/fix-permissions']);
    } finally {
      await chown(config(), 0, 0);
      await chmod(config(), 0o640);
    }
  });

  it("fails on a 0644 wp-config.php owned by another user than the site's", async () => {
    await chmod(config(), 0o644);
    await chown(config(), WWW_DATA_UID, WWW_DATA_GID);
    try {
      const r = await checkSite(site, 'wordpress/permissions');
      expect(r.status).toBe('fail');
    } finally {
      await chown(config(), 0, 0);
      await chmod(config(), 0o640);
    }
  });

  it("judges a symlinked wp-config.php by its target's mode", async () => {
    const target = join(site.root, 'wp-content/real-config.php');
    await rename(config(), target);
    await symlink(target, config());
    try {
      await chmod(target, 0o640);
      const ok = await checkSite(site, 'wordpress/permissions');
      expect(ok.status).toBe('pass');
      await chmod(target, 0o666);
      const bad = await checkSite(site, 'wordpress/permissions');
      expect(bad.status).toBe('fail');
      expect(bad.details).toMatchObject({ configMode: '0666', configTarget: target });
    } finally {
      await rm(config());
      await rename(target, config());
      await chmod(config(), 0o640);
    }
  });

  it('fails on a world-writable folder (0777), skipping pruned trees', async () => {
    const uploads = join(site.root, 'wp-content/uploads');
    const pruned = join(site.root, 'wp-content/themes/twentytwentythree/node_modules/x');
    const mode = (await stat(uploads)).mode & 0o7777;
    await mkdir(pruned, { recursive: true });
    await chmod(uploads, 0o777);
    await chmod(pruned, 0o777);
    try {
      const r = await checkSite(site, 'wordpress/permissions');
      expect(r.status).toBe('fail');
      expect(r.details.worldWritableDirs).toEqual([uploads]);
      expect(r.fixes).toEqual(['wordpress/fix-permissions']);
    } finally {
      await chmod(uploads, mode);
      await rm(join(site.root, 'wp-content/themes/twentytwentythree/node_modules'), { recursive: true });
    }
  });
});

describe('wordpress/core-integrity', () => {
  it('skips, saying how, before a baseline exists', async () => {
    // A clean diagnosis earlier in this file may have recorded one (the plugin's onHealthy).
    await rm(baselinePath(site.root), { force: true });
    const r = await checkSite(site, 'wordpress/core-integrity');
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/No baseline/);
    expect(r.details.baselinePath).toBe(baselinePath(site.root));
  });

  it('passes against the baseline recorded on the healthy site, and fails on a modified or added core file', async () => {
    const recorded = await recordBaseline(new LocalExecutor(), site.root);
    expect(recorded.path).toBe(baselinePath(site.root));
    // Outside the web root: beside the backups.
    expect(recorded.path.startsWith(join(site.dir, '.healer-backups') + '/')).toBe(true);
    expect(recorded.wordpress).toMatch(/^6\.1/);
    expect(recorded.files).toBeGreaterThan(1000);
    expect((await stat(recorded.path)).mode & 0o777).toBe(0o600);

    const ok = await checkSite(site, 'wordpress/core-integrity');
    expect(ok.status).toBe('pass');
    expect(ok.details.checked).toBe(recorded.files);

    const loader = join(site.root, 'wp-includes/load.php');
    const original = await readFile(loader);
    const shell = join(site.root, 'wp-includes/wp-shell.php');
    await appendFile(loader, "\n// injected\n");
    await writeFile(shell, '<?php eval($_POST["x"]);\n');
    try {
      const r = await checkSite(site, 'wordpress/core-integrity');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ modified: ['wp-includes/load.php'], added: ['wp-includes/wp-shell.php'], missing: [] });
      expect(r.evidence).toEqual(['modified: wp-includes/load.php', 'added: wp-includes/wp-shell.php']);
      // A modified core file needs a clean copy: no automatic fix.
      expect(r.fixes).toEqual([]);
    } finally {
      await writeFile(loader, original);
    }
    try {
      // Only an added file: quarantine can take it away.
      const r = await checkSite(site, 'wordpress/core-integrity');
      expect(r.status).toBe('fail');
      expect(r.details.files).toEqual([shell]);
      expect(r.fixes).toEqual(['wordpress/quarantine-files']);
    } finally {
      await rm(shell);
    }
    expect((await checkSite(site, 'wordpress/core-integrity')).status).toBe('pass');
    // wp-config.php is the site's, not core: editing it is not a finding.
    await appendFile(join(site.root, 'wp-config.php'), '\n// a comment\n');
    expect((await checkSite(site, 'wordpress/core-integrity')).status).toBe('pass');
  });
});

describe('wordpress/htaccess', () => {
  const htaccess = (): string => join(site.root, '.htaccess');
  /** The site as Apache would serve it (the block matters only then). */
  const onApache = { settings: { webServer: 'apache' } };
  /** Let WordPress itself write its block, as saving the permalink settings on Apache does. */
  const wordpressWritesHtaccess = (structure: string): Promise<string> =>
    site.php(
      `require_once ABSPATH . 'wp-admin/includes/misc.php'; add_filter('got_rewrite', '__return_true'); global $wp_rewrite; $wp_rewrite->set_permalink_structure('${structure}'); $wp_rewrite->init(); var_export(save_mod_rewrite_rules());`,
    );

  it('passes on a stock install: no .htaccess, plain permalinks, whatever the server', async () => {
    const r = await checkSite(site, 'wordpress/htaccess', onApache);
    expect(r.status, r.message).toBe('pass');
    expect(r.details).toMatchObject({ permalinkStructure: '' });
  });

  it('does not require the block where no server reads it, even with pretty permalinks', async () => {
    await writeFile(htaccess(), '# Custom rules\nOptions -Indexes\n');
    await site.setOption('permalink_structure', '/%postname%/');
    try {
      const r = await checkSite(site, 'wordpress/htaccess', { settings: { webServer: 'nginx' } });
      expect(r.status, r.message).toBe('pass');
      expect(r.details).toMatchObject({ state: 'missing', server: null });
    } finally {
      await site.setOption('permalink_structure', '');
      await rm(htaccess(), { force: true });
    }
  });

  it("passes on the block WordPress writes, and fails when it is mangled, edited or missing", async () => {
    await writeFile(htaccess(), '# Custom rules\nOptions -Indexes\n');
    try {
      expect(await wordpressWritesHtaccess('/%postname%/')).toBe('true');
      const written = await readFile(htaccess(), 'utf8');
      expect(written).toContain('# BEGIN WordPress');
      const ok = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(ok.status, ok.message).toBe('pass');
      expect(ok.details).toMatchObject({ state: 'standard', base: '/' });

      await writeFile(htaccess(), written.replace('# END WordPress', ''));
      const mangled = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(mangled.status).toBe('fail');
      expect(mangled.details).toMatchObject({ state: 'mangled' });
      expect(mangled.fixes).toEqual(['wordpress/restore-htaccess']);

      await writeFile(htaccess(), written.replace('RewriteCond %{REQUEST_FILENAME} !-d\n', ''));
      const edited = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(edited.status).toBe('fail');
      expect(edited.details).toMatchObject({ state: 'modified', missing: ['RewriteCond %{REQUEST_FILENAME} !-d'] });
      expect(edited.evidence).toEqual(['missing: RewriteCond %{REQUEST_FILENAME} !-d']);

      await writeFile(htaccess(), '# Custom rules\nOptions -Indexes\n');
      const missing = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(missing.status).toBe('fail');
      expect(missing.details).toMatchObject({ state: 'missing' });
      expect(missing.fixes).toEqual(['wordpress/restore-htaccess']);
    } finally {
      await rm(htaccess(), { force: true });
    }
  });

  it('passes on the empty block WordPress writes with plain permalinks, but not with pretty ones', async () => {
    await writeFile(htaccess(), '');
    try {
      expect(await wordpressWritesHtaccess('')).toBe('true');
      expect(await readFile(htaccess(), 'utf8')).toContain('# BEGIN WordPress');
      const plain = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(plain.status, plain.message).toBe('pass');
      expect(plain.details).toMatchObject({ state: 'empty' });

      await site.setOption('permalink_structure', '/%postname%/');
      const pretty = await checkSite(site, 'wordpress/htaccess', onApache);
      expect(pretty.status).toBe('fail');
      expect(pretty.fixes).toEqual(['wordpress/restore-htaccess']);
    } finally {
      await site.setOption('permalink_structure', '');
      await rm(htaccess(), { force: true });
    }
  });
});
