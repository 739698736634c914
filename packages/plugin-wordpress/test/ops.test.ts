/**
 * The PHP-helper and direct-database operations against a real WordPress on
 * MariaDB: every method, the two giving the same answers, a site whose
 * plugin, theme and object-cache drop-in fatal on load, and database
 * connection errors by number.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHealerError, LocalExecutor } from '@healer/core';
import { dbOps, explainDbError, phpHelperOps, selectOpsKind, wpOps } from '../src/ops/index.js';
import { wpMeta } from '../src/detect.js';
import type { WpOps } from '../src/types.js';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';
import { RecordingExecutor, siteContext, type SiteContext } from './helpers/ops-context.js';

const FATAL = '<?php\n/* Plugin Name: Fatal */\nhealer_undefined_function();\n';

let site: WordPressSite;
let ctx: SiteContext;
let exec: RecordingExecutor;
const impls: Record<'php' | 'db', () => WpOps> = {
  php: () => phpHelperOps(ctx),
  db: () => dbOps(ctx),
};

/** The option's value as stored, bytes in hex (what WordPress will read back). */
const raw = async (name: string): Promise<string> => (await site.sql(`SELECT HEX(option_value) FROM wp_options WHERE option_name = '${name}'`)).trim();

beforeAll(async () => {
  site = await createWordPressSite();
  exec = new RecordingExecutor();
  ctx = await siteContext(site.root, { exec });
}, 60_000);
afterAll(() => site?.stop());

describe.each(['php', 'db'] as const)('%s operations on a real site', (kind) => {
  it('reads options: text as text, serialized values unserialized, absent as null', async () => {
    const ops = impls[kind]();
    expect(ops.kind).toBe(kind);
    expect(await ops.getOption('blogname')).toBe('Healer test site');
    expect(await ops.getOption('blog_public')).toBe('1');
    expect(await ops.getOption('wp_user_roles')).toMatchObject({ administrator: { name: 'Administrator', capabilities: { manage_options: true } } });
    expect(await ops.getOption(`healer-no-such-option-${kind}`)).toBeNull();
  });

  it('writes options as WordPress does, any bytes, and a serialized-looking string serialized again', async () => {
    const ops = impls[kind]();
    const value = { list: ['a', "it's", 'say "hi"', 'tab\there', 'line\nbreak', 'ünïcødé ✓ 😀', '); DROP TABLE wp_options; --'], n: 3, f: 2.5, t: true, nothing: null, '7': 'int key' };
    await ops.updateOption(`healer_${kind}_complex`, value);
    expect(await ops.getOption(`healer_${kind}_complex`)).toEqual(value);
    expect(await site.getOption(`healer_${kind}_complex`)).toEqual(value);

    await ops.updateOption(`healer_${kind}_looks_serialized`, 's:1:"a";');
    expect(await ops.getOption(`healer_${kind}_looks_serialized`)).toBe('s:1:"a";');
    expect(Buffer.from(await raw(`healer_${kind}_looks_serialized`), 'hex').toString()).toBe('s:8:"s:1:"a";";');

    await ops.updateOption(`healer_${kind}_flag`, false);
    expect(await ops.getOption(`healer_${kind}_flag`)).toBe('');
    // An existing option keeps its autoload flag; a new one is autoloaded.
    await site.sql(`UPDATE wp_options SET autoload = 'no' WHERE option_name = 'healer_${kind}_flag'`);
    await ops.updateOption(`healer_${kind}_flag`, 'x');
    expect((await site.sql(`SELECT autoload, option_value FROM wp_options WHERE option_name = 'healer_${kind}_flag'`)).trim()).toBe('no\tx');
  });

  it('deletes options; on a single site network options are the options themselves', async () => {
    const ops = impls[kind]();
    await ops.updateOption(`healer_${kind}_gone`, ['x']);
    await ops.deleteOption(`healer_${kind}_gone`);
    expect(await ops.getOption(`healer_${kind}_gone`)).toBeNull();
    await ops.deleteOption(`healer_${kind}_gone`);
    expect(await ops.getNetworkOption('blogname')).toBe('Healer test site');
    await ops.updateNetworkOption(`healer_${kind}_net`, { a: 1 });
    expect(await site.getOption(`healer_${kind}_net`)).toEqual({ a: 1 });
  });

  it('lists and deactivates plugins, storing active_plugins as a plain list', async () => {
    const ops = impls[kind]();
    const keep = await site.addPlugin(`keep-${kind}`, '<?php\n/* Plugin Name: Keep */\n', { activate: true });
    const broken = await site.addPlugin(`fatal-${kind}`, FATAL, { activate: true });
    const active = await ops.activePlugins();
    expect(active).toEqual(expect.arrayContaining([keep, broken]));

    const before = await ops.deactivatePlugins([broken, 'not-active/x.php']);
    expect(before).toEqual(active);
    expect(await ops.activePlugins()).toEqual(active.filter((p) => p !== broken));
    expect(await site.getOption('active_plugins')).toEqual(active.filter((p) => p !== broken));
    const stored = Buffer.from(await raw('active_plugins'), 'hex').toString();
    expect(stored).toMatch(/^a:\d+:\{i:0;s:\d+:"/);

    await ops.deactivatePlugins([keep]);
    expect(await ops.activePlugins()).not.toContain(keep);
  });

  it('reads and switches the theme (template, stylesheet, current_theme from style.css)', async () => {
    const ops = impls[kind]();
    expect(await ops.theme()).toEqual({ template: 'twentytwentythree', stylesheet: 'twentytwentythree' });
    await site.addTheme(`child-${kind}`, { 'style.css': `/*\nTheme Name: Child of TT3 (${kind})\nTemplate: twentytwentythree\n*/\n`, 'index.php': '<?php\n' });
    await ops.switchTheme('twentytwentythree', `child-${kind}`);
    expect(await ops.theme()).toEqual({ template: 'twentytwentythree', stylesheet: `child-${kind}` });
    expect(await site.getOption('current_theme')).toBe(`Child of TT3 (${kind})`);
    await ops.switchTheme('twentytwentythree', 'twentytwentythree');
    expect(await site.getOption('current_theme')).toBe('Twenty Twenty-Three');
    await expect(ops.switchTheme('twentytwentythree', '../../etc')).rejects.toSatisfy((e) => isHealerError(e, 'INVALID_ARGUMENT'));
  });

  it('finds tables needing repair and repairs what can be repaired', async () => {
    const ops = impls[kind]();
    expect(await ops.tablesNeedingRepair()).toEqual([]);
    // A MERGE table whose underlying table is gone: CHECK TABLE reports an error.
    await site.sql(`CREATE TABLE wp_healer_part_${kind} (a INT) ENGINE=MyISAM; CREATE TABLE wp_healer_merge_${kind} (a INT) ENGINE=MERGE UNION=(wp_healer_part_${kind}); DROP TABLE wp_healer_part_${kind}; CREATE TABLE wp_healer_myisam_${kind} (a INT) ENGINE=MyISAM;`);
    try {
      const bad = await ops.tablesNeedingRepair();
      expect(bad).toEqual([{ table: `wp_healer_merge_${kind}`, message: expect.stringContaining(`wp_healer_part_${kind}`) }]);
      const repaired = await ops.repairTables([`wp_healer_myisam_${kind}`, 'wp_options', `wp_healer_merge_${kind}`, 'mysql_user']);
      expect(repaired).toEqual([
        { table: `wp_healer_myisam_${kind}`, ok: true, message: 'OK' },
        { table: 'wp_options', ok: false, message: "The storage engine for the table doesn't support repair" },
        { table: `wp_healer_merge_${kind}`, ok: false, message: expect.stringContaining(`wp_healer_part_${kind}`) },
        { table: 'mysql_user', ok: false, message: 'Not a table of this site.' },
      ]);
    } finally {
      await site.sql(`DROP TABLE IF EXISTS wp_healer_merge_${kind}, wp_healer_myisam_${kind}`);
    }
    expect(await ops.tablesNeedingRepair()).toEqual([]);
  });

  it('measures autoloaded options', async () => {
    const ops = impls[kind]();
    await site.setOption(`healer_big_${kind}`, 'x'.repeat(50_000));
    const size = await ops.autoloadSize();
    const total = Number((await site.sql("SELECT SUM(LENGTH(option_value)) FROM wp_options WHERE autoload IN ('yes','on','auto-on','auto')")).trim());
    expect(size.bytes).toBe(total);
    expect(size.largest.length).toBe(10);
    expect(size.largest[0]!.bytes).toBeGreaterThanOrEqual(50_000);
    expect(size.largest.map((l) => l.bytes)).toEqual([...size.largest.map((l) => l.bytes)].sort((a, b) => b - a));
  });

  it('flattens cron events', async () => {
    const ops = impls[kind]();
    const events = await ops.cronEvents();
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(events.map((e) => e.hook)).toContain('wp_version_check');
    for (const e of events) expect(e).toEqual({ hook: expect.any(String), timestamp: expect.any(Number), args: expect.any(String) });
  });

  it('connects', async () => {
    expect(await impls[kind]().connectError()).toBeNull();
  });
});

describe('the PHP helper and the database client agree', () => {
  it('give the same answers for every read', async () => {
    const cron = (await site.getOption('cron')) as Record<string, unknown>;
    await site.setOption('cron', { ...cron, '1900000000': { healer_event: { abc: { schedule: false, args: ['a/b', 'ü', { k: 1 }] }, def: { schedule: 'daily', args: [], interval: 86400 } } } });
    await site.setOption('healer_parity', { a: [1, 2.5, 'x'], b: { '3': 'c' }, e: [] });
    const php = phpHelperOps(ctx);
    const db = dbOps(ctx);
    for (const read of [
      (o: WpOps) => o.getOption('healer_parity'),
      (o: WpOps) => o.getOption('wp_user_roles'),
      (o: WpOps) => o.getOption('cron'),
      (o: WpOps) => o.getOption('blogname'),
      (o: WpOps) => o.getOption('healer-absent'),
      (o: WpOps) => o.activePlugins(),
      (o: WpOps) => o.theme(),
      (o: WpOps) => o.tablesNeedingRepair(),
      (o: WpOps) => o.autoloadSize(),
      (o: WpOps) => o.cronEvents(),
      (o: WpOps) => o.connectError(),
    ]) {
      expect(await read(db)).toEqual(await read(php));
    }
    expect((await db.cronEvents()).filter((e) => e.hook === 'healer_event')).toEqual([
      { hook: 'healer_event', timestamp: 1900000000, args: '["a/b","ü",{"k":1}]' },
      { hook: 'healer_event', timestamp: 1900000000, args: '[]' },
    ]);
  });

  it('store the same bytes for every write', async () => {
    const value = { list: ['a/b', "q'uote", 'ü'], n: -1, f: 0.1, b: false, z: null, nested: { '0': 'x', y: [] } };
    for (const [kind, ops] of Object.entries(impls)) {
      await ops().updateOption(`healer_same_${kind}`, value);
      await ops().updateOption(`healer_same_text_${kind}`, 'plain "text"');
    }
    expect(await raw('healer_same_db')).toBe(await raw('healer_same_php'));
    expect(await raw('healer_same_text_db')).toBe(await raw('healer_same_text_php'));

    const a = await site.addPlugin('parity-a', '<?php\n/* Plugin Name: A */\n', { activate: true });
    const b = await site.addPlugin('parity-b', '<?php\n/* Plugin Name: B */\n', { activate: true });
    const start = await site.getOption('active_plugins');
    await dbOps(ctx).deactivatePlugins([a]);
    const byDb = await raw('active_plugins');
    await site.setOption('active_plugins', start);
    await phpHelperOps(ctx).deactivatePlugins([a]);
    expect(await raw('active_plugins')).toBe(byDb);
    await phpHelperOps(ctx).deactivatePlugins([b]);

    await dbOps(ctx).switchTheme('twentytwentythree', 'twentytwentythree');
    const themeByDb = await Promise.all(['template', 'stylesheet', 'current_theme'].map(raw));
    await phpHelperOps(ctx).switchTheme('twentytwentythree', 'twentytwentythree');
    expect(await Promise.all(['template', 'stylesheet', 'current_theme'].map(raw))).toEqual(themeByDb);
  });
});

describe('multisite', () => {
  let ms: WordPressSite;
  let msCtx: SiteContext;
  beforeAll(async () => {
    ms = await createWordPressSite();
    // WordPress's own network installer, then the constants wp-config.php gets for a network.
    await ms.php(
      `require_once ABSPATH . 'wp-admin/includes/upgrade.php'; require_once ABSPATH . 'wp-admin/includes/network.php';
       foreach ($wpdb->tables('ms_global') as $table => $prefixed) { $wpdb->$table = $prefixed; }
       install_network(); populate_network(1, 'healer.test', 'admin@example.com', 'Healer network', '/', false);`,
    );
    const path = `${ms.root}/wp-config.php`;
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace(
        "require_once ABSPATH . 'wp-settings.php';",
        "define( 'MULTISITE', true );\ndefine( 'SUBDOMAIN_INSTALL', false );\ndefine( 'DOMAIN_CURRENT_SITE', 'healer.test' );\ndefine( 'PATH_CURRENT_SITE', '/' );\ndefine( 'SITE_ID_CURRENT_SITE', 1 );\ndefine( 'BLOG_ID_CURRENT_SITE', 1 );\nrequire_once ABSPATH . 'wp-settings.php';",
      ),
    );
    msCtx = await siteContext(ms.root);
  }, 60_000);
  afterAll(() => ms?.stop());

  it.each(['php', 'db'] as const)('%s: network options and network-active plugins', async (kind) => {
    const ops = kind === 'php' ? phpHelperOps(msCtx) : dbOps(msCtx);
    expect(wpMeta(msCtx.app).multisite).toBe(true);
    expect(await ops.getNetworkOption('site_name')).toBe('Healer network');
    expect(await ops.getOption('blogname')).toBe('Healer test site');
    // Not the harness's activate: it looks the site up as host "x", which a network does not know.
    const site = await ms.addPlugin(`site-${kind}`, '<?php /* Plugin Name: S */');
    await ops.updateOption('active_plugins', [site]);
    const network = `net-${kind}/net-${kind}.php`;
    await ms.addPlugin(`net-${kind}`, '<?php /* Plugin Name: N */');
    await ops.updateNetworkOption('active_sitewide_plugins', { [network]: 1700000000 });
    expect(await ops.activePlugins()).toEqual([site, network]);
    expect(await ops.deactivatePlugins([network, site])).toEqual([site, network]);
    expect(await ops.activePlugins()).toEqual([]);
    expect(await ops.getNetworkOption('active_sitewide_plugins')).toEqual([]);
    // A network option that did not exist is added.
    await ops.updateNetworkOption(`healer_new_${kind}`, 'v');
    expect(await (kind === 'php' ? dbOps(msCtx) : phpHelperOps(msCtx)).getNetworkOption(`healer_new_${kind}`)).toBe('v');
  });
});

describe('a site that fatals on load', () => {
  it('does not stop either implementation', async () => {
    const broken = await site.addPlugin('fatal-on-load', FATAL, { activate: true });
    await site.addTheme('fatal-theme', { 'style.css': '/*\nTheme Name: Fatal Theme\n*/\n', 'functions.php': '<?php healer_theme_undefined();\n', 'index.php': '<?php\n' }, { activate: true });
    await writeFile(`${site.root}/wp-content/object-cache.php`, '<?php healer_cache_undefined();\n');
    await writeFile(`${site.root}/.maintenance`, `<?php $upgrading = ${Math.floor(Date.now() / 1000)};`);
    try {
      expect((await site.get('/')).status).not.toBe(200);
      for (const make of Object.values(impls)) {
        const ops = make();
        expect(await ops.connectError()).toBeNull();
        expect(await ops.activePlugins()).toContain(broken);
        expect(await ops.theme()).toEqual({ template: 'fatal-theme', stylesheet: 'fatal-theme' });
      }
      await phpHelperOps(ctx).deactivatePlugins([broken]);
      expect(await dbOps(ctx).activePlugins()).not.toContain(broken);
      await dbOps(ctx).switchTheme('twentytwentythree', 'twentytwentythree');
      expect(await phpHelperOps(ctx).theme()).toEqual({ template: 'twentytwentythree', stylesheet: 'twentytwentythree' });
    } finally {
      await exec.remove(`${site.root}/wp-content/object-cache.php`);
      await exec.remove(`${site.root}/.maintenance`);
    }
    expect((await site.get('/')).status).toBe(200);
  });
});

describe('a site logging to debug.log', () => {
  it('gets nothing written there by the PHP helper, even when its own bootstrap fails', async () => {
    const logging = await createWordPressSite({ debugLog: true });
    try {
      const log = `${logging.root}/wp-content/debug.log`;
      await writeFile(log, '');
      const c = await siteContext(logging.root);
      const ops = phpHelperOps(c);
      await ops.getOption('blogname');
      await ops.activePlugins();
      await writeFile(`${logging.root}/wp-content/db.php`, '<?php healer_dropin_undefined();\n');
      await expect(ops.getOption('blogname')).rejects.toSatisfy((e) => isHealerError(e, 'COMMAND_FAILED') && e.message.includes('healer_dropin_undefined'));
      expect(await readFile(log, 'utf8')).toBe('');
    } finally {
      await logging.stop();
    }
  });
});

describe('database connection errors', () => {
  /** Edit wp-config.php, detect again, ask both implementations, put the file back. */
  async function connectErrors(edit: (text: string) => string): Promise<Array<{ errno: number; message: string } | null>> {
    const path = `${site.root}/wp-config.php`;
    const original = await readFile(path, 'utf8');
    await writeFile(path, edit(original));
    try {
      const c = await siteContext(site.root);
      return [await phpHelperOps(c).connectError(), await dbOps(c).connectError()];
    } finally {
      await writeFile(path, original);
    }
  }
  const define = (name: string, value: string) => (text: string) => text.replace(new RegExp(`define\\( ['"]${name}['"], ['"][^'"]*['"] \\);`), `define( '${name}', '${value}' );`);

  it('wrong password: 1045', async () => {
    const errors = await connectErrors(define('DB_PASSWORD', 'not-the-password'));
    for (const e of errors) expect(e).toEqual({ errno: 1045, message: expect.stringContaining('Access denied') });
    expect(explainDbError(1045)).toMatch(/password/);
  });

  it('unknown database: 1049', async () => {
    const missing = `${site.db.name}_gone`;
    // The user may use that name, so the server says "unknown" rather than "access denied" (1044).
    await rootSql(`GRANT ALL ON \`${missing}\`.* TO '${site.db.user}'@'%'; GRANT ALL ON \`${missing}\`.* TO '${site.db.user}'@'localhost';`);
    const errors = await connectErrors(define('DB_NAME', missing));
    for (const e of errors) expect(e).toEqual({ errno: 1049, message: expect.stringContaining(missing) });
    expect(explainDbError(1049)).toMatch(/does not exist/);
  });

  it('no server on the port: 2003; no socket: 2002', async () => {
    for (const e of await connectErrors(define('DB_HOST', '127.0.0.1:1'))) expect(e?.errno).toBe(2003);
    for (const e of await connectErrors(define('DB_HOST', 'localhost:/nonexistent/mysqld.sock'))) expect(e?.errno).toBe(2002);
    expect(explainDbError(2003)).toMatch(/host and port/);
    expect(explainDbError(2002)).toMatch(/socket/);
  });

  it('other operations fail with a coded error when the database is down', async () => {
    const path = `${site.root}/wp-config.php`;
    const original = await readFile(path, 'utf8');
    await writeFile(path, define('DB_PASSWORD', 'wrong')(original));
    try {
      const c = await siteContext(site.root);
      for (const ops of [phpHelperOps(c), dbOps(c)]) {
        await expect(ops.getOption('blogname')).rejects.toSatisfy((e) => isHealerError(e, 'COMMAND_FAILED') && (e.details?.['errno'] === 1045 || /1045|Access denied/.test(e.message)));
      }
    } finally {
      await writeFile(path, original);
    }
  });
});

describe('a password with every character that could break quoting', () => {
  it('reaches the database through wp-config.php parsing and the option file, with both implementations', async () => {
    const hostile = `p"a'ss\\w#o;r d$(touch x)\`y\` [client] \u00e9\nnext line`;
    const sqlQuoted = hostile.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n');
    const phpQuoted = hostile.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const path = `${site.root}/wp-config.php`;
    const original = await readFile(path, 'utf8');
    await rootSql(`ALTER USER '${site.db.user}'@'%' IDENTIFIED BY '${sqlQuoted}'; ALTER USER '${site.db.user}'@'localhost' IDENTIFIED BY '${sqlQuoted}';`);
    await writeFile(path, original.replace(`'DB_PASSWORD', '${site.db.password}'`, () => `'DB_PASSWORD', '${phpQuoted}'`));
    try {
      const c = await siteContext(site.root);
      expect(c.registered).toContain(hostile);
      expect(await phpHelperOps(c).connectError()).toBeNull();
      expect(await dbOps(c).connectError()).toBeNull();
      expect(await dbOps(c).getOption('blogname')).toBe('Healer test site');
    } finally {
      await writeFile(path, original);
      await rootSql(`ALTER USER '${site.db.user}'@'%' IDENTIFIED BY '${site.db.password}'; ALTER USER '${site.db.user}'@'localhost' IDENTIFIED BY '${site.db.password}';`);
    }
  });
});

describe('secrets', () => {
  it('registers the password and never puts it in a command line or environment', async () => {
    expect(ctx.registered).toContain(site.db.password);
    const ops = dbOps(ctx);
    await ops.getOption('blogname');
    await ops.connectError();
    await phpHelperOps(ctx).getOption('blogname');
    expect(exec.commands.length).toBeGreaterThan(0);
    for (const { command, options } of exec.commands) {
      expect(JSON.stringify(command)).not.toContain(site.db.password);
      expect(JSON.stringify(options?.env ?? {})).not.toContain(site.db.password);
    }
    expect(exec.commands.some(({ options }) => typeof options?.input === 'string' && options.input.includes(site.db.password))).toBe(true);
  });
});

describe('wpOps', () => {
  it('picks the PHP helper when php runs, the database with wpCli never and no PHP, WP-CLI when asked', async () => {
    expect((await wpOps(ctx)).kind).toBe('php');
    expect(await selectOpsKind({ ...(await siteContext(site.root, { config: { wpCli: 'always' } })) })).toBe('wp-cli');
    const noPhp = await siteContext(site.root, { config: { phpBinary: 'healer-no-such-php' } });
    expect((await wpOps(noPhp)).kind).toBe('db');
    expect(await (await wpOps(noPhp)).getOption('blogname')).toBe('Healer test site');
  });
});

/** Setup as the database's root (its own executor: these commands are not the plugin's). */
async function rootSql(statement: string): Promise<void> {
  const r = await new LocalExecutor().run(['mariadb', '-h127.0.0.1', '-uroot', '-e', statement]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
}
