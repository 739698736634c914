import { afterEach, describe, expect, it } from 'vitest';
import { createHealerFs, LocalExecutor } from '@healer/core';
import { testdir, type TestDir } from '@healer/test-utils';
import { clientOption, parseOptionFile, readOptionFiles, serverOption } from './option-files.js';

describe('parseOptionFile', () => {
  it('reads sections, dashes as underscores, quotes, comments and bare options', () => {
    const parsed = parseOptionFile(
      ['# a comment', '[client-server]', 'socket = /run/mysqld/mysqld.sock', '[mysqld]', 'log-error = /var/log/mysql/error.log  # where', 'skip-name-resolve', 'datadir="/srv/my sql"', '!include /etc/extra.cnf', '!includedir /etc/mysql/conf.d/', '[client]', "password = 'p#w\\\"x'"].join('\n'),
    );
    expect(parsed.sections['mysqld']).toEqual({ log_error: '/var/log/mysql/error.log', skip_name_resolve: '', datadir: '/srv/my sql' });
    expect(parsed.sections['client']).toEqual({ password: 'p#w"x' });
    expect(parsed.includes).toEqual(['/etc/extra.cnf']);
    expect(parsed.includeDirs).toEqual(['/etc/mysql/conf.d/']);
    expect(serverOption(parsed.sections, 'socket')).toBe('/run/mysqld/mysqld.sock');
    expect(clientOption(parsed.sections, 'socket')).toBe('/run/mysqld/mysqld.sock');
  });

  it('lets [mariadb] win over [mysqld], and a versioned section last', () => {
    const { sections } = parseOptionFile('[mariadb-10.11]\nport=3310\n[mysqld]\nport=3306\n[mariadb]\nport=3307\n');
    expect(serverOption(sections, 'port')).toBe('3310');
    expect(serverOption(parseOptionFile('[mysqld]\nport=3306\n[mariadb]\nport=3307\n').sections, 'port')).toBe('3307');
  });
});

describe('readOptionFiles', () => {
  let dir: TestDir | null = null;
  afterEach(async () => {
    await dir?.cleanup();
    dir = null;
  });

  it('follows !include and !includedir (only *.cnf, in name order), later values winning, each file once', async () => {
    dir = await testdir({
      'my.cnf': '[mysqld]\nport=3306\n!includedir conf.d\n!include my.cnf\n',
      'conf.d/50-server.cnf': '[mysqld]\nport=3307\ndatadir=/data\n',
      'conf.d/60-later.cnf': '[mysqld]\nport=3308\n',
      'conf.d/README': '[mysqld]\nport=9999\n',
    });
    const fs = createHealerFs(new LocalExecutor(), []);
    const files = await readOptionFiles(fs, [`${dir.path}/my.cnf`, `${dir.path}/missing.cnf`]);
    expect(files.files).toEqual([`${dir.path}/my.cnf`, `${dir.path}/conf.d/50-server.cnf`, `${dir.path}/conf.d/60-later.cnf`]);
    expect(serverOption(files.sections, 'port')).toBe('3308');
    expect(serverOption(files.sections, 'datadir')).toBe('/data');
  });
});
