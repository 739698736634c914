import { describe, expect, it } from 'vitest';
import {
  firstLine,
  parseDf,
  parseLoadavg,
  parseMeminfo,
  parseProcesses,
  parseProcNetTcp,
  parseSsListening,
  parseUname,
} from './parse-facts.js';

// Output captured from a Debian VM with GNU coreutils, procps-ng and iproute2.

describe('parseDf', () => {
  it('reads `df -P -B1` bytes and computes used / (used + available)', () => {
    const out = [
      'Filesystem         1-blocks        Used   Available Capacity Mounted on',
      '/dev/vda       270553174016 23855194112 85089099776      22% /',
      '',
    ].join('\n');
    const row = parseDf(out);
    expect(row).toMatchObject({ filesystem: '/dev/vda', total: 270553174016, used: 23855194112, available: 85089099776, mount: '/' });
    expect(row.usedPercent).toBeCloseTo((23855194112 / (23855194112 + 85089099776)) * 100, 6);
    expect(Math.ceil(row.usedPercent)).toBe(22);
  });

  it('reads `df -P -i` inodes', () => {
    const out = 'Filesystem       Inodes  IUsed    IFree IUse% Mounted on\n/dev/vda       16777216 418979 16358237    3% /\n';
    expect(parseDf(out)).toMatchObject({ total: 16777216, used: 418979, available: 16358237, mount: '/' });
  });

  it('reports 0 for filesystems that print `-` (no inode counts)', () => {
    const out = 'Filesystem     Inodes IUsed IFree IUse% Mounted on\nproc                0     0     0     - /proc\n';
    expect(parseDf(out)).toEqual({ filesystem: 'proc', total: 0, used: 0, available: 0, usedPercent: 0, mount: '/proc' });
    const dashes = 'Filesystem     Inodes IUsed IFree IUse% Mounted on\nbtrfs-pool          -     -     -     - /srv/data\n';
    expect(parseDf(dashes)).toMatchObject({ total: 0, usedPercent: 0, mount: '/srv/data' });
  });

  it('keeps spaces in the filesystem and mount point names', () => {
    const out = 'Filesystem 1-blocks Used Available Capacity Mounted on\n//nas/share docs 1000 250 750 25% /mnt/team docs\n';
    expect(parseDf(out)).toMatchObject({ filesystem: '//nas/share docs', mount: '/mnt/team docs', usedPercent: 25 });
  });

  it('throws on output it does not recognize', () => {
    expect(() => parseDf('df: /nope: No such file or directory\n')).toThrow(/Unrecognized df output/);
  });
});

describe('parseMeminfo', () => {
  const meminfo = [
    'MemTotal:       24684096 kB',
    'MemFree:        24031144 kB',
    'MemAvailable:   24098040 kB',
    'Buffers:            5220 kB',
    'Cached:           287220 kB',
    'SwapCached:            0 kB',
    'Active(anon):      24348 kB',
    'SwapTotal:        998396 kB',
    'SwapFree:         998140 kB',
    'HugePages_Total:       0',
    'Hugepagesize:       2048 kB',
    '',
  ].join('\n');

  it('reads totals in bytes and prefers MemAvailable', () => {
    expect(parseMeminfo(meminfo)).toEqual({
      totalBytes: 24684096 * 1024,
      availableBytes: 24098040 * 1024,
      swapTotalBytes: 998396 * 1024,
      swapFreeBytes: 998140 * 1024,
    });
  });

  it('falls back to MemFree + Buffers + Cached on old kernels', () => {
    const old = meminfo.replace(/^MemAvailable:.*\n/m, '');
    expect(parseMeminfo(old).availableBytes).toBe((24031144 + 5220 + 287220) * 1024);
  });

  it('throws without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 1 kB\n')).toThrow(/MemTotal/);
  });
});

describe('parseLoadavg', () => {
  it('reads the three averages', () => {
    expect(parseLoadavg('0.24 0.20 0.10 1/144 7865\n')).toEqual({ load1: 0.24, load5: 0.2, load15: 0.1 });
  });
  it('throws on garbage', () => {
    expect(() => parseLoadavg('busy\n')).toThrow(/loadavg/);
  });
});

describe('parseUname', () => {
  it('splits `uname -srm`', () => {
    expect(parseUname('Linux 6.18.44-fc-v595 x86_64\n')).toEqual({ kernel: 'Linux', release: '6.18.44-fc-v595', machine: 'x86_64' });
  });
});

describe('parseSsListening', () => {
  const ss = [
    'LISTEN 0      128      0.0.0.0:2024  0.0.0.0:*                                       ',
    'LISTEN 0      511    127.0.0.1:6379  0.0.0.0:* users:(("redis-server",pid=2204,fd=6))',
    'LISTEN 0      244    127.0.0.1:5432  0.0.0.0:* users:(("postgres",pid=2184,fd=5))    ',
    'LISTEN 0      511            *:40917       *:* users:(("node",pid=8348,fd=19))       ',
    'LISTEN 0      4096       [::1]:4369     [::]:* users:(("epmd",pid=2888,fd=4))        ',
    'LISTEN 0      4096 127.0.0.53%lo:53      0.0.0.0:* users:(("systemd-resolve",pid=512,fd=14))',
    'LISTEN 0      511         [::]:80        [::]:* users:(("nginx",pid=901,fd=7),("nginx",pid=900,fd=7))',
    '',
  ].join('\n');

  it('reads address, port and the first owning process', () => {
    expect(parseSsListening(ss)).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 2024 },
      { protocol: 'tcp', address: '127.0.0.1', port: 6379, process: 'redis-server', pid: 2204 },
      { protocol: 'tcp', address: '127.0.0.1', port: 5432, process: 'postgres', pid: 2184 },
      { protocol: 'tcp6', address: '::', port: 40917, process: 'node', pid: 8348 },
      { protocol: 'tcp6', address: '::1', port: 4369, process: 'epmd', pid: 2888 },
      { protocol: 'tcp', address: '127.0.0.53', port: 53, process: 'systemd-resolve', pid: 512 },
      { protocol: 'tcp6', address: '::', port: 80, process: 'nginx', pid: 901 },
    ]);
  });

  it('ignores a header line and blank output', () => {
    expect(parseSsListening('State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n')).toEqual([]);
    expect(parseSsListening('')).toEqual([]);
  });
});

describe('parseProcNetTcp', () => {
  it('reads IPv4 listeners (state 0A) and skips other states', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1667 1 000000002f88eb36 100 0 0 10 0',
      '   1: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 7243 1 0000000061f4339d 100 0 0 10 0',
      '   2: 0100007F:18EB 0100007F:C2A4 01 00000000:00000000 00:00000000 00000000   106        0 7244 1 0000000061f4339d 20 4 30 10 -1',
    ].join('\n');
    expect(parseProcNetTcp(tcp, 'tcp')).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 2024 },
      { protocol: 'tcp', address: '127.0.0.1', port: 6379 },
    ]);
  });

  it('reads IPv6 listeners, including loopback and v4-mapped addresses', () => {
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000000000000:9FD5 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16115 1 000000001f7306d5 100 0 0 10 0',
      '   1: 00000000000000000000000001000000:1111 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6265 1 00000000a9e37db5 100 0 0 10 0',
      '   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6266 1 00000000a9e37db5 100 0 0 10 0',
      '   3: 000080FE00000000FF005450563412FE:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6267 1 00000000a9e37db5 100 0 0 10 0',
    ].join('\n');
    expect(parseProcNetTcp(tcp6, 'tcp6')).toEqual([
      { protocol: 'tcp6', address: '::', port: 40917 },
      { protocol: 'tcp6', address: '::1', port: 4369 },
      { protocol: 'tcp6', address: '::ffff:127.0.0.1', port: 80 },
      { protocol: 'tcp6', address: 'fe80::5054:ff:fe12:3456', port: 22 },
    ]);
  });
});

describe('parseProcesses', () => {
  it('reads pid, ppid, user, rss (KiB -> bytes) and the full command line', () => {
    const ps = [
      '    1     0 root     14660 /sbin/init splash',
      '    2     0 root         0 [kthreadd]',
      ' 2184     1 postgres 28412 /usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main -c config_file=/etc/postgresql/16/main/postgresql.conf',
      ' 8414  8346 www-data  4616 php-fpm: pool www',
      ' 9000     1 root         0',
      '',
    ].join('\n');
    expect(parseProcesses(ps)).toEqual([
      { pid: 1, ppid: 0, user: 'root', rssBytes: 14660 * 1024, command: '/sbin/init splash' },
      { pid: 2, ppid: 0, user: 'root', rssBytes: 0, command: '[kthreadd]' },
      {
        pid: 2184,
        ppid: 1,
        user: 'postgres',
        rssBytes: 28412 * 1024,
        command: '/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main -c config_file=/etc/postgresql/16/main/postgresql.conf',
      },
      { pid: 8414, ppid: 8346, user: 'www-data', rssBytes: 4616 * 1024, command: 'php-fpm: pool www' },
      { pid: 9000, ppid: 1, user: 'root', rssBytes: 0, command: '' },
    ]);
  });
});

describe('firstLine', () => {
  it('returns the first non-empty trimmed line, or null', () => {
    expect(firstLine('\n  PHP 8.2.28 (cli) (built: Mar 13 2025)\nCopyright\n')).toBe('PHP 8.2.28 (cli) (built: Mar 13 2025)');
    expect(firstLine(' \n\n')).toBeNull();
  });
});
