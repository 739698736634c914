/**
 * Discovery against configuration trees written the Debian and the RHEL way,
 * read through the real LocalExecutor.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../exec/local-executor.js';
import { discoverWebServer } from './discover.js';
import { parseEnvvars } from './apache.js';
import { nginxTokens } from './nginx.js';

const exec = new LocalExecutor();
let dir: string;

async function tree(base: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(base, rel)), { recursive: true });
    await writeFile(join(base, rel), text);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'healer-webserver-'));
  await mkdir(join(dir, 'www/site/wp-content'), { recursive: true });
  await mkdir(join(dir, 'www/other'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Apache, Debian layout', () => {
  it("finds the vhost's ErrorLog with ${APACHE_LOG_DIR} from envvars, then the global one, and APACHE_RUN_USER", async () => {
    const etc = join(dir, 'debian/apache2');
    await tree(etc, {
      envvars: 'unset HOME\nSUFFIX=\nexport APACHE_RUN_USER=web-user\nexport APACHE_RUN_GROUP=web-group\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n',
      'apache2.conf': 'User ${APACHE_RUN_USER}\nGroup ${APACHE_RUN_GROUP}\nErrorLog ${APACHE_LOG_DIR}/error.log\nIncludeOptional mods-enabled/*.load\nIncludeOptional sites-enabled/*.conf\n',
      'mods-enabled/php8.2.load': 'LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so\n',
      'sites-available/other.conf': `<VirtualHost *:80>\n  DocumentRoot ${dir}/www/other\n  ErrorLog \${APACHE_LOG_DIR}/other-error.log\n</VirtualHost>\n`,
      'sites-available/site.conf': `# the site\n<VirtualHost *:80>\n  ServerName site.example\n  DocumentRoot "${dir}/www/site/"\n  ErrorLog \${APACHE_LOG_DIR}/site-error.log\n  php_admin_flag display_errors Off\n  php_value memory_limit 256M\n</VirtualHost>\n`,
    });
    await mkdir(join(etc, 'sites-enabled'));
    await symlink('../sites-available/site.conf', join(etc, 'sites-enabled/site.conf'));
    await symlink('../sites-available/other.conf', join(etc, 'sites-enabled/other.conf'));
    const found = await discoverWebServer(exec, join(dir, 'www/site'), { apacheRoot: etc, nginxRoot: join(dir, 'none'), phpFpmRoot: join(dir, 'none'), phpBinary: false });
    expect(found.logs.map((l) => [l.kind, l.path])).toEqual([
      ['apache-vhost', '/var/log/apache2/site-error.log'],
      ['apache', '/var/log/apache2/error.log'],
    ]);
    expect(found.servedBy).toEqual([{ server: 'apache', file: join(etc, 'sites-enabled/site.conf'), serverName: 'site.example', documentRoot: join(dir, 'www/site'), listen: ['*:80'] }]);
    expect(found.phpUser).toMatchObject({ user: 'web-user', group: 'web-group' });
    // mod_php: PHP runs inside Apache, with the vhost's own settings.
    expect(found.php).toEqual({ sapi: 'apache2handler', phpValues: { display_errors: 'Off', memory_limit: '256M' }, apacheRoot: etc });
  });

  it('parses envvars the way the shell would for plain assignments', () => {
    expect(parseEnvvars('SUFFIX=-x\nexport A=/var/$SUFFIX\nexport B="${A}/b" # c\n')).toMatchObject({ A: '/var/-x', B: '/var/-x/b' });
  });
});

describe('Apache, RHEL layout', () => {
  it('reads conf/httpd.conf and conf.d, relative ErrorLog against ServerRoot, and the site in a subfolder of a DocumentRoot', async () => {
    const etc = join(dir, 'rhel/httpd');
    await tree(etc, {
      'conf/httpd.conf': `ServerRoot "${etc}"\nUser apache\nGroup apache\nErrorLog "logs/error_log"\nInclude conf.modules.d/*.conf\nIncludeOptional conf.d/*.conf\n`,
      'conf.modules.d/15-php.conf': '<IfModule prefork.c>\n  LoadModule php_module modules/libphp.so\n</IfModule>\n',
      'conf.d/www.conf': `<VirtualHost *:80>\n  DocumentRoot ${dir}/www\n  ErrorLog /var/log/httpd/www-error_log\n</VirtualHost>\n`,
    });
    const found = await discoverWebServer(exec, join(dir, 'www/site'), { apacheRoot: etc, nginxRoot: join(dir, 'none'), phpFpmRoot: join(dir, 'none'), phpBinary: false });
    expect(found.logs.map((l) => l.path)).toEqual(['/var/log/httpd/www-error_log', join(etc, 'logs/error_log')]);
    expect(found.phpUser).toMatchObject({ user: 'apache' });
  });
});

describe('nginx + PHP-FPM', () => {
  it("finds the server block's error_log, the pool behind its fastcgi_pass (user, php_admin_value[error_log]) and FPM's log", async () => {
    const ngx = join(dir, 'nginx');
    const fpm = join(dir, 'php/8.2/fpm');
    await tree(ngx, {
      'nginx.conf': `user www-data;\nerror_log /var/log/nginx/error.log;\nhttp {\n  include ${ngx}/sites-enabled/*;\n}\n`,
      'sites-enabled/site': `server {\n  listen 80; # comment\n  server_name site.example www.site.example;\n  root ${dir}/www/site;\n  error_log /var/log/nginx/site.error.log warn;\n  location ~ \\.php$ {\n    fastcgi_pass unix:/run/php/site.sock;\n  }\n}\n`,
      'sites-enabled/other': `server {\n  root ${dir}/www/other;\n  location ~ \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; }\n}\n`,
    });
    await tree(fpm, {
      'php-fpm.conf': `[global]\npid = /run/php/php8.2-fpm.pid\nerror_log = /var/log/php8.2-fpm.log\ninclude=${fpm}/pool.d/*.conf\n`,
      'pool.d/www.conf': '[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.2-fpm.sock\n',
      'pool.d/site.conf': '; the site\n[site]\nuser = site-user\ngroup = site-group\nlisten = /run/php/site.sock\nphp_admin_value[error_log] = /var/log/php/$pool.log\nphp_flag[display_errors] = on\npm.status_path = /fpm-status\n',
    });
    const found = await discoverWebServer(exec, join(dir, 'www/site'), { apacheRoot: join(dir, 'none'), nginxRoot: ngx, phpFpmRoot: join(dir, 'php/*/fpm'), phpBinary: false });
    expect(found.logs.map((l) => [l.kind, l.path])).toEqual([
      ['nginx-server', '/var/log/nginx/site.error.log'],
      ['nginx', '/var/log/nginx/error.log'],
      ['php-fpm-pool', '/var/log/php/site.log'],
      ['php-fpm', '/var/log/php8.2-fpm.log'],
    ]);
    expect(found.servedBy[0]).toMatchObject({ server: 'nginx', serverName: 'site.example', listen: ['80'] });
    expect(found.phpUser).toMatchObject({ user: 'site-user', group: 'site-group' });
    // The pool behind the site's fastcgi_pass, with its status path, settings and FPM's pid file.
    expect(found.php).toMatchObject({
      sapi: 'fpm-fcgi',
      pool: { name: 'site', statusPath: '/fpm-status', phpValues: { error_log: '/var/log/php/site.log', display_errors: 'on' } },
      fpm: { pidFile: '/run/php/php8.2-fpm.pid' },
    });
  });

  it('tokenises quotes, comments and braces', () => {
    expect(nginxTokens('a "b c" {d;} # e\nf\'g\';')).toEqual(['a', 'b c', '{', 'd', ';', '}', 'f', 'g', ';']);
  });
});

describe('nothing readable', () => {
  it('gives no logs and no user from configuration, without throwing', async () => {
    const none = join(dir, 'none');
    const found = await discoverWebServer(exec, join(dir, 'www/site'), { apacheRoot: none, nginxRoot: none, phpFpmRoot: none, phpBinary: false });
    expect(found.logs).toEqual([]);
    expect(found.servedBy).toEqual([]);
    expect(found.php).toBeNull();
  });

  it('refuses a relative docroot', async () => {
    await expect(discoverWebServer(exec, 'www/site')).rejects.toMatchObject({ code: 'PATH_INVALID' });
  });
});
