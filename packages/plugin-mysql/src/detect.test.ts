import { describe, expect, it } from 'vitest';
import { commandOptions, isServerProcess, parseServerVersion, serverTarget } from './detect.js';

describe('detection helpers', () => {
  it('reads the version and flavor the server binary prints', () => {
    expect(parseServerVersion('/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)')).toEqual({ version: '10.11.19', flavor: 'mariadb' });
    expect(parseServerVersion('/usr/sbin/mysqld  Ver 8.0.36-0ubuntu0.22.04.1 for Linux on x86_64 ((Ubuntu))')).toEqual({ version: '8.0.36', flavor: 'mysql' });
    expect(parseServerVersion('command not found')).toBeNull();
  });

  it('reads a server command line and tells servers from their wrappers', () => {
    expect(commandOptions('/usr/sbin/mariadbd --defaults-file=/etc/my.cnf --data-dir=/x --port=3307 --skip-grant')).toEqual({ defaults_file: '/etc/my.cnf', data_dir: '/x', port: '3307' });
    const p = (command: string) => ({ pid: 1, ppid: 0, user: 'mysql', rssBytes: 0, command });
    expect(isServerProcess(p('/usr/sbin/mariadbd --basedir=/usr'))).toBe(true);
    expect(isServerProcess(p('/bin/sh /usr/bin/mysqld_safe'))).toBe(false);
    expect(isServerProcess(p('mariadb -uroot'))).toBe(false);
  });

  it('gives the data directory of a named server entry, nothing for other names', () => {
    const config = { servers: { main: { dataDir: '/var/lib/mysql/' } } };
    expect(serverTarget(config, 'main')).toBe('/var/lib/mysql');
    expect(serverTarget(config, 'other')).toBeNull();
    expect(serverTarget(config, 'constructor')).toBeNull();
    expect(serverTarget(undefined, 'main')).toBeNull();
  });
});
