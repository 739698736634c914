/**
 * Real web servers for tests: Apache with mod_php, or nginx with PHP-FPM
 * (Debian's packages), on a free loopback port, with their own
 * configuration laid out the Debian way in a temporary folder
 * (`etc/apache2/{apache2.conf,envvars,mods-enabled,sites-enabled}`,
 * `etc/nginx/{nginx.conf,sites-enabled}`, `etc/php/fpm/{php-fpm.conf,pool.d}`,
 * logs under `log/apache2`, `log/nginx`). PHP runs as `user` (default
 * `www-data`). Nothing is written outside the folder; `stop()` ends the
 * processes and removes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

export type WebServerKind = 'apache' | 'nginx';

export interface WebSite {
  /** The name-based virtual host's name (it need not resolve). */
  serverName: string;
  /** The folder served. */
  docroot: string;
}

export interface WebServerOptions {
  kind: WebServerKind;
  sites: WebSite[];
  /** The user PHP runs as. Default `www-data`. */
  user?: string;
  /** PHP-FPM's binary. Default `php-fpm8.2`. */
  phpFpm?: string;
  /** The loopback port. Default a free one. */
  port?: number;
  /** nginx only: extra settings of the PHP-FPM pool (`pm.status_path`, `php_admin_flag[display_errors]`...). */
  poolSettings?: Record<string, string>;
}

export interface RunningWebServer {
  kind: WebServerKind;
  port: number;
  /** The temporary folder holding the configuration and the logs. */
  dir: string;
  /** The configuration folders, as `discoverWebServer` takes them. */
  roots: { apacheRoot?: string; nginxRoot?: string; phpFpmRoot?: string };
  /** The error log each site's virtual host writes. */
  errorLogOf(serverName: string): string;
  /** The global error log. */
  errorLog: string;
  /** GET `path` from 127.0.0.1 with `Host: serverName:port`. */
  get(serverName: string, path?: string): Promise<{ status: number; body: string; location: string | null }>;
  stop(): Promise<void>;
}

const APACHE_MODULES = ['mpm_prefork', 'authz_core', 'authz_host', 'dir', 'mime', 'alias', 'rewrite', 'php8.2', 'env', 'setenvif', 'filter', 'deflate'];

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const user = options.user ?? 'www-data';
  const dir = await realpath(await mkdtemp(join(tmpdir(), `healer-${options.kind}-`)));
  // PHP's user walks into the folder (sockets, logs stay root's).
  await chmod(dir, 0o755);
  const port = options.port ?? (await freePort());
  const children: ChildProcess[] = [];
  const run = join(dir, 'run');
  await mkdir(run, { recursive: true });
  let server: Omit<RunningWebServer, 'get' | 'stop' | 'port' | 'dir' | 'kind'>;
  if (options.kind === 'apache') {
    server = await configureApache(dir, port, user, options.sites);
    const env = parseEnv(await readFile(join(dir, 'etc/apache2/envvars'), 'utf8'));
    children.push(start('/usr/sbin/apache2', ['-d', join(dir, 'etc/apache2'), '-f', join(dir, 'etc/apache2/apache2.conf'), '-DFOREGROUND'], { ...process.env, ...env }));
  } else {
    server = await configureNginx(dir, port, user, options.sites, options.poolSettings ?? {});
    children.push(start(options.phpFpm ?? 'php-fpm8.2', ['-F', '-y', join(dir, 'etc/php/fpm/php-fpm.conf')], process.env));
    await waitFor(() => exists(join(run, 'php-fpm.sock')), 'php-fpm', children).catch(async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw e;
    });
    children.push(start('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'etc/nginx/nginx.conf'), '-g', 'daemon off;'], process.env));
  }
  const get: RunningWebServer['get'] = (serverName, path = '/') => httpGet(port, serverName, path);
  try {
    await waitFor(async () => (await get(options.sites[0]!.serverName).catch(() => null)) !== null, options.kind, children);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    kind: options.kind,
    port,
    dir,
    ...server,
    get,
    async stop() {
      await Promise.all(children.map((c) => stopChild(c)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function configureApache(dir: string, port: number, user: string, sites: WebSite[]): Promise<Omit<RunningWebServer, 'get' | 'stop' | 'port' | 'dir' | 'kind'>> {
  const etc = join(dir, 'etc/apache2');
  const logDir = join(dir, 'log/apache2');
  await mkdir(join(etc, 'mods-enabled'), { recursive: true });
  await mkdir(join(etc, 'sites-enabled'), { recursive: true });
  await mkdir(join(etc, 'sites-available'), { recursive: true });
  await mkdir(logDir, { recursive: true });
  for (const mod of APACHE_MODULES) {
    for (const ext of ['load', 'conf']) {
      const src = `/etc/apache2/mods-available/${mod}.${ext}`;
      if (await exists(src)) await symlink(src, join(etc, 'mods-enabled', `${mod}.${ext}`));
    }
  }
  await writeFile(
    join(etc, 'envvars'),
    `# envvars - default environment variables for apache2ctl (test copy)\nunset HOME\nSUFFIX=\nexport APACHE_RUN_USER=${user}\nexport APACHE_RUN_GROUP=${user}\nexport APACHE_PID_FILE=${dir}/run/apache2$SUFFIX.pid\nexport APACHE_RUN_DIR=${dir}/run\nexport APACHE_LOCK_DIR=${dir}/run\nexport APACHE_LOG_DIR=${logDir}$SUFFIX\nexport LANG=C\n`,
  );
  await writeFile(
    join(etc, 'apache2.conf'),
    `DefaultRuntimeDir \${APACHE_RUN_DIR}\nPidFile \${APACHE_PID_FILE}\nTimeout 30\nUser \${APACHE_RUN_USER}\nGroup \${APACHE_RUN_GROUP}\nErrorLog \${APACHE_LOG_DIR}/error.log\nLogLevel warn\nIncludeOptional mods-enabled/*.load\nIncludeOptional mods-enabled/*.conf\nInclude ports.conf\n<Directory />\n\tOptions FollowSymLinks\n\tAllowOverride None\n\tRequire all denied\n</Directory>\nAccessFileName .htaccess\nLogFormat "%h %l %u %t \\"%r\\" %>s %O" common\nIncludeOptional sites-enabled/*.conf\n`,
  );
  await writeFile(join(etc, 'ports.conf'), `Listen 127.0.0.1:${port}\n`);
  const logs = new Map<string, string>();
  for (const site of sites) {
    const name = `${site.serverName}.conf`;
    const log = join(logDir, `${site.serverName}-error.log`);
    logs.set(site.serverName, log);
    await writeFile(
      join(etc, 'sites-available', name),
      `<VirtualHost 127.0.0.1:${port}>\n\tServerName ${site.serverName}\n\tDocumentRoot ${site.docroot}\n\t<Directory ${site.docroot}>\n\t\tAllowOverride All\n\t\tRequire all granted\n\t\tDirectoryIndex index.php index.html\n\t</Directory>\n\t# A heal's edits are served at once.\n\tphp_admin_flag opcache.enable Off\n\tErrorLog \${APACHE_LOG_DIR}/${site.serverName}-error.log\n\tCustomLog \${APACHE_LOG_DIR}/${site.serverName}-access.log common\n</VirtualHost>\n`,
    );
    await symlink(`../sites-available/${name}`, join(etc, 'sites-enabled', name));
  }
  return { roots: { apacheRoot: etc }, errorLog: join(logDir, 'error.log'), errorLogOf: (n) => logs.get(n) ?? join(logDir, 'error.log') };
}

async function configureNginx(dir: string, port: number, user: string, sites: WebSite[], poolSettings: Record<string, string>): Promise<Omit<RunningWebServer, 'get' | 'stop' | 'port' | 'dir' | 'kind'>> {
  const etc = join(dir, 'etc/nginx');
  const fpm = join(dir, 'etc/php/fpm');
  const logDir = join(dir, 'log/nginx');
  for (const d of [join(etc, 'sites-enabled'), join(etc, 'sites-available'), join(fpm, 'pool.d'), logDir, join(dir, 'tmp')]) await mkdir(d, { recursive: true });
  const sock = join(dir, 'run/php-fpm.sock');
  // Debian's snippets include these relative to the configuration folder.
  for (const f of ['fastcgi.conf', 'fastcgi_params', 'mime.types']) await symlink(`/etc/nginx/${f}`, join(etc, f));
  await writeFile(
    join(fpm, 'php-fpm.conf'),
    `[global]\npid = ${dir}/run/php-fpm.pid\nerror_log = ${dir}/log/php8.2-fpm.log\ndaemonize = no\ninclude=${fpm}/pool.d/*.conf\n`,
  );
  await writeFile(
    join(fpm, 'pool.d/www.conf'),
    `[www]\nuser = ${user}\ngroup = ${user}\nlisten = ${sock}\nlisten.owner = ${user}\nlisten.group = ${user}\npm = static\npm.max_children = 2\n; A heal's edits are served at once.\nphp_admin_value[opcache.enable] = 0\n${Object.entries(poolSettings).map(([k, v]) => `${k} = ${v}\n`).join('')}`,
  );
  await writeFile(
    join(etc, 'nginx.conf'),
    `user ${user};\nworker_processes 1;\npid ${dir}/run/nginx.pid;\nerror_log ${logDir}/error.log;\nevents { worker_connections 64; }\nhttp {\n\tinclude mime.types;\n\tclient_body_temp_path ${dir}/tmp/body;\n\tproxy_temp_path ${dir}/tmp/proxy;\n\tfastcgi_temp_path ${dir}/tmp/fastcgi;\n\tuwsgi_temp_path ${dir}/tmp/uwsgi;\n\tscgi_temp_path ${dir}/tmp/scgi;\n\taccess_log ${logDir}/access.log;\n\terror_log ${logDir}/error.log;\n\tinclude ${etc}/sites-enabled/*;\n}\n`,
  );
  const logs = new Map<string, string>();
  for (const site of sites) {
    const log = join(logDir, `${site.serverName}-error.log`);
    logs.set(site.serverName, log);
    await writeFile(
      join(etc, 'sites-available', site.serverName),
      `server {\n\tlisten 127.0.0.1:${port};\n\tserver_name ${site.serverName};\n\troot ${site.docroot};\n\tindex index.php index.html;\n\terror_log ${log};\n\tlocation / {\n\t\ttry_files $uri $uri/ /index.php?$args;\n\t}\n\tlocation ~ \\.php$ {\n\t\tinclude /etc/nginx/snippets/fastcgi-php.conf;\n\t\tfastcgi_pass unix:${sock};\n\t}\n}\n`,
    );
    await symlink(`../sites-available/${site.serverName}`, join(etc, 'sites-enabled', site.serverName));
  }
  return { roots: { nginxRoot: etc, phpFpmRoot: fpm }, errorLog: join(logDir, 'error.log'), errorLogOf: (n) => logs.get(n) ?? join(logDir, 'error.log') };
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/\$SUFFIX/g, '');
  }
  return env;
}

function start(bin: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // Its own process group: Apache signals its whole group when it stops.
  const child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  (child as ChildProcess & { lastError: () => string }).lastError = () => err;
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Apache stops gracefully on SIGTERM (and its workers with it); nginx and php-fpm too (QUIT/TERM).
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await ended;
  clearTimeout(timer);
}

async function waitFor(ok: () => Promise<boolean>, what: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await ok()) return;
    const dead = children.find((c) => c.exitCode !== null);
    if (dead || Date.now() > deadline) {
      await Promise.all(children.map((c) => stopChild(c)));
      const why = children.map((c) => (c as ChildProcess & { lastError?: () => string }).lastError?.() ?? '').join('\n');
      throw new Error(`${what} did not start: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function httpGet(port: number, serverName: string, path: string): Promise<{ status: number; body: string; location: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `${serverName}:${port}` }, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: (res.headers.location as string | undefined) ?? null }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
