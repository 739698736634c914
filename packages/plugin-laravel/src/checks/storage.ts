/**
 * `laravel/storage-writable`: every folder under `storage/` and
 * `bootstrap/cache` (and the log files) writable by the user PHP runs as.
 * Laravel writes sessions, compiled views, the file cache and its log
 * there: one unwritable folder is a 500 on every page.
 */
import { canWrite, phpIdentity, writableEntries } from '../php-access.js';
import { ACTION, CHECK } from './ids.js';
import { octal, plural, type LaravelCheck } from './shared.js';

export const storageWritableCheck: LaravelCheck = {
  id: CHECK.storageWritable,
  title: 'storage/ and bootstrap/cache are writable by PHP',
  category: 'configuration',
  severity: 'critical',
  description: 'Sessions, compiled views, the file cache, laravel.log and the cached config live there.',
  timeoutMs: 60_000,
  async run(ctx) {
    const who = await phpIdentity(ctx);
    if (typeof who === 'string') return { status: 'warn', message: `Cannot tell whether PHP may write storage/: ${who}.` };
    const { php, ids } = who;
    const { entries, missing, truncated } = await writableEntries(ctx);
    const root = ctx.app.root;
    const bad = entries.filter((e) => !canWrite(e, ids));
    const rel = (p: string): string => p.slice(root.length + 1);
    const details = { phpUser: php, checked: entries.length, notWritable: bad.map((e) => ({ path: rel(e.path), mode: octal(e.mode), uid: e.uid, gid: e.gid })), missing, truncated };
    if (missing.length > 0 && bad.length === 0) {
      return { status: 'fail', message: `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing: Laravel cannot write its cache, sessions and log.`, details };
    }
    if (bad.length > 0) {
      return {
        status: 'fail',
        message: `${plural(bad.length, 'path')} under storage/ or bootstrap/cache cannot be written by ${php.user}, the user PHP runs as (${php.source}): ${bad.slice(0, 3).map((e) => `${rel(e.path)} (${octal(e.mode)})`).join(', ')}${bad.length > 3 ? ', ...' : ''}.`,
        details,
        evidence: bad.slice(0, 10).map((e) => `${octal(e.mode)} uid ${e.uid} gid ${e.gid} ${rel(e.path)}`),
        fixes: [ACTION.fixStoragePermissions],
      };
    }
    return { status: 'pass', message: `${php.user} (${php.source}) can write the ${plural(entries.length, 'entry').replace(/entrys$/, 'entries')} under storage/ and bootstrap/cache.`, details };
  },
};
