import { describe, expect, it } from 'vitest';
import { HealerError, isHealerError } from './errors.js';
import { REDACTED, Redactor } from './redact.js';

describe('Redactor.add / redact', () => {
  it('masks registered values everywhere, longest first', () => {
    const r = new Redactor();
    r.add('hunter2hunter');
    r.add('hunter2hunter2-extended');
    expect(r.redact('a=hunter2hunter2-extended b=hunter2hunter c=hunter2hunter')).toBe('a=*** b=*** c=***');
  });

  it('ignores empty and very short values', () => {
    const r = new Redactor();
    r.add('');
    r.add('a');
    r.add('abc');
    r.add(null);
    r.add(undefined);
    expect(r.size).toBe(0);
    expect(r.redact('a abc banana')).toBe('a abc banana');
    r.add('abcd');
    expect(r.redact('xabcdx')).toBe('x***x');
  });

  it('masks the URL-encoded form of a registered value and treats regex characters literally', () => {
    const r = new Redactor();
    r.add('p@ss w+rd$(1)');
    expect(r.redact('pw=p@ss w+rd$(1) url=https://h/?q=p%40ss%20w%2Brd%24(1)')).toBe('pw=*** url=https://h/?q=***');
    expect(r.redact('pss wrd')).toBe('pss wrd');
  });
});

describe('built-in patterns', () => {
  const r = new Redactor();
  const cases: Array<[string, string, string]> = [
    ['mysql DSN', 'DATABASE_URL=mysql://wp:S3cr3t!x@127.0.0.1:3306/wp', 'DATABASE_URL=mysql://wp:***@127.0.0.1:3306/wp'],
    ['postgres URL in a sentence', 'connecting to postgres://app:pgpass99@db.internal/app failed', 'connecting to postgres://app:***@db.internal/app failed'],
    ['redis URL without user', 'REDIS=redis://:r3d1s-pass@cache:6379/0', 'REDIS=redis://:***@cache:6379/0'],
    ['URL password with an unencoded @', 'amqp://guest:gu@st@rabbit:5672/', 'amqp://guest:***@rabbit:5672/'],
    ['query string', 'GET /login?user=bob&password=hunter22&next=/ 302', 'GET /login?user=bob&password=***&next=/ 302'],
    ['pwd in ODBC string', 'Server=db;Uid=sa;Pwd=Sq1Pass;', 'Server=db;Uid=sa;Pwd=***;'],
    ['passwd with colon', 'smtp passwd: mailpass01', 'smtp passwd: ***'],
    ['env file', 'DB_HOST=localhost\nDB_PASSWORD=envpass123\nDB_NAME=app', 'DB_HOST=localhost\nDB_PASSWORD=***\nDB_NAME=app'],
    ['quoted env value with spaces', "export DB_PASSWORD='two words'", "export DB_PASSWORD='***'"],
    ['SECRET_KEY', 'SECRET_KEY=django-insecure-abc123', 'SECRET_KEY=***'],
    ['API_KEY and TOKEN', 'API_KEY=ak_live_123 TOKEN=tok_456', 'API_KEY=*** TOKEN=***'],
    ['Laravel APP_KEY', 'APP_KEY=base64:Zm9vYmFyYmF6cXV4', 'APP_KEY=***'],
    ['AWS secret', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG', 'AWS_SECRET_ACCESS_KEY=***'],
    ['JSON', '{"user":"bob","password":"js\\"on pass","apiKey":"k-123456"}', '{"user":"bob","password":"***","apiKey":"***"}'],
    ['YAML', 'database:\n  password: yamlpass\n  host: db', 'database:\n  password: ***\n  host: db'],
    ['PHP array', "'password' => 'drupalpass',", "'password' => '***',"],
    ['--password=', 'mysqldump --user=wp --password=dump-pass wp', 'mysqldump --user=wp --password=*** wp'],
    ['--password value', 'pg_dump --password "spaced pass" --host db', 'pg_dump --password "***" --host db'],
    ['--password followed by a flag', 'mysql --password --user=wp', 'mysql --password --user=wp'],
    ['mysql -p', 'mysql -u wp -pMyS3cret wordpress', 'mysql -u wp -p*** wordpress'],
    ['mysqldump -p quoted', "mysqldump -uroot -p'a b' db > /srv/backup/x.sql", "mysqldump -uroot -p'***' db > /srv/backup/x.sql"],
    ['-p outside mysql', 'find . -print && mkdir -p /srv/app && ssh -p2222 host', 'find . -print && mkdir -p /srv/app && ssh -p2222 host'],
    ['Authorization Bearer', 'Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer ***'],
    ['Authorization Basic', 'authorization: Basic dXNlcjpwYXNz', 'authorization: Basic ***'],
    ['bare Bearer token', 'curl -H "X: y" sent Bearer abcdefgh12345678', 'curl -H "X: y" sent Bearer ***'],
    ['WordPress define, single quotes', "define( 'DB_PASSWORD', 'wp-pass' );", "define( 'DB_PASSWORD', '***' );"],
    ['WordPress define, double quotes', 'define("DB_PASSWORD","wp\\"pass");', 'define("DB_PASSWORD","***");'],
    ['WordPress salt', "define( 'AUTH_KEY',         'put your unique phrase here' );", "define( 'AUTH_KEY',         '***' );"],
    ['WordPress non-secret define', "define( 'DB_USER', 'wpuser' );", "define( 'DB_USER', 'wpuser' );"],
    ['GitHub token', 'remote: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB', 'remote: ***'],
    ['MySQL access denied keeps YES', "Access denied for user 'wp'@'localhost' (using password: YES)", "Access denied for user 'wp'@'localhost' (using password: YES)"],
    ['shell PWD', 'PWD=/var/www/site', 'PWD=/var/www/site'],
    ['plain prose', 'Reset your password in the settings page.', 'Reset your password in the settings page.'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(r.redact(input)).toBe(expected);
    // Redacting twice changes nothing more.
    expect(r.redact(expected)).toBe(expected);
  });

  it('masks the body of private key blocks, complete or cut short', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU=', 'AAAAAAAAAAEAAAAz', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
    expect(r.redact(`key:\n${key}\ndone`)).toBe('key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n***\n-----END OPENSSH PRIVATE KEY-----\ndone');
    expect(r.redact('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA')).toBe('-----BEGIN RSA PRIVATE KEY-----\n***');
    expect(r.redact('-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----')).toContain('MIIBIjAN');
  });
});

describe('Redactor.redactDeep', () => {
  it('returns a redacted copy and leaves the input alone', () => {
    const r = new Redactor();
    r.add('registered-secret');
    const input = {
      host: 'web1',
      password: 'abc',
      db: { DB_PASSWORD: 'deep-pass', user: 'wp', port: 3306, passwordSet: true },
      headers: { Authorization: 'Bearer zzz', accept: 'text/html' },
      api_key: 'k1',
      private_key: '',
      log: ['ok', 'uses registered-secret', 'connect mysql://u:deep-pass@h/db'],
      nested: [{ apiKey: 'xyz123' }],
    };
    const before = JSON.stringify(input);
    const out = r.redactDeep(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(out).toEqual({
      host: 'web1',
      password: REDACTED,
      db: { DB_PASSWORD: REDACTED, user: 'wp', port: 3306, passwordSet: true },
      headers: { Authorization: REDACTED, accept: 'text/html' },
      api_key: REDACTED,
      private_key: '',
      log: ['ok', 'uses ***', 'connect mysql://u:***@h/db'],
      nested: [{ apiKey: REDACTED }],
    });
  });

  it('masks a keyed secret wherever else it appears in the same value', () => {
    const out = new Redactor().redactDeep({ config: { dbPassword: 'Tr0ub4dor' }, lastCommand: 'wp db check --dbpass=Tr0ub4dor', note: 'Tr0ub4dor&3' });
    expect(out).toEqual({ config: { dbPassword: REDACTED }, lastCommand: 'wp db check --dbpass=***', note: '***&3' });
  });

  it('masks secrets split across argv elements', () => {
    const r = new Redactor();
    expect(r.redactDeep(['mysql', '-u', 'wp', '-pS3cret', 'wp'])).toEqual(['mysql', '-u', 'wp', '-p***', 'wp']);
    expect(r.redactDeep(['/usr/bin/mysqldump', '--password', 'S3cret', 'db'])).toEqual(['/usr/bin/mysqldump', '--password', '***', 'db']);
    expect(r.redactDeep(['ssh', '-p2222', 'host'])).toEqual(['ssh', '-p2222', 'host']);
  });

  it('handles cycles and keeps them in the copy', () => {
    const a: Record<string, unknown> = { name: 'a', token: 'tok-123456' };
    a.self = a;
    a.list = [a];
    const out = new Redactor().redactDeep(a);
    expect(out).not.toBe(a);
    expect(out.token).toBe(REDACTED);
    expect(out.self).toBe(out);
    expect((out.list as unknown[])[0]).toBe(out);
    expect(a.token).toBe('tok-123456');
  });

  it('copies errors with their class, code and redacted message and stack', () => {
    const r = new Redactor();
    r.add('err-secret-1');
    const cause = new Error('inner err-secret-1');
    const err = new HealerError('COMMAND_FAILED', 'mysql -pLeak42 failed with err-secret-1', { cause, details: { password: 'p4ss' } });
    const out = r.redactDeep(err);
    expect(out).not.toBe(err);
    expect(out).toBeInstanceOf(HealerError);
    expect(isHealerError(out, 'COMMAND_FAILED')).toBe(true);
    expect(out.message).toBe('mysql -p*** failed with ***');
    expect(out.stack).not.toContain('err-secret-1');
    expect(out.stack).not.toContain('Leak42');
    expect(out.details).toEqual({ password: REDACTED });
    expect((out.cause as Error).message).toBe('inner ***');
    expect(err.message).toContain('Leak42');
  });

  it('walks Maps and Sets and passes other values through', () => {
    const when = new Date('2026-11-21T10:00:00Z');
    const bytes = new Uint8Array([1, 2, 3]);
    const out = new Redactor().redactDeep({
      m: new Map<string, unknown>([['secret', 'shh-value'], ['url', 'redis://:abcd1234@r']]),
      s: new Set(['TOKEN=abcdef']),
      when,
      bytes,
      n: null,
      u: undefined,
      count: 3,
    });
    expect([...out.m]).toEqual([['secret', REDACTED], ['url', 'redis://:***@r']]);
    expect([...out.s]).toEqual(['TOKEN=***']);
    expect(out.when).toEqual(when);
    expect(out.when).not.toBe(when);
    expect(out.bytes).toBe(bytes);
    expect(out).toMatchObject({ n: null, u: undefined, count: 3 });
    expect(new Redactor().redactDeep('password=abc12345')).toBe('password=***');
  });
});
