/**
 * The hostile-string corpus and the suite that pushes every string through
 * each way a value reaches a target: an argv argument, a script argument, an
 * environment value, a line rendered by `commandToShell` and run by a real
 * `sh`, and a file name through a confined {@link HealerFs}. Every string must
 * arrive byte-identical or be refused with a clear code, and none may run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../src/contract/executor.js';
import { isHealerError } from '../src/errors.js';
import { createHealerFs } from '../src/exec/healer-fs.js';
import { childPath, isPathWithin, resolvePath } from '../src/exec/paths.js';
import { commandToShell } from '../src/exec/quote.js';
import type { ExecutorSetup } from './executor-suite.js';

/** One entry of the corpus. `CANARY` in `template` stands for an absolute canary path made per run. */
export interface HostileString {
  /** A printable name for test titles. */
  label: string;
  template: string;
}

/** The word that {@link materializeHostileString} replaces with the canary path. */
export const CANARY = 'CANARY';

const injection = `'"$(touch CANARY)\`touch CANARY\`;touch CANARY\\ `;

/** Strings that would do damage if any layer spliced them into shell text unquoted. */
export const HOSTILE_STRINGS: readonly HostileString[] = [
  { label: 'command substitution $(...)', template: '$(touch CANARY)' },
  { label: 'backquote substitution', template: '`touch CANARY`' },
  { label: 'semicolon', template: '; touch CANARY' },
  { label: 'and-list', template: '&& touch CANARY' },
  { label: 'or-list', template: '|| touch CANARY' },
  { label: 'pipe', template: '| touch CANARY' },
  { label: 'background', template: '& touch CANARY' },
  { label: 'redirection', template: '> CANARY' },
  { label: 'newline then command', template: 'x\ntouch CANARY' },
  { label: 'quote breakout single', template: "'; touch CANARY; '" },
  { label: 'quote breakout double', template: '"; touch CANARY; "' },
  { label: 'escaped-quote breakout', template: "\\'$(touch CANARY)\\'" },
  { label: 'ANSI-C quoting', template: "$'\\x41'$(touch CANARY)" },
  { label: 'process substitution', template: '<(touch CANARY)' },
  { label: 'arithmetic expansion', template: '$((1+1))$(touch CANARY)' },
  { label: 'relative canary via substitution', template: '$(touch canary-relative)' },
  { label: 'rm -rf home', template: '; rm -rf ~' },
  { label: 'rm -rf home, no space', template: ';rm -rf ~;' },
  { label: 'single quote', template: "'" },
  { label: 'double quote', template: '"' },
  { label: 'close-escape-reopen', template: "'\\''" },
  { label: 'backslash', template: '\\' },
  { label: 'trailing backslash', template: 'abc\\' },
  { label: 'newline', template: '\n' },
  { label: 'carriage return', template: '\r' },
  { label: 'CRLF inside', template: 'a\r\nb' },
  { label: 'tab', template: '\t' },
  { label: 'NUL alone', template: '\0' },
  { label: 'NUL inside', template: 'a\0b' },
  { label: 'NUL then command', template: '\0; touch CANARY' },
  { label: 'star', template: '*' },
  { label: 'question mark', template: '?' },
  { label: 'bracket glob', template: '[a-z]' },
  { label: 'tilde', template: '~' },
  { label: 'tilde user', template: '~root' },
  { label: 'brace expansion', template: '{a,b}' },
  { label: 'dollar HOME', template: '$HOME' },
  { label: 'braced IFS', template: '${IFS}' },
  { label: 'positional and special parameters', template: '$0 $1 $@ $* $# $? $$ $!' },
  { label: 'history expansion', template: '!!' },
  { label: 'comment', template: '# not a comment' },
  { label: 'printf directives', template: '%s%n%d\\n%%' },
  { label: 'dash options', template: '-rf' },
  { label: 'double dash', template: '--' },
  { label: 'lone dash', template: '-' },
  { label: 'leading dash long option', template: '--help' },
  { label: 'echo options', template: '-n' },
  { label: 'assignment word', template: 'PATH=/nonexistent' },
  { label: 'reserved word', template: 'if' },
  { label: 'empty string', template: '' },
  { label: 'one space', template: ' ' },
  { label: 'spaces around', template: '  two  spaces  ' },
  { label: 'dot', template: '.' },
  { label: 'dot-dot', template: '..' },
  { label: 'climb out', template: '../escaped' },
  { label: 'climb into canary folder', template: '../canary/written' },
  { label: 'absolute canary path', template: 'CANARY' },
  { label: 'slash inside', template: 'a/b' },
  { label: 'trailing slash', template: 'dir/' },
  { label: 'unicode letters', template: 'héllo wörld 日本語 Ελληνικά' },
  { label: 'RTL override', template: 'invoice\u202Egnp.exe' },
  { label: 'emoji', template: '🔥💥👩‍👩‍👧' },
  { label: 'combining accent', template: 'e\u0301' },
  { label: 'BOM and zero-width', template: '\uFEFF\u200B\u200D' },
  { label: 'line and paragraph separators', template: 'a\u2028b\u2029c' },
  { label: 'C1 control and DEL', template: '\u0085\u009b\u007f' },
  { label: 'terminal escape', template: '\u001b[31mred\u001b[0m\u0007' },
  { label: 'all printable ASCII', template: Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') },
  { label: 'all control bytes except NUL', template: Array.from({ length: 31 }, (_, i) => String.fromCharCode(1 + i)).join('') },
  { label: 'long name (255 bytes)', template: 'n'.repeat(255) },
  { label: 'too long name (256 bytes)', template: 'n'.repeat(256) },
  { label: 'very long string', template: `${injection.repeat(400)}${'x'.repeat(300)}${'😀'.repeat(200)}` },
];

/** The string a test uses: `template` with every `CANARY` replaced by the absolute `canaryPath`. */
export function materializeHostileString(entry: HostileString, canaryPath: string): string {
  return entry.template.replaceAll(CANARY, canaryPath);
}

async function codeOf(fn: () => Promise<unknown>): Promise<{ code: string; message: string } | null> {
  try {
    await fn();
    return null;
  } catch (e) {
    return isHealerError(e) ? { code: e.code, message: e.message } : { code: `not a HealerError: ${String(e)}`, message: '' };
  }
}

/**
 * Register, for every string of {@link HOSTILE_STRINGS}: the command round
 * trips (argv, script argument, environment value, `sh -c` of
 * `commandToShell`), the file-name round trips through a HealerFs confined to
 * the test folder, and finally that no canary was ever created.
 */
export function describeHostileStrings(name: string, setup: ExecutorSetup): void {
  describe(`Hostile strings: ${name}`, () => {
    let exec: Executor;
    let cleanup: () => Promise<void>;
    /** Commands run here: a relative `touch` would land in it. */
    let canaryDir: string;
    let canaryPath: string;
    /** HOME for every command, so a `~` that escaped quoting hits a throwaway folder. */
    let homeDir: string;
    /** The only write root of the HealerFs under test. */
    let rootDir: string;
    const runOptions = (): { cwd: string; env: Record<string, string> } => ({ cwd: canaryDir, env: { HOME: homeDir } });

    beforeAll(async () => {
      const fx = await setup();
      exec = fx.exec;
      cleanup = fx.cleanup;
      canaryDir = `${fx.dir}/canary`;
      canaryPath = `${canaryDir}/${CANARY}-${Date.now()}`;
      homeDir = `${fx.dir}/home`;
      rootDir = `${fx.dir}/root`;
      for (const d of [canaryDir, homeDir, rootDir]) await exec.mkdir(d);
      await exec.writeFile(`${homeDir}/keep`, 'still here');
    });
    afterAll(async () => {
      await cleanup?.();
    });

    for (const entry of HOSTILE_STRINGS) {
      describe(entry.label, () => {
        it('arrives byte-identical as an argument, a script argument and an env value, or is refused for its NUL', async () => {
          const s = materializeHostileString(entry, canaryPath);
          const expected = Buffer.from(s, 'utf8');
          const attempts: Array<[string, () => Promise<Uint8Array>]> = [
            ['argv', async () => (await exec.run(['printf', '%s', s], runOptions())).stdoutBytes],
            ['script args', async () => (await exec.run({ script: 'printf %s "$1"', args: [s] }, runOptions())).stdoutBytes],
            [
              'env value',
              async () => (await exec.run({ script: 'printf %s "$HEALER_HOSTILE"' }, { ...runOptions(), env: { HOME: homeDir, HEALER_HOSTILE: s } })).stdoutBytes,
            ],
            ['sh -c commandToShell(argv)', async () => (await exec.run(['sh', '-c', commandToShell(['printf', '%s', s])], runOptions())).stdoutBytes],
            [
              'sh -c commandToShell(script)',
              async () => (await exec.run(['sh', '-c', commandToShell({ script: 'printf %s "$1"', args: [s] })], runOptions())).stdoutBytes,
            ],
            [
              'sh -c commandToShell(env)',
              async () =>
                (await exec.run(['sh', '-c', commandToShell({ script: 'printf %s "$HEALER_HOSTILE"' }, { env: { HEALER_HOSTILE: s } })], runOptions()))
                  .stdoutBytes,
            ],
          ];
          for (const [way, attempt] of attempts) {
            if (s.includes('\0')) {
              const refused = await codeOf(attempt);
              expect(refused?.code, way).toBe('COMMAND_INVALID');
              expect(refused?.message, way).toMatch(/NUL/);
            } else {
              const got = await attempt();
              expect(Buffer.from(got).equals(expected), `${way}: got ${JSON.stringify(Buffer.from(got).toString().slice(0, 200))}`).toBe(true);
            }
          }
        });

        it('round-trips as a file or folder name through a confined HealerFs, or is refused', async () => {
          const s = materializeHostileString(entry, canaryPath);
          const fs = createHealerFs(exec, [rootDir]);
          const content = Buffer.concat([Buffer.from(`content of ${s}\n`, 'utf8'), Buffer.from([0, 255])]);

          let path: string | undefined;
          const refusedName = await codeOf(async () => {
            path = childPath(rootDir, s);
          });
          if (refusedName !== null) {
            expect(refusedName.code).toBe('PATH_INVALID');
          } else if (path !== undefined) {
            await fs.writeFile(path, content);
            expect(Buffer.from(await fs.readFile(path)).equals(content)).toBe(true);
            expect(await fs.readText(path)).toBe(content.toString('utf8'));
            expect(await fs.stat(path)).toMatchObject({ path, type: 'file', size: content.length });
            expect((await fs.list(rootDir)).map((e) => e.name)).toContain(s);
            await fs.rename(path, `${rootDir}/renamed`);
            expect(await fs.exists(path)).toBe(false);
            await fs.rename(`${rootDir}/renamed`, path);
            await fs.chmod(path, 0o600);
            expect((await fs.stat(path))?.mode).toBe(0o600);
            await fs.remove(path);
            expect(await fs.stat(path)).toBeNull();

            // As a folder: create it, work inside it, cd into it from a rendered command line.
            await fs.mkdir(path);
            await fs.writeFile(`${path}/inner`, 'inner');
            const pwd = await exec.run(['sh', '-c', commandToShell({ script: 'printf %s "$PWD"' }, { cwd: path })], runOptions());
            expect(pwd.stdout).toBe(path);
            expect((await exec.run(['cat', 'inner'], { ...runOptions(), cwd: path })).stdout).toBe('inner');
            await fs.remove(path);
            expect(await fs.exists(path)).toBe(false);
          }

          // As a relative path: inside the root it works, outside it is refused.
          let resolved: string | undefined;
          const refusedPath = await codeOf(async () => {
            resolved = resolvePath(rootDir, s);
          });
          if (refusedPath !== null) {
            expect(refusedPath.code).toBe('PATH_INVALID');
          } else if (resolved !== undefined) {
            if (!isPathWithin(rootDir, resolved)) {
              const existed = await exec.exists(resolved);
              expect((await codeOf(() => fs.writeFile(resolved!, 'pwned')))?.code).toBe('PATH_OUTSIDE_ROOTS');
              expect((await codeOf(() => fs.mkdir(`${resolved!}-dir`)))?.code).toBe('PATH_OUTSIDE_ROOTS');
              expect(await exec.exists(resolved)).toBe(existed);
            } else if (resolved === rootDir) {
              expect((await codeOf(() => fs.remove(resolved!)))?.code).toBe('PATH_OUTSIDE_ROOTS');
              expect(await exec.exists(rootDir)).toBe(true);
            } else {
              await fs.mkdir(resolved.slice(0, resolved.lastIndexOf('/')));
              await fs.writeFile(resolved, content);
              expect(Buffer.from(await fs.readFile(resolved)).equals(content)).toBe(true);
              await fs.remove(resolved);
              expect(await fs.exists(resolved)).toBe(false);
            }
          }
        });
      });
    }

    it('never ran any of them: no canary, HOME intact', async () => {
      expect(await exec.list(canaryDir)).toEqual([]);
      expect(Buffer.from(await exec.readFile(`${homeDir}/keep`)).toString()).toBe('still here');
    });
  });
}
