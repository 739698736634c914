import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { quoteShellWord } from '../exec/quote.js';
import {
  buildCommandScript,
  buildProbeScript,
  execChannelCommand,
  featuresFromProbe,
  FrameReader,
  killLine,
  LINUX_FEATURES,
  newMarker,
  type ShellFeatures,
} from './framing.js';

const M = 'HEALER0123456789abcdef0123456789abcdef';
const tok = (type: string, payload = ''): string => `${M}${type}${payload}\n`;

/** Feed `data` to a reader in pieces cut at `cuts` (byte offsets). */
function feed(reader: FrameReader, data: Buffer, cuts: number[]): void {
  let last = 0;
  for (const cut of [...cuts, data.length]) {
    reader.push(data.subarray(last, cut));
    last = cut;
  }
}

function parse(data: Buffer | string, cap = 1 << 20, cuts: number[] = []): FrameReader {
  const reader = new FrameReader(M, cap);
  feed(reader, Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'), cuts);
  return reader;
}

describe('newMarker', () => {
  it('is a fresh 128-bit hex marker every time', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newMarker()));
    expect(seen.size).toBe(1000);
    for (const m of [...seen].slice(0, 10)) expect(m).toMatch(/^HEALER[0-9a-f]{32}$/);
  });
});

describe('FrameReader', () => {
  it('keeps the bytes between start and end, with the status', () => {
    const r = parse(`${tok('S')}hello\nworld${tok('E', '3')}`);
    expect(r.started && r.done).toBe(true);
    expect(r.status).toBe('3');
    expect(r.output().toString()).toBe('hello\nworld');
    expect(r.truncated).toBe(false);
  });

  it('drops stray bytes before the start token and ignores bytes after the end', () => {
    const r = parse(`late output of an earlier child\n${tok('S')}mine${tok('E', '0')}after`);
    expect(r.output().toString()).toBe('mine');
    expect(r.done).toBe(true);
    r.push(Buffer.from('more after the end'));
    expect(r.output().toString()).toBe('mine');
  });

  it('is not done until the end token is complete', () => {
    const r = parse(`${tok('S')}abc${M}E1`);
    expect(r.done).toBe(false);
    expect(r.output().toString()).toBe('abc');
    r.push(Buffer.from('2'));
    expect(r.done).toBe(false);
    r.push(Buffer.from('7\n'));
    expect(r.done).toBe(true);
    expect(r.status).toBe('127');
  });

  it('parses the same frame whatever the chunk boundaries (every single cut, and one byte at a time)', () => {
    const body = Buffer.concat([Buffer.from('out\n'), randomBytes(300), Buffer.from(`${M.slice(0, 20)}not a marker`)]);
    const data = Buffer.concat([Buffer.from(`noise${tok('S')}`), body, Buffer.from(tok('E', '42'))]);
    for (let cut = 0; cut <= data.length; cut++) {
      const r = parse(data, 1 << 20, [cut]);
      expect(r.done, `cut at ${cut}`).toBe(true);
      expect(r.status).toBe('42');
      expect(r.output().equals(body), `cut at ${cut}`).toBe(true);
    }
    const bytewise = parse(data, 1 << 20, Array.from({ length: data.length }, (_, i) => i));
    expect(bytewise.output().equals(body)).toBe(true);
    expect(bytewise.status).toBe('42');
  });

  it('keeps marker-like text that is not this marker as output', () => {
    const other = 'HEALERffffffffffffffffffffffffffffffff';
    const lookalikes = [
      `${other}E0\n`,
      `${M.slice(0, -1)}E0\n`,
      `${M.toUpperCase()}E0\n`,
      `HEALER${M}`.slice(0, 30),
      `${M.slice(0, 37)}`,
    ].join('|');
    const r = parse(`${tok('S')}${lookalikes}${tok('E', '0')}`);
    expect(r.output().toString('latin1')).toBe(lookalikes);
    expect(r.status).toBe('0');
  });

  it('takes the pid token out of stderr wherever it lands, and reports it once', () => {
    const pids: number[] = [];
    const r = new FrameReader(M, 1 << 20, (pid) => pids.push(pid));
    feed(r, Buffer.from(`${tok('S')}err before ${tok('P', '4242')}err after${tok('E', '1')}`), [25, 60]);
    expect(pids).toEqual([4242]);
    expect(r.pid).toBe(4242);
    expect(r.output().toString()).toBe('err before err after');
  });

  it('round-trips binary output, including NUL, newline and bytes of the marker alphabet', () => {
    const body = Buffer.concat([randomBytes(64 * 1024), Buffer.from(M.slice(0, 12)), Buffer.from([0, 10, 255])]);
    const data = Buffer.concat([Buffer.from(tok('S')), body, Buffer.from(tok('E', '0'))]);
    const cuts = [1, 17, 40, 41, 4096, 4097, 30_000, data.length - 5, data.length - 1];
    const r = parse(data, 1 << 20, cuts);
    expect(r.output().equals(body)).toBe(true);
  });

  it('caps the output, marks it truncated, and still finds the end token', () => {
    const body = 'x'.repeat(5000);
    const r = parse(`${tok('S')}${body}${tok('E', '0')}`, 1000, [10, 500, 2000, 4999]);
    expect(r.output().length).toBe(1000);
    expect(r.truncated).toBe(true);
    expect(r.done).toBe(true);
    const exact = parse(`${tok('S')}${'y'.repeat(1000)}${tok('E', '0')}`, 1000);
    expect(exact.truncated).toBe(false);
    expect(exact.output().length).toBe(1000);
    const none = parse(`${tok('S')}z${tok('E', '0')}`, 0);
    expect(none.output().length).toBe(0);
    expect(none.truncated).toBe(true);
  });

  it('ignores end and pid tokens before the start token', () => {
    const r = parse(`${tok('E', '9')}${tok('P', '77')}${tok('S')}ok${tok('E', '0')}`);
    expect(r.status).toBe('0');
    expect(r.output().toString()).toBe('ok');
  });

  it('treats the marker followed by no newline for too long as plain output', () => {
    const junk = `${M}X${'a'.repeat(100)}`;
    const r = parse(`${tok('S')}${junk}${tok('E', '5')}`);
    expect(r.output().toString()).toBe(junk);
    expect(r.status).toBe('5');
  });

  it('refuses a marker that could be shell syntax', () => {
    expect(() => new FrameReader("x'; rm -rf /; '", 10)).toThrow();
    expect(() => buildProbeScript('short')).toThrow();
  });
});

/** Run a framed script through a real local `sh`, as a persistent shell would. */
function runScript(script: string, shellInput = ''): { stdout: FrameReader; stderr: FrameReader } {
  const r = spawnSync('sh', [], { input: script + shellInput, maxBuffer: 64 * 1024 * 1024 });
  const stdout = new FrameReader(M, 1 << 22);
  const stderr = new FrameReader(M, 1 << 22);
  stdout.push(r.stdout);
  stderr.push(r.stderr);
  return { stdout, stderr };
}

const ALL_FEATURES: Array<[string, ShellFeatures]> = [
  ['setsid and /dev/fd', { setsid: true, devFd: true }],
  ['setsid, no /dev/fd', { setsid: true, devFd: false }],
  ['no setsid, /dev/fd', { setsid: false, devFd: true }],
  ['neither', { setsid: false, devFd: false }],
];

describe('buildCommandScript (run by a real sh)', () => {
  it.each(ALL_FEATURES)('frames stdout, stderr, pid and exit status (%s)', (_, features) => {
    const { stdout, stderr } = runScript(
      buildCommandScript({ marker: M, commandLine: 'echo out; echo err >&2; exit 7', stdin: { kind: 'null' }, features }),
    );
    expect(stdout.output().toString()).toBe('out\n');
    expect(stderr.output().toString()).toBe('err\n');
    expect(stdout.status).toBe('7');
    expect(stderr.status).toBe('7');
    expect(stderr.pid).toBeGreaterThan(1);
  });

  it.each(ALL_FEATURES)('hands the command no fd beyond those the shell itself was given (%s)', (_, features) => {
    const baseline = execFileSync('sh', ['-c', 'ls /proc/self/fd'], { stdio: 'pipe' }).toString();
    const { stdout } = runScript(buildCommandScript({ marker: M, commandLine: 'ls /proc/self/fd', stdin: { kind: 'null' }, features }));
    expect(stdout.output().toString()).toBe(baseline);
  });

  it('never lets the command read the shell stdin, and feeds inline input exactly', () => {
    const script = buildCommandScript({ marker: M, commandLine: 'cat', stdin: { kind: 'null' }, features: LINUX_FEATURES });
    const { stdout } = runScript(script, 'echo this line is for the shell, not for cat\n');
    expect(stdout.output().length).toBe(0);
    const data = randomBytes(10_000);
    const inline = runScript(buildCommandScript({ marker: M, commandLine: 'cat', stdin: { kind: 'inline', data }, features: LINUX_FEATURES }));
    expect(inline.stdout.output().equals(data)).toBe(true);
  });

  it('carries a command line longer than one argument may be, whatever its quotes and line breaks', () => {
    const a = `${'x'.repeat(100_000)}\n'$HOME\n${M.slice(0, 10)}_CMD`;
    const b = "'".repeat(30_000);
    const line = `printf '%s' ${quoteShellWord(a)} ${quoteShellWord(b)}`;
    expect(line.length).toBeGreaterThan(200_000);
    for (const [, features] of ALL_FEATURES) {
      const { stdout } = runScript(buildCommandScript({ marker: M, commandLine: line, stdin: { kind: 'null' }, features }));
      expect(stdout.status).toBe('0');
      expect(stdout.output().toString() === a + b).toBe(true);
    }
  });

  it('reports a missing working directory as nocwd without running the command', () => {
    const { stdout } = runScript(
      buildCommandScript({ marker: M, commandLine: 'echo ran', cwd: '/healer-no-such-dir-e1f0', stdin: { kind: 'null' }, features: LINUX_FEATURES }),
    );
    expect(stdout.status).toBe('nocwd');
    expect(stdout.output().length).toBe(0);
  });

  it('runs the command in its own process group under setsid', () => {
    const { stdout, stderr } = runScript(
      buildCommandScript({ marker: M, commandLine: 'ps -o pgid= -p $$', stdin: { kind: 'null' }, features: LINUX_FEATURES }),
    );
    expect(Number(stdout.output().toString().trim())).toBe(stderr.pid);
  });

  it('flags a process group that outlives the command', () => {
    const lingering = runScript(buildCommandScript({ marker: M, commandLine: 'sleep 1 & echo bg', stdin: { kind: 'null' }, features: LINUX_FEATURES }));
    expect(lingering.stdout.lingering).toBe(true);
    const clean = runScript(buildCommandScript({ marker: M, commandLine: 'echo fg', stdin: { kind: 'null' }, features: LINUX_FEATURES }));
    expect(clean.stdout.lingering).toBe(false);
  });
});

describe('buildProbeScript', () => {
  it('is answered by sh with the features of this machine', () => {
    const { stdout, stderr } = runScript(buildProbeScript(M));
    expect(stderr.status).toBe(stdout.status);
    expect(featuresFromProbe(stdout.status)).toEqual({ setsid: true, devFd: true });
  });

  it('decodes every status and refuses anything else', () => {
    expect(featuresFromProbe('1')).toEqual({ setsid: false, devFd: true });
    expect(featuresFromProbe('2')).toEqual({ setsid: true, devFd: false });
    expect(featuresFromProbe('3')).toEqual({ setsid: false, devFd: false });
    for (const bad of [null, '', '4', 'nocwd', '01']) expect(featuresFromProbe(bad)).toBeNull();
  });
});

describe('execChannelCommand', () => {
  /** What an exec channel does: the login shell runs the request text, the script then the input arrive on stdin. */
  function viaChannel(commandLine: string, input: Buffer): FrameReader {
    const script = Buffer.from(buildCommandScript({ marker: M, commandLine, stdin: { kind: 'channel' }, features: LINUX_FEATURES }));
    const text = execChannelCommand(script.length);
    const out = execFileSync('sh', ['-c', text], { input: Buffer.concat([script, input]), stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    const r = new FrameReader(M, 1 << 24);
    r.push(out);
    return r;
  }

  it('is short and plain whatever the script, for any login shell', () => {
    expect(execChannelCommand(123_456)).toBe(`sh -c 'eval "$(dd bs=123456 count=1 iflag=fullblock 2>/dev/null)"'`);
    expect(() => execChannelCommand(0)).toThrow();
  });

  it('runs the script and passes what follows it on stdin to the command, byte for byte', () => {
    const data = randomBytes(3 * 1024 * 1024);
    const r = viaChannel('cat', data);
    expect(r.status).toBe('0');
    expect(r.output().equals(data)).toBe(true);
    expect(viaChannel("printf '%s' \"$0\"", Buffer.alloc(0)).output().toString()).toBe('sh');
  });
});

describe('killLine', () => {
  it('signals the group and the pid, and refuses pid 0, 1 and negatives', () => {
    expect(killLine(1234, 'TERM')).toBe('kill -s TERM -- -1234 1234 2>/dev/null');
    expect(killLine(99, 'KILL')).toBe('kill -s KILL -- -99 99 2>/dev/null');
    for (const bad of [0, 1, -5, 1.5, Number.NaN]) expect(() => killLine(bad, 'TERM')).toThrow();
  });
});
