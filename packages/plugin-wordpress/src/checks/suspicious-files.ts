/**
 * `wordpress/php-in-uploads` and `wordpress/malware-patterns`: PHP files
 * where WordPress never puts code, and the obfuscation malware uses.
 * One command each, whatever the number of files.
 */
import { HealerError, type Command, type RunResult } from '@healer/core';
import { wpMeta } from '../detect.js';
import { ACTION, MAX_EVIDENCE, plural, type WpCheck, type WpCheckContext } from './shared.js';

/** Names PHP may run: `.php`, `.php5`, `.phtml`, `.phar`... */
const PHP_NAMES = ['*.php', '*.php[0-9]', '*.pht', '*.phtml', '*.phar'];
/** Files this small are read to tell a harmless `<?php // Silence is golden.` from code. */
const TINY_BYTES = 256;
const MAX_TINY_READS = 50;
const MAX_OUTPUT_BYTES = 512 * 1024;

/**
 * `eval(` or `assert(` straight on a decoder: code hidden from a reader, the
 * mark of injected malware (`eval(base64_decode(`, `eval(gzinflate(`...).
 * POSIX ERE for `grep -E -i`.
 */
export const MALWARE_PATTERN =
  '(eval|assert)[[:space:]]*\\([[:space:]]*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13)[[:space:]]*\\(';

export const phpInUploadsCheck: WpCheck = {
  id: 'wordpress/php-in-uploads',
  title: 'PHP files in uploads',
  category: 'security',
  severity: 'high',
  description:
    'PHP files under the uploads folder, where WordPress keeps media only: an uploaded PHP file is how most site take-overs run their code. Comment-only placeholders (`<?php // Silence is golden.`) are ignored.',
  timeoutMs: 60_000,
  async run(ctx) {
    const { uploadsDir } = wpMeta(ctx.app);
    if (!(await ctx.fs.exists(uploadsDir))) {
      return { status: 'pass', message: `There is no uploads folder (${uploadsDir}), so no PHP file in it.`, details: { uploadsDir, files: [] } };
    }
    const res = await runCapped(ctx, findPhpCommand(uploadsDir), 'find');
    const found = parseSizedPaths(res.stdout, res.truncated);
    const tiny = found.filter((f) => f.size <= TINY_BYTES).slice(0, MAX_TINY_READS);
    const harmless = new Set<string>();
    await Promise.all(
      tiny.map(async (f) => {
        const text = await ctx.fs.readText(f.path, { maxBytes: TINY_BYTES });
        if (text !== null && isCommentOnlyPhp(text)) harmless.add(f.path);
      }),
    );
    const files = found.map((f) => f.path).filter((p) => !harmless.has(p));
    const incomplete = res.truncated || res.exitCode !== 0;
    const details = { uploadsDir, files, ignored: [...harmless], incomplete };
    if (files.length === 0) {
      return {
        status: incomplete ? 'warn' : 'pass',
        message: incomplete
          ? `No PHP file was found under ${uploadsDir}, but some folders could not be read; run Healer as a user that can read the whole site.`
          : `No PHP file under ${uploadsDir}.`,
        details,
      };
    }
    return {
      status: 'fail',
      message: `${plural(files.length, 'PHP file')}${res.truncated ? ' (or more)' : ''} under ${uploadsDir}, where WordPress keeps media only: treat ${files.length === 1 ? 'it' : 'them'} as a break-in until proven otherwise; move ${files.length === 1 ? 'it' : 'them'} to quarantine and look for how ${files.length === 1 ? 'it' : 'they'} got there.`,
      details,
      evidence: files.slice(0, MAX_EVIDENCE),
      fixes: [ACTION.quarantineFiles],
    };
  },
};

export const malwarePatternsCheck: WpCheck = {
  id: 'wordpress/malware-patterns',
  title: 'Malware patterns',
  category: 'security',
  severity: 'critical',
  description: 'PHP files under wp-content that run hidden code: `eval(base64_decode(`, `eval(gzinflate(`, `assert(base64_decode(` and the like.',
  timeoutMs: 60_000,
  async run(ctx) {
    const { contentDir } = wpMeta(ctx.app);
    const res = await runCapped(ctx, grepMalwareCommand(contentDir), 'grep');
    // grep: 0 found, 1 nothing found, 2 trouble (unreadable files), with or without matches.
    if (res.exitCode !== 0 && res.exitCode !== 1 && res.exitCode !== 2) {
      throw new HealerError('COMMAND_FAILED', `grep failed on ${contentDir} (exit ${res.exitCode}): ${res.stderr.trim().slice(0, 300)}`);
    }
    const files = splitNul(res.stdout, res.truncated);
    const incomplete = res.truncated || res.exitCode === 2;
    const details = { contentDir, files, pattern: MALWARE_PATTERN, incomplete };
    if (files.length === 0) {
      return {
        status: incomplete ? 'warn' : 'pass',
        message: incomplete
          ? `No PHP file under ${contentDir} hides code behind eval(base64_decode(...)) and the like, but some files could not be read; run Healer as a user that can read the whole site.`
          : `No PHP file under ${contentDir} hides code behind eval(base64_decode(...)) and the like.`,
        details,
      };
    }
    return {
      status: 'fail',
      message: `${plural(files.length, 'PHP file')}${res.truncated ? ' (or more)' : ''} under ${contentDir} run${files.length === 1 ? 's' : ''} hidden code (eval or assert on base64/gzip-decoded text), the usual mark of injected malware: quarantine ${files.length === 1 ? 'it' : 'them'}, then reinstall the affected plugins or themes from a clean source and change the passwords.`,
      details,
      evidence: files.slice(0, MAX_EVIDENCE),
      fixes: [ACTION.quarantineFiles],
    };
  },
};

/** `find -H DIR -xdev -type f ( -iname *.php -o ... ) -printf '%s %p\0'`. @internal */
export function findPhpCommand(dir: string): Command {
  const names = PHP_NAMES.flatMap((n, i) => (i === 0 ? ['-iname', n] : ['-o', '-iname', n]));
  return ['find', '-H', dir, '-xdev', '-type', 'f', '(', ...names, ')', '-printf', '%s %p\\0'];
}

/** `grep -rlZIiE --include=*.php ... -e PATTERN DIR`: the names of matching files, NUL-separated. @internal */
export function grepMalwareCommand(dir: string): Command {
  // --include globs are case-sensitive: name the upper-case spellings too.
  const includes = [...PHP_NAMES, ...PHP_NAMES.map((n) => n.toUpperCase())].map((n) => `--include=${n}`);
  return ['grep', '-r', '-l', '-Z', '-I', '-i', '-E', ...includes, '-e', MALWARE_PATTERN, '--', dir];
}

/** `<?php` and nothing but comments and blanks (and an optional `?>`). @internal */
export function isCommentOnlyPhp(text: string): boolean {
  const body = text
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?php\b/i, '')
    .replace(/\?>\s*$/, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(?:\/\/|#)[^\n]*/g, '');
  return /^\s*<\?php/i.test(text.replace(/^\uFEFF/, '')) && body.trim() === '';
}

/** Parse `find -printf '%s %p\0'` output. @internal */
export function parseSizedPaths(stdout: string, truncated: boolean): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  for (const rec of splitNul(stdout, truncated)) {
    const sp = rec.indexOf(' ');
    if (sp < 1) continue;
    out.push({ size: Number(rec.slice(0, sp)), path: rec.slice(sp + 1) });
  }
  return out;
}

function splitNul(stdout: string, truncated: boolean): string[] {
  const parts = stdout.split('\0');
  // The output ends with a NUL: the last part is empty, or half a record when cut.
  parts.pop();
  if (truncated && !stdout.endsWith('\0')) return parts;
  return parts.filter((p) => p.length > 0);
}

async function runCapped(ctx: WpCheckContext, command: Command, name: string): Promise<RunResult> {
  const res = await ctx.exec.run(command, { signal: ctx.signal, timeoutMs: 55_000, maxOutputBytes: MAX_OUTPUT_BYTES });
  if (ctx.signal.aborted) throw new HealerError('ABORTED', `The ${name} search was cancelled.`);
  if (res.timedOut) throw new HealerError('COMMAND_TIMEOUT', `The ${name} search did not finish in time.`);
  if (res.exitCode === 127) throw new HealerError('COMMAND_FAILED', `${name} is not installed on ${ctx.exec.host}.`);
  return res;
}
