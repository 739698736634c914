import { describe, expect, it } from 'vitest';
import { mysqlClientError, mysqlOptionFile, mysqlOptionValue, parseMysqlRows, sqlBytes, sqlIdent, throughPipe } from './client.js';

describe('the MySQL client runner', () => {
  it('writes the connection as an option file, values quoted and escaped, absent ones left out', () => {
    expect(mysqlOptionValue('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(mysqlOptionFile({ user: 'root', socket: '/run/mysqld/mysqld.sock' })).toBe('[client]\nuser="root"\nsocket="/run/mysqld/mysqld.sock"\n');
    expect(mysqlOptionFile({ user: 'u', password: '', host: 'db', port: 3307, database: 'shop' })).toBe('[client]\nuser="u"\npassword=""\nhost="db"\nport=3307\n[mysql]\ndatabase="shop"\n');
    expect(mysqlOptionFile({ user: 'u', database: 'shop' }, { database: false })).toBe('[client]\nuser="u"\n');
  });

  it('reads errors and rows, quotes identifiers and bytes, and pipes stdin', () => {
    expect(mysqlClientError('ERROR 1045 (28000): Access denied for user')).toEqual({ errno: 1045, message: 'Access denied for user' });
    expect(mysqlClientError('ERROR 1142 (42000) at line 5: denied')).toEqual({ errno: 1142, message: 'denied' });
    expect(parseMysqlRows('a\tb\n\n')).toEqual([['a', 'b']]);
    expect(sqlIdent('a`b')).toBe('`a``b`');
    expect(sqlBytes('')).toBe("''");
    expect(throughPipe(['mariadb', '-e', 'SELECT 1'])).toEqual({ script: 'cat | "$@"', args: ['mariadb', '-e', 'SELECT 1'] });
  });
});
