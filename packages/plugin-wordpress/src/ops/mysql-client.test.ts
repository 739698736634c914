import { describe, expect, it } from 'vitest';
import { clientError, clientOptionFile, isTcp, normalizeConnectErrno, optionValue, parseDbHost, parseRows, sqlBytes, sqlIdent } from './mysql-client.js';
import { explainDbError, fileHeader, flattenCron, groupTableRows, rowsMessage, rowsOk } from './shared.js';

describe('parseDbHost (wpdb::parse_db_host)', () => {
  it.each([
    ['localhost', { host: 'localhost', port: null, socket: null }],
    ['127.0.0.1:3307', { host: '127.0.0.1', port: 3307, socket: null }],
    ['localhost:/run/mysqld/mysqld.sock', { host: 'localhost', port: null, socket: '/run/mysqld/mysqld.sock' }],
    [':/tmp/my.sock', { host: '', port: null, socket: '/tmp/my.sock' }],
    ['db.example.com', { host: 'db.example.com', port: null, socket: null }],
    ['[::1]:3306', { host: '::1', port: 3306, socket: null }],
    ['::1', { host: '::1', port: null, socket: null }],
    ['p:db.example.com:3306', { host: 'db.example.com', port: 3306, socket: null }],
  ])('%s', (input, expected) => {
    expect(parseDbHost(input)).toEqual(expected);
  });

  it('tells TCP from the local socket, and numbers refused connections by that', () => {
    expect(isTcp(parseDbHost('127.0.0.1'))).toBe(true);
    expect(isTcp(parseDbHost('localhost:3307'))).toBe(false);
    expect(isTcp(parseDbHost('db:/x.sock'))).toBe(false);
    expect(normalizeConnectErrno(2002, parseDbHost('127.0.0.1:1'))).toBe(2003);
    expect(normalizeConnectErrno(2003, parseDbHost('localhost'))).toBe(2002);
    expect(normalizeConnectErrno(1045, parseDbHost('127.0.0.1'))).toBe(1045);
  });
});

describe('the option file', () => {
  it('quotes and escapes values', () => {
    expect(optionValue('plain')).toBe('"plain"');
    expect(optionValue('a"b\\c#d e\nf\tg')).toBe('"a\\"b\\\\c#d e\\nf\\tg"');
  });

  it('holds the connection in [client] and the database in [mysql]', () => {
    const db = { name: 'shop', user: 'u', host: '10.0.0.5:3307', charset: 'utf8mb4' };
    expect(clientOptionFile(db, 'pw')).toBe('[client]\nuser="u"\npassword="pw"\nhost="10.0.0.5"\nport=3307\n[mysql]\ndatabase="shop"\n');
    expect(clientOptionFile({ ...db, host: 'localhost:/run/m.sock' }, 'pw', { database: false })).toBe('[client]\nuser="u"\npassword="pw"\nhost="localhost"\nsocket="/run/m.sock"\n');
  });
});

describe('client output', () => {
  it('reads error numbers, also wrapped by WP-CLI', () => {
    expect(clientError("ERROR 1049 (42000): Unknown database 'x'\n")).toEqual({ errno: 1049, message: "Unknown database 'x'" });
    expect(clientError('ERROR 1064 (42000) at line 1: You have an error')).toEqual({ errno: 1064, message: 'You have an error' });
    expect(clientError('Error: Failed. Reason: ERROR 2002 (HY000): Can\'t connect')).toEqual({ errno: 2002, message: "Can't connect" });
    expect(clientError('something else')).toBeNull();
  });

  it('splits rows and fields, quotes identifiers and bytes', () => {
    expect(parseRows('a\tb\n\tc\n')).toEqual([['a', 'b'], ['', 'c']]);
    expect(sqlIdent('wp_`x')).toBe('`wp_``x`');
    expect(sqlBytes("it's")).toBe("X'69742773'");
    expect(sqlBytes('')).toBe("''");
  });
});

describe('shared helpers', () => {
  it('explains every connection error the checks report', () => {
    for (const errno of [1045, 1044, 1049, 2002, 2003, 2005]) expect(explainDbError(errno)).not.toMatch(/failed with error/);
    expect(explainDbError(9999)).toBe('The database connection failed with error 9999.');
  });

  it('reads CHECK TABLE rows', () => {
    const rows = groupTableRows(
      [
        ['shop.wp_a', 'check', 'status', 'OK'],
        ['shop.wp_b', 'check', 'Error', 'Table is marked as crashed'],
        ['shop.wp_b', 'check', 'status', 'Operation failed'],
        ['shop.wp_c', 'check', 'warning', '1 client is using or hasn\'t closed the table properly'],
        ['shop.wp_c', 'check', 'status', 'OK'],
      ],
      'shop',
    );
    expect([...rows.keys()]).toEqual(['wp_a', 'wp_b', 'wp_c']);
    expect([rowsOk(rows.get('wp_a')!), rowsOk(rows.get('wp_b')!), rowsOk(rows.get('wp_c')!)]).toEqual([true, false, true]);
    expect(rowsMessage(rows.get('wp_b')!, true)).toBe('Table is marked as crashed');
    expect(rowsMessage(rows.get('wp_a')!, true)).toBe('OK');
  });

  it('flattens the cron option in time, hook and argument order', () => {
    const cron = {
      '1700000100': { b_hook: { x: { schedule: 'hourly', args: [], interval: 3600 } }, a_hook: { y: { schedule: false, args: ['z'] } } },
      '1700000000': { c_hook: { k1: { args: [2] }, k2: { args: [1] } } },
      version: 2,
    };
    expect(flattenCron(cron)).toEqual([
      { hook: 'c_hook', timestamp: 1700000000, args: '[1]' },
      { hook: 'c_hook', timestamp: 1700000000, args: '[2]' },
      { hook: 'a_hook', timestamp: 1700000100, args: '["z"]' },
      { hook: 'b_hook', timestamp: 1700000100, args: '[]' },
    ]);
    expect(flattenCron(false)).toEqual([]);
  });

  it('reads a style.css header like get_file_data', () => {
    expect(fileHeader('/*\nTheme Name: Twenty Twenty-Three\nAuthor: x\n*/', 'Theme Name')).toBe('Twenty Twenty-Three');
    expect(fileHeader('/* Theme Name: Inline */', 'Theme Name')).toBe('Inline');
    expect(fileHeader(' * theme name:   Spaced  \r', 'Theme Name')).toBe('Spaced');
    expect(fileHeader('no header', 'Theme Name')).toBe('');
  });
});
