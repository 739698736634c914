/**
 * Checks on the site's options: `wordpress/autoload-size`,
 * `wordpress/cron-events` and `wordpress/search-engines-blocked`.
 */
import { formatBytes, MAX_EVIDENCE, opsFor, plural, skipWhenDbDown, type WpCheck } from './shared.js';

/** Autoloaded options this many times over the threshold are a `fail`, not a `warn`. */
export const AUTOLOAD_FAIL_FACTOR = 4;

export const autoloadSizeCheck: WpCheck = {
  id: 'wordpress/autoload-size',
  title: 'Autoloaded options',
  category: 'performance',
  severity: 'medium',
  description: `Autoloaded options are read on every request: above the configured size (default 800 KB) every page slows down; ${AUTOLOAD_FAIL_FACTOR} times that is a failure.`,
  timeoutMs: 20_000,
  async run(ctx) {
    const ops = await opsFor(ctx);
    const down = await skipWhenDbDown(ctx, ops);
    if (down) return down;
    const { bytes, largest } = await ops.autoloadSize();
    const threshold = ctx.config.autoloadWarnBytes;
    const details = { bytes, threshold, largest: largest.slice(0, 10) };
    const evidence = largest.slice(0, 10).map((o) => `${o.name}: ${formatBytes(o.bytes)}`);
    if (bytes <= threshold) {
      return { status: 'pass', message: `Autoloaded options total ${formatBytes(bytes)}, under the ${formatBytes(threshold)} limit.`, details };
    }
    const top = largest.slice(0, 3).map((o) => `${o.name} (${formatBytes(o.bytes)})`).join(', ');
    return {
      status: bytes > threshold * AUTOLOAD_FAIL_FACTOR ? 'fail' : 'warn',
      message: `Autoloaded options total ${formatBytes(bytes)}, over the ${formatBytes(threshold)} limit, and WordPress reads them on every request${top ? `; the largest are ${top}` : ''}: set autoload to 'no' for options not needed on every page, or delete leftovers of removed plugins.`,
      details,
      evidence,
    };
  },
};

/** One hook + arguments scheduled more than once. */
export interface CronDuplicate {
  hook: string;
  args: string;
  count: number;
}

/** Group cron events by hook and arguments; those scheduled more than once, most first. @internal */
export function findCronDuplicates(events: ReadonlyArray<{ hook: string; args: string }>): CronDuplicate[] {
  const counts = new Map<string, CronDuplicate>();
  for (const e of events) {
    const key = JSON.stringify([e.hook, e.args]);
    const d = counts.get(key);
    if (d) d.count++;
    else counts.set(key, { hook: e.hook, args: e.args, count: 1 });
  }
  return [...counts.values()].filter((d) => d.count > 1).sort((a, b) => b.count - a.count || (a.hook < b.hook ? -1 : 1));
}

export const cronEventsCheck: WpCheck = {
  id: 'wordpress/cron-events',
  title: 'Cron events',
  category: 'performance',
  severity: 'medium',
  description:
    "WP-Cron's scheduled events: too many of them (default 50 or more), and the same hook with the same arguments scheduled more than once, which a plugin that reschedules on every request leaves behind. Runaway duplicates are a failure.",
  timeoutMs: 20_000,
  async run(ctx) {
    const ops = await opsFor(ctx);
    const down = await skipWhenDbDown(ctx, ops);
    if (down) return down;
    const events = await ops.cronEvents();
    const threshold = ctx.config.cronWarnCount;
    const duplicates = findCronDuplicates(events);
    const extra = duplicates.reduce((n, d) => n + d.count - 1, 0);
    const perHook = new Map<string, number>();
    for (const e of events) perHook.set(e.hook, (perHook.get(e.hook) ?? 0) + 1);
    const topHooks = [...perHook].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([hook, count]) => ({ hook, count }));
    const details = { count: events.length, threshold, duplicates: duplicates.slice(0, 50), duplicateExtra: extra, topHooks };
    const problems: string[] = [];
    if (events.length >= threshold) {
      problems.push(
        `${plural(events.length, 'cron event')} are scheduled (the limit is ${threshold})${topHooks[0] ? `, the most for "${topHooks[0].hook}" (${topHooks[0].count})` : ''}`,
      );
    }
    if (duplicates.length > 0) {
      const d = duplicates[0]!;
      problems.push(
        `${plural(duplicates.length, 'hook')} ${duplicates.length === 1 ? 'is' : 'are'} scheduled more than once with the same arguments ("${d.hook}" ${d.count} times${duplicates.length > 1 ? ', ...' : ''}), ${extra} extra event(s) in all`,
      );
    }
    if (problems.length === 0) {
      return { status: 'pass', message: `${plural(events.length, 'cron event')} scheduled, none of them twice.`, details };
    }
    return {
      status: extra >= threshold ? 'fail' : 'warn',
      message: `${problems.join('; ')}: find the plugin that schedules them, fix or remove it, then unschedule the extra events.`,
      details,
      evidence: [
        ...duplicates.map((d) => `${d.count}x ${d.hook} ${d.args}`),
        ...topHooks.map((h) => `${h.count} ${h.hook}`),
      ].slice(0, MAX_EVIDENCE),
    };
  },
};

export const searchEnginesBlockedCheck: WpCheck = {
  id: 'wordpress/search-engines-blocked',
  title: 'Search engine visibility',
  category: 'configuration',
  severity: 'medium',
  description: 'On a production site, "Discourage search engines from indexing this site" (the blog_public option at 0) hides it from search results.',
  timeoutMs: 20_000,
  async run(ctx) {
    if (!ctx.config.production) {
      return { status: 'skip', message: 'The site is not marked as production (`production: false`), so hiding it from search engines is fine.' };
    }
    const ops = await opsFor(ctx);
    const down = await skipWhenDbDown(ctx, ops);
    if (down) return down;
    const value = await ops.getOption('blog_public');
    const details = { blog_public: value ?? null };
    if (value !== null && value !== undefined && String(value).trim() === '0') {
      return {
        status: 'fail',
        message:
          'The production site asks search engines not to index it (Settings > Reading > "Discourage search engines", blog_public = 0): untick it unless the site is meant to stay hidden.',
        details,
        evidence: ['blog_public = 0'],
      };
    }
    return { status: 'pass', message: 'Search engines may index the site (blog_public is not 0).', details };
  },
};
