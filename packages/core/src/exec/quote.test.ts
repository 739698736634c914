import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHealerError } from '../errors.js';
import { LocalExecutor } from './local-executor.js';
import { commandToShell, quoteShellWord } from './quote.js';

const exec = new LocalExecutor();

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isHealerError(thrown), `expected HealerError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
}

/** A small seeded PRNG so a failing case can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random strings of arbitrary code points (no NUL, no lone surrogates: neither can reach an argv). */
function randomWords(seed: number, count: number): string[] {
  const rnd = mulberry32(seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const special = [..."'\"\\$`!*?[]{}()<>|&;~#=%^ \t\n\r\v\f-"];
  const codePoint = (): number => {
    const kind = pick(5);
    if (kind === 0) return special[pick(special.length)]!.codePointAt(0)!;
    if (kind === 1) return 1 + pick(127); // any ASCII byte except NUL, control characters included
    if (kind === 2) return 0x80 + pick(0x80); // Latin-1 range: two UTF-8 bytes, incl. C1 controls
    if (kind === 3) {
      const cp = 0x100 + pick(0xfeff);
      return cp >= 0xd800 && cp <= 0xdfff ? 0x202e : cp;
    }
    return 0x10000 + pick(0x10ffff - 0x10000);
  };
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = pick(24);
    let w = '';
    for (let j = 0; j < len; j++) w += String.fromCodePoint(codePoint());
    words.push(w);
  }
  return words;
}

describe('quoteShellWord', () => {
  it('leaves words of safe characters bare', () => {
    for (const w of ['abc', 'ABC_123', '/usr/bin/php8.2', 'user@host', '50%', 'a+b', 'key:value,x', '-rf', '--', '--opt=x', '.']) {
      expect(quoteShellWord(w)).toBe(w);
    }
  });

  it('single-quotes everything else and turns each quote into close-escape-reopen', () => {
    expect(quoteShellWord('')).toBe("''");
    expect(quoteShellWord('a b')).toBe("'a b'");
    expect(quoteShellWord("it's")).toBe(`'it'\\''s'`);
    expect(quoteShellWord("'")).toBe(`''\\'''`);
    expect(quoteShellWord('$(touch x)')).toBe("'$(touch x)'");
    expect(quoteShellWord('a\nb')).toBe("'a\nb'");
    expect(quoteShellWord('~')).toBe("'~'");
    expect(quoteShellWord('*')).toBe("'*'");
    expect(quoteShellWord('é')).toBe("'é'");
  });

  it('quotes safe-looking words that mean something in command position', () => {
    expect(quoteShellWord('A=b')).toBe("'A=b'");
    expect(quoteShellWord('_x=')).toBe("'_x='");
    expect(quoteShellWord('if')).toBe("'if'");
    expect(quoteShellWord('done')).toBe("'done'");
    expect(quoteShellWord('=ls')).toBe("'=ls'");
  });

  it('refuses a NUL byte with COMMAND_INVALID', () => {
    expectCode(() => quoteShellWord('a\0b'), 'COMMAND_INVALID');
    expectCode(() => quoteShellWord('\0'), 'COMMAND_INVALID');
  });
});

describe('commandToShell', () => {
  it('renders an argv word by word', () => {
    expect(commandToShell(['ls', '-l', 'a b'])).toBe("ls -l 'a b'");
    expect(commandToShell(['printf', '%s', ''])).toBe("printf %s ''");
  });

  it('renders a script as sh -c SCRIPT sh ARGS', () => {
    expect(commandToShell({ script: 'printf %s "$1"', args: ["x'y"] })).toBe(`sh -c 'printf %s "$1"' sh 'x'\\''y'`);
    expect(commandToShell({ script: 'true' })).toBe('sh -c true sh');
  });

  it('prefixes cd -- and env -- with quoted values', () => {
    expect(commandToShell(['printf', '%s', 'hi'], { cwd: '/srv/my app', env: { A: '1', B_2: 'x y' } })).toBe(
      "cd -- '/srv/my app' && env -- 'A=1' 'B_2=x y' printf %s hi",
    );
    expect(commandToShell(['true'], { env: {} })).toBe('true');
  });

  it('quotes a program name that looks like an assignment or a keyword', () => {
    expect(commandToShell(['A=b', 'x'])).toBe("'A=b' x");
    expect(commandToShell(['if'])).toBe("'if'");
  });

  it('refuses what it cannot render exactly', () => {
    expectCode(() => commandToShell([]), 'COMMAND_INVALID');
    expectCode(() => commandToShell(['printf', 'a\0']), 'COMMAND_INVALID');
    expectCode(() => commandToShell({ script: 'true', args: ['\0'] }), 'COMMAND_INVALID');
    for (const name of ['', '1A', 'A-B', 'A=B', 'A B', 'É']) {
      expectCode(() => commandToShell(['true'], { env: { [name]: 'x' } }), 'COMMAND_INVALID');
    }
    expectCode(() => commandToShell(['true'], { env: { A: 'x\0' } }), 'COMMAND_INVALID');
    expectCode(() => commandToShell(['A=b'], { env: { A: '1' } }), 'COMMAND_INVALID');
    expectCode(() => commandToShell(['true'], { cwd: 'relative' }), 'PATH_INVALID');
    expectCode(() => commandToShell(['true'], { cwd: '/a/../b' }), 'PATH_INVALID');
  });
});

const shells = ['sh', 'bash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

describe.each(shells)('round trip through a real %s', (shell) => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'healer-quote-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('gives back random strings byte for byte (seeded property loop)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const words = randomWords(seed * 7919, 25);
      const line = commandToShell(['printf', '%s\\0', ...words]);
      const result = await exec.run([shell, '-c', line], { cwd: dir, env: { HOME: dir } });
      expect(result.exitCode, `seed ${seed}: ${result.stderr}`).toBe(0);
      const expected = Buffer.concat(words.map((w) => Buffer.concat([Buffer.from(w, 'utf8'), Buffer.from([0])])));
      expect(Buffer.from(result.stdoutBytes).equals(expected), `seed ${seed}`).toBe(true);
    }
    expect(await fsp.readdir(dir)).toEqual([]);
  });

  it('gives back each random string alone, as a script argument too', async () => {
    for (const word of randomWords(424242, 30)) {
      const viaArgv = await exec.run([shell, '-c', commandToShell(['printf', '%s', word])], { cwd: dir, env: { HOME: dir } });
      const viaScript = await exec.run([shell, '-c', commandToShell({ script: 'printf %s "$1"', args: [word] })], {
        cwd: dir,
        env: { HOME: dir },
      });
      expect(viaArgv.stdout, JSON.stringify(word)).toBe(word);
      expect(viaScript.stdout, JSON.stringify(word)).toBe(word);
    }
  });

  it('runs in the quoted working directory with the quoted variables', async () => {
    const odd = join(dir, "it's $(x) `y` \t*");
    await fsp.mkdir(odd);
    const value = "v'\"$HOME\\\n;|&";
    const line = commandToShell({ script: 'printf "%s|%s" "$PWD" "$HEALER_V"' }, { cwd: odd, env: { HEALER_V: value } });
    const result = await exec.run([shell, '-c', line], { env: { HOME: dir } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${odd}|${value}`);
  });
});
