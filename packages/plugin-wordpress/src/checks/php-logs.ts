/**
 * `wordpress/fatal-errors` and `wordpress/memory-exhausted`: PHP fatal errors
 * since a time in `debug.log` and the PHP error log, with the plugin or theme
 * that caused them.
 */
import { errorMessage, isMemoryExhausted, type CheckResult, type PhpLogEntry } from '@healer/core';
import { wpMeta } from '../detect.js';
import { readSiteLogs } from './site-logs.js';
import { culpritFromLog, culpritOfEntry, pluginFilesForSlug } from '../culprit.js';
import { frontPage, markerOf } from './availability.js';
import { runLoadProbe } from './load-probe.js';
import type { Culprit, WpMetadata } from '../types.js';
import {
  ACTION,
  connectErrorOnce,
  firstLine,
  formatBytes,
  MAX_EVIDENCE,
  opsFor,
  plural,
  unreadLogsWarning,
  WHITE_SCREEN_LADDER,
  type PhpLogWindow,
  type WpCheck,
  type WpCheckContext,
} from './shared.js';

/** Levels that stop the request: fatal and parse errors, and uncaught "recoverable" fatals. */
const FATAL_LEVELS: ReadonlySet<PhpLogEntry['level']> = new Set(['fatal', 'parse', 'error']);
/** Entries shown as evidence (the most recent ones). */
const EVIDENCE_ENTRIES = 8;

export const fatalErrorsCheck: WpCheck = {
  id: 'wordpress/fatal-errors',
  title: 'PHP fatal errors',
  category: 'availability',
  severity: 'critical',
  description:
    "Fatal errors since the start of the window in debug.log and the PHP error log (or, when no log names a culprit and the site does not answer, found by loading the front page with PHP CLI), attributed to a plugin, theme, must-use plugin, drop-in or core by the file they happened in (WordPress's own rule). Memory exhaustion is left to wordpress/memory-exhausted.",
  timeoutMs: 45_000,
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const window = await readSiteLogs(ctx, meta);
    const logged = window.entries.filter((e) => FATAL_LEVELS.has(e.level) && isMemoryExhausted(e) === null);
    // No log names a culprit: load the page the way WordPress is loaded and see what stops it.
    if (logged.length === 0 || !isExtension(culpritFromLog(logged, meta))) {
      const probed = await probeResult(ctx, window);
      if (probed) return probed;
    }
    const none = noLogs(window);
    if (none) return none;
    const fatals = logged;
    const where = describeSources(window);
    if (fatals.length === 0) {
      const unread = unreadLogsWarning(window, 'PHP fatal error');
      if (unread) return unread;
      return {
        status: 'pass',
        message: `No PHP fatal error in ${where} since ${window.since.toISOString()}.`,
        details: { count: 0, since: window.since.toISOString(), logs: window.sources },
      };
    }

    const culprits = groupByCulprit(fatals, meta);
    const inactive = await inactiveCheck(ctx, culprits);
    // The newest culprit that still runs: fatals of a plugin or theme turned off since need no healing.
    let culprit = culpritFromLog(fatals, meta);
    let gone = inactive(culprit);
    if (gone) {
      const live = [...culprits].reverse().find((c) => c.culprit.kind !== 'core' && c.culprit.kind !== 'unknown' && inactive(c.culprit) === null);
      if (live) {
        culprit = live.culprit;
        gone = null;
      }
    }
    const first = fatals[0]!;
    const last = fatals[fatals.length - 1]!;
    const count = plural(fatals.length, 'PHP fatal error');
    const when = `in ${where} since ${window.since.toISOString()}, the last at ${last.time!.toISOString()} ("${firstLine(last.message, 200)}").`;
    const others = culprits.length > 1 ? ` Other sources: ${culprits.filter((c) => !sameCulprit(c.culprit, culprit)).map((c) => describeCulprit(c.culprit)).join(', ')}.` : '';
    if (gone) {
      return {
        status: 'warn',
        message: `${count} ${when} ${fatals.length === 1 ? 'It came' : 'They came'} from the ${describeCulprit(culprit)}, which is no longer active (${gone}): fix or update it before turning it back on.`,
        details: {
          culprit: culpritDetails(culprit),
          active: false,
          count: fatals.length,
          first: first.time!.toISOString(),
          last: last.time!.toISOString(),
            lastMessage: firstLine(last.message, 500),
          since: window.since.toISOString(),
          evidenceFrom: window.sourceOf(last),
          logs: window.sources,
        },
        evidence: evidenceOf(fatals),
      };
    }
    return {
      status: 'fail',
      message: `${count} ${when} ${adviceFor(culprit, fatals.length)}${others}`,
      details: {
        culprit: culpritDetails(culprit),
        count: fatals.length,
        first: first.time!.toISOString(),
        last: last.time!.toISOString(),
        lastMessage: firstLine(last.message, 500),
        culprits: culprits.map((c) => ({ ...culpritDetails(c.culprit), count: c.count, last: c.last.toISOString() })),
        since: window.since.toISOString(),
        evidenceFrom: window.sourceOf(last),
        logs: window.sources,
      },
      evidence: evidenceOf(fatals),
      ...fixesFor(culprit),
    };
  },
};

export const memoryExhaustedCheck: WpCheck = {
  id: 'wordpress/memory-exhausted',
  title: 'PHP memory exhausted',
  category: 'performance',
  severity: 'high',
  description: 'PHP\'s "Allowed memory size of N bytes exhausted" fatal errors since the start of the window.',
  timeoutMs: 20_000,
  async run(ctx) {
    const meta = wpMeta(ctx.app);
    const window = await readSiteLogs(ctx, meta);
    const none = noLogs(window);
    if (none) return none;
    const hits = window.entries.filter((e) => isMemoryExhausted(e) !== null);
    const where = describeSources(window);
    if (hits.length === 0) {
      const unread = unreadLogsWarning(window, 'memory exhaustion');
      if (unread) return unread;
      return {
        status: 'pass',
        message: `PHP did not run out of memory in ${where} since ${window.since.toISOString()}.`,
        details: { count: 0, since: window.since.toISOString(), logs: window.sources },
      };
    }
    const last = hits[hits.length - 1]!;
    const limitBytes = isMemoryExhausted(last)!;
    const target = parseMemoryLimit(ctx.config.memoryLimit);
    const culprit = culpritFromLog(hits, meta);
    const from = culprit.kind === 'unknown' ? '' : ` (in ${describeCulprit(culprit)})`;
    const raising = target !== null && target > limitBytes;
    const advice = raising
      ? `raise WP_MEMORY_LIMIT to ${ctx.config.memoryLimit}, and look for what needs so much memory.`
      : `the limit is already at least ${ctx.config.memoryLimit}, so raising it is not the answer: look for a plugin or query that loads too much at once.`;
    return {
      status: 'fail',
      message: `PHP ran out of its ${formatBytes(limitBytes)} memory limit ${plural(hits.length, 'time')} in ${where} since ${window.since.toISOString()}${from}; ${advice}`,
      details: {
        count: hits.length,
        limitBytes,
        targetLimit: ctx.config.memoryLimit,
        culprit: culpritDetails(culprit),
        first: hits[0]!.time!.toISOString(),
        last: last.time!.toISOString(),
        since: window.since.toISOString(),
        evidenceFrom: window.sourceOf(last),
        logs: window.sources,
      },
      evidence: evidenceOf(hits),
      ...(raising ? { fixes: [ACTION.raiseMemoryLimit] } : {}),
    };
  },
};

/**
 * A function telling why a plugin or theme culprit no longer runs
 * (deactivated, switched away from), or null when it still does or that
 * cannot be told. Asks the database once, and only when a plugin or theme is
 * among the culprits.
 */
async function inactiveCheck(ctx: WpCheckContext, culprits: Array<{ culprit: Culprit }>): Promise<(c: Culprit) => string | null> {
  const unknown = (): null => null;
  if (!culprits.some((c) => c.culprit.kind === 'plugin' || c.culprit.kind === 'theme')) return unknown;
  try {
    const ops = await opsFor(ctx);
    if ((await connectErrorOnce(ctx, ops)) !== null) return unknown;
    const [active, theme] = await Promise.all([ops.activePlugins(), ops.theme()]);
    return (c) => {
      if (c.kind === 'plugin') return pluginFilesForSlug(c.slug, active).length === 0 ? 'it has been deactivated since' : null;
      if (c.kind === 'theme') return theme.template !== c.slug && theme.stylesheet !== c.slug ? `the active theme is now "${theme.stylesheet}"` : null;
      return null;
    };
  } catch (e) {
    ctx.logger.debug('wordpress/fatal-errors: cannot tell whether the culprits are still active', { error: errorMessage(e) });
    return unknown;
  }
}

function isExtension(c: Culprit): boolean {
  return c.kind === 'plugin' || c.kind === 'theme' || c.kind === 'mu-plugin' || c.kind === 'drop-in';
}

/**
 * The verdict of the load probe, when there is one to give: a `fail` naming
 * the extension whose fatal error stops the page; a `pass` when no log is
 * readable and the page loads (asked over HTTP, else probed). Null when the
 * logs should speak (the probe found nothing or could not run).
 */
async function probeResult(ctx: WpCheckContext, window: PhpLogWindow): Promise<CheckResult | null> {
  const noLogRead = window.sources.length === 0;
  const logs = window.sources;
  const url = typeof ctx.settings.url === 'string' && ctx.settings.url !== '' ? ctx.settings.url : null;
  if (url) {
    const answer = await frontPage(ctx, url);
    if (answer.ok && answer.page.status < 500 && markerOf(answer.page) === null) {
      if (!noLogRead) return null;
      return {
        status: 'pass',
        message: `No PHP error log is readable for this site, and ${url} loads (HTTP ${answer.page.status}): no fatal error stops its front page. For errors on other pages, turn on WP_DEBUG_LOG or set \`phpErrorLog\`.`,
        details: { count: 0, source: 'front page', url, logs },
      };
    }
  }
  const probe = await runLoadProbe(ctx, url);
  // Memory exhaustion is wordpress/memory-exhausted's, not a white-screen culprit.
  if (probe.fatal && isMemoryExhausted(probe.fatal) !== null) return null;
  const source = `the load probe (the front page loaded with PHP CLI as ${probe.url})`;
  if (probe.fatal && probe.culprit && isExtension(probe.culprit)) {
    const culprit = probe.culprit;
    return {
      status: 'fail',
      message: `Loading the front page stops with a PHP fatal error ("${firstLine(probe.fatal.message, 200)}"), found by ${source}. ${adviceFor(culprit, 1)}`,
      details: {
        culprit: culpritDetails(culprit),
        count: 1,
        lastMessage: firstLine(probe.fatal.message, 500),
        source: 'load probe',
        probe: { url: probe.url, durationMs: probe.durationMs },
        logs,
      },
      evidence: evidenceOf([probe.fatal]),
      ...fixesFor(culprit),
    };
  }
  if (!noLogRead) return null;
  if (probe.completed && !probe.fatal) {
    return {
      status: 'pass',
      message: `No PHP error log is readable for this site, and ${source} met no fatal error.`,
      details: { count: 0, source: 'load probe', probe: { url: probe.url, durationMs: probe.durationMs }, logs },
    };
  }
  if (probe.fatal && probe.culprit) {
    return {
      status: 'fail',
      message: `Loading the front page stops with a PHP fatal error ("${firstLine(probe.fatal.message, 200)}"), found by ${source}. ${adviceFor(probe.culprit, 1)}`,
      details: { culprit: culpritDetails(probe.culprit), count: 1, lastMessage: firstLine(probe.fatal.message, 500), source: 'load probe', logs },
      evidence: evidenceOf([probe.fatal]),
    };
  }
  return null;
}

/** A skip when none of the logs the site's PHP may write to exists. */
function noLogs(window: PhpLogWindow): CheckResult | null {
  if (window.sources.length > 0) return null;
  return {
    status: 'skip',
    message: `No PHP error log was found for this site (looked at ${window.searched.length > 0 ? window.searched.join(', ') : 'no known log'}): turn on WP_DEBUG_LOG (with WP_DEBUG_DISPLAY false) in wp-config.php, or list the logs in the app setting \`serverLogs\`.`,
    details: { searched: window.searched },
  };
}

function describeSources(window: PhpLogWindow): string {
  return window.sources.map((s) => s.path).join(' and ');
}

/** `256M` -> bytes, as PHP reads `memory_limit`. @internal */
export function parseMemoryLimit(text: string): number | null {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

function fixesFor(culprit: Culprit): { fixes?: string[] } {
  if (culprit.kind === 'plugin') return { fixes: [...WHITE_SCREEN_LADDER] };
  if (culprit.kind === 'theme') return { fixes: [ACTION.switchTheme] };
  return {};
}

function adviceFor(culprit: Culprit, count: number): string {
  const come = count === 1 ? 'It comes' : 'They come';
  const happen = count === 1 ? 'It happens' : 'They happen';
  switch (culprit.kind) {
    case 'plugin':
      return `${come} from the plugin "${culprit.slug}" (${culprit.file}): deactivating it should bring the site back; then update or replace it.`;
    case 'theme':
      return `${come} from the theme "${culprit.slug}" (${culprit.file}): switching to a default theme should bring the site back; then fix or update the theme.`;
    case 'mu-plugin':
      return `${come} from the must-use plugin ${culprit.file}, which WordPress cannot deactivate: fix it or move it out of mu-plugins.`;
    case 'drop-in':
      return `${come} from the drop-in ${culprit.file}: remove or replace it (a cache plugin usually installed it).`;
    case 'core':
      return `${happen} inside WordPress core (${culprit.file}): a core file may be damaged (see wordpress/core-integrity) or PHP may be too old (see wordpress/php-version).`;
    case 'unknown':
      return `The log does not show which plugin or theme is at fault${culprit.file ? ` (${culprit.file})` : ''}: read the lines below.`;
  }
}

function describeCulprit(c: Culprit): string {
  switch (c.kind) {
    case 'plugin':
      return `plugin "${c.slug}"`;
    case 'theme':
      return `theme "${c.slug}"`;
    case 'mu-plugin':
      return `must-use plugin ${c.file}`;
    case 'drop-in':
      return `drop-in ${c.file}`;
    case 'core':
      return `WordPress core (${c.file})`;
    case 'unknown':
      return c.file ?? 'an unknown file';
  }
}

/** `{ kind, slug, file }` with `slug: null` for kinds that have none. */
function culpritDetails(c: Culprit): { kind: Culprit['kind']; slug: string | null; file: string | null } {
  return { kind: c.kind, slug: 'slug' in c ? c.slug : null, file: c.file };
}

function sameCulprit(a: Culprit, b: Culprit): boolean {
  return a.kind === b.kind && ('slug' in a ? a.slug : a.file) === ('slug' in b ? b.slug : b.file);
}

function groupByCulprit(entries: PhpLogEntry[], meta: WpMetadata): Array<{ culprit: Culprit; count: number; last: Date }> {
  const groups: Array<{ culprit: Culprit; count: number; last: Date }> = [];
  for (const e of entries) {
    const c = culpritOfEntry(e, meta);
    const g = groups.find((x) => sameCulprit(x.culprit, c));
    if (g) {
      g.count++;
      g.last = e.time!;
    } else {
      groups.push({ culprit: c, count: 1, last: e.time! });
    }
  }
  return groups;
}

/**
 * The first line of each of the most recent entries, then the rest of the
 * last entry (its stack trace), at most {@link MAX_EVIDENCE} lines in all.
 */
function evidenceOf(entries: PhpLogEntry[]): string[] {
  const cut = (l: string): string => (l.length > 500 ? `${l.slice(0, 500)}...` : l);
  const recent = entries.slice(-EVIDENCE_ENTRIES);
  const lines = recent.map((e) => cut(e.raw.split('\n', 1)[0] ?? ''));
  for (const l of recent[recent.length - 1]?.raw.split('\n').slice(1) ?? []) {
    if (lines.length >= MAX_EVIDENCE) break;
    lines.push(cut(l));
  }
  return lines;
}
