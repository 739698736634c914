/**
 * The WordPress checks that ask the database, against a real site on the
 * local MariaDB: the connection (a wrong password for real), crashed tables
 * (a MyISAM table cut short on disk), autoloaded options and cron events.
 */
import { readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTree, LocalExecutor } from '@healer/core';
import { freePort } from '@healer/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWordPressSite, type WordPressSite } from './helpers/wordpress-site.js';
import { checkSite, diagnoseSite, resultOf, withConfig } from './checks-helpers.js';

let site: WordPressSite;
beforeAll(async () => {
  site = await createWordPressSite();
}, 60_000);
afterAll(() => site?.stop());

const rootSql = async (statement: string): Promise<string> => {
  const r = await new LocalExecutor().run(['mariadb', '-h127.0.0.1', '-uroot', '--batch', '--skip-column-names', '-e', statement]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};

describe('wordpress/database-connection', () => {
  it('passes with the credentials in wp-config.php', async () => {
    const r = await checkSite(site, 'wordpress/database-connection');
    expect(r.status).toBe('pass');
    expect(r.details).toMatchObject({ database: site.db.name, user: site.db.user });
  });

  it('fails on a wrong password, explains errno 1045 in words, offers no fix, and changes nothing', async () => {
    const wrong = `wrong-${site.db.password}`;
    await withConfig(site, (t) => t.replace(`'DB_PASSWORD', '${site.db.password}'`, `'DB_PASSWORD', '${wrong}'`), async () => {
      const before = await hashTree(new LocalExecutor(), [site.root]);
      const page = await site.get('/');
      expect(page.body).toContain('Error establishing a database connection');
      const d = await diagnoseSite(site);
      const r = resultOf(d, 'wordpress/database-connection');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ errno: 1045, database: site.db.name, host: site.db.host, user: site.db.user });
      expect(r.message).toMatch(/password/i);
      expect(r.fixes).toEqual([]);
      // The site's server is this machine's MariaDB, which its option files describe: named for the MySQL plugin.
      expect(r.details).toMatchObject({ databaseServer: '/var/lib/mysql' });
      expect(r.message).toContain('`healer diagnose /var/lib/mysql` looks at it');
      // The password never shows, right or wrong.
      expect(JSON.stringify(d)).not.toContain(wrong);
      expect(JSON.stringify(d)).not.toContain(site.db.password);
      // Availability names the database; the database checks step aside instead of erroring.
      const avail = resultOf(d, 'wordpress/availability');
      expect(avail.status).toBe('fail');
      expect(avail.details).toMatchObject({ marker: 'database-error' });
      expect(avail.message).toContain(site.db.name);
      expect(avail.fixes).toEqual([]);
      for (const id of ['wordpress/tables-need-repair', 'wordpress/autoload-size', 'wordpress/cron-events', 'wordpress/search-engines-blocked']) {
        expect(resultOf(d, id).status, id).toBe('skip');
      }
      expect(await hashTree(new LocalExecutor(), [site.root])).toEqual(before);
    }, { served: true });
    expect((await checkSite(site, 'wordpress/database-connection')).status).toBe('pass');
  });

  it('fails on a database that does not exist (errno 1049)', async () => {
    await withConfig(site, (t) => t.replace(`'DB_NAME', '${site.db.name}'`, `'DB_NAME', '${site.db.name}_gone'`), async () => {
      const r = await checkSite(site, 'wordpress/database-connection');
      expect(r.status).toBe('fail');
      // A user without rights on the other name may get 1044 (access denied to the database) instead.
      expect([1049, 1044]).toContain(r.details.errno);
    });
  });

  it('names no local server for a port no server of this machine uses', async () => {
    const port = await freePort();
    await withConfig(site, (t) => t.replace(`'DB_HOST', '${site.db.host}'`, `'DB_HOST', '127.0.0.1:${port}'`), async () => {
      const r = await checkSite(site, 'wordpress/database-connection');
      expect(r.status).toBe('fail');
      expect(r.details).toMatchObject({ databaseServer: null });
      expect([2002, 2003]).toContain(r.details.errno);
      expect(r.message).not.toContain('healer diagnose');
    });
  });
});

describe('wordpress/tables-need-repair', () => {
  it('passes when CHECK TABLE reports every table OK', async () => {
    const r = await checkSite(site, 'wordpress/tables-need-repair');
    expect(r.status).toBe('pass');
    expect(r.details.tables).toEqual([]);
  });

  it('fails on a MyISAM table whose data file was cut short, and offers repair', async () => {
    const table = 'wp_healer_log';
    await site.sql(`CREATE TABLE ${table} (id INT PRIMARY KEY, v TEXT) ENGINE=MyISAM; INSERT INTO ${table} VALUES (1, 'a'), (2, 'b'), (3, 'c');`);
    await rootSql(`FLUSH TABLES ${site.db.name}.${table}`);
    const datadir = await rootSql('SELECT @@datadir');
    const dataFile = join(datadir, site.db.name, `${table}.MYD`);
    await truncate(dataFile, 40);
    try {
      const r = await checkSite(site, 'wordpress/tables-need-repair');
      expect(r.status).toBe('fail');
      expect(r.details.tables).toEqual([table]);
      expect(r.evidence.join('\n')).toMatch(new RegExp(`${table}: `));
      expect(r.fixes).toEqual(['wordpress/repair-tables']);
    } finally {
      await rootSql(`DROP TABLE IF EXISTS ${site.db.name}.${table}`);
      // MariaDB's automatic recovery may have left a backup of the damaged file, which would block DROP DATABASE.
      for (const f of await readdir(join(datadir, site.db.name))) if (f.startsWith(`${table}.`)) await rm(join(datadir, site.db.name, f));
    }
  });
});

describe('wordpress/autoload-size', () => {
  it('passes on a fresh site', async () => {
    const r = await checkSite(site, 'wordpress/autoload-size');
    expect(r.status).toBe('pass');
    expect(r.details.bytes).toBeGreaterThan(1000);
    expect(r.details.bytes).toBeLessThan(800 * 1024);
  });

  it('warns over the limit and fails far over it, naming the largest options', async () => {
    await site.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('healer_big_a', REPEAT('a', 700000), 'no'), ('healer_big_b', REPEAT('b', 300000), 'no')");
    try {
      expect((await checkSite(site, 'wordpress/autoload-size')).status).toBe('pass');
      await site.sql("UPDATE wp_options SET autoload = 'yes' WHERE option_name IN ('healer_big_a', 'healer_big_b')");
      const warn = await checkSite(site, 'wordpress/autoload-size');
      expect(warn.status).toBe('warn');
      expect(warn.details.bytes).toBeGreaterThan(1_000_000);
      expect((warn.details.largest as Array<{ name: string }>)[0]!.name).toBe('healer_big_a');
      expect(warn.evidence[0]).toMatch(/^healer_big_a: /);
      const fail = await checkSite(site, 'wordpress/autoload-size', { config: { autoloadWarnBytes: 200 * 1024 } });
      expect(fail.status).toBe('fail');
    } finally {
      await site.sql("DELETE FROM wp_options WHERE option_name LIKE 'healer_big_%'");
    }
  });
});

describe('wordpress/cron-events', () => {
  const schedule = (n: number, hook: string): Promise<string> =>
    site.php(`for ($i = 1; $i <= ${n}; $i++) { wp_schedule_event(time() + 3600 + $i * 60, 'hourly', '${hook}', array('same')); } echo 'ok';`);
  const unschedule = (hook: string): Promise<string> => site.php(`wp_unschedule_hook('${hook}'); echo 'ok';`);

  it('passes on a fresh site: a few events, none twice', async () => {
    const r = await checkSite(site, 'wordpress/cron-events');
    expect(r.status).toBe('pass');
    expect(r.details.count).toBeGreaterThan(0);
    expect(r.details.duplicates).toEqual([]);
  });

  it('warns on the same hook and arguments scheduled more than once', async () => {
    await schedule(3, 'healer_dup_hook');
    try {
      const r = await checkSite(site, 'wordpress/cron-events');
      expect(r.status).toBe('warn');
      expect(r.details.duplicates).toEqual([expect.objectContaining({ hook: 'healer_dup_hook', count: 3 })]);
      expect(r.message).toContain('"healer_dup_hook" 3 times');
    } finally {
      await unschedule('healer_dup_hook');
    }
  });

  it('fails on runaway duplicates past the limit', async () => {
    await schedule(60, 'healer_runaway_hook');
    try {
      const r = await checkSite(site, 'wordpress/cron-events');
      expect(r.status).toBe('fail');
      expect(r.details.count).toBeGreaterThanOrEqual(60);
      expect(r.details.duplicateExtra).toBe(59);
    } finally {
      await unschedule('healer_runaway_hook');
    }
    expect((await checkSite(site, 'wordpress/cron-events')).status).toBe('pass');
  });
});
