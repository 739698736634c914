/**
 * `wordpress/availability`: the site's page as a visitor gets it, read with
 * WordPress's own error pages in mind.
 */
import { chooseConnectAddress, errorMessage, fetchPage, HealerError, type CheckResult, type FetchedPage } from '@healer/core';
import { wpMeta } from '../detect.js';
import { WHITE_SCREEN_LADDER, type WpCheck, type WpCheckContext } from './shared.js';

/** WordPress 5.2+'s fatal error handler page (`wp_die` from `WP_Fatal_Error_Handler`). */
export const CRITICAL_ERROR_MARKER = 'There has been a critical error on this website';
/** `dead_db()`: WordPress could not connect to its database. */
export const DB_ERROR_MARKER = 'Error establishing a database connection';
/** `wp_maintenance()`: a fresh `.maintenance` file. */
export const MAINTENANCE_MARKER = 'Briefly unavailable for scheduled maintenance';

const DEFAULT_TIMEOUT_MS = 10_000;

/** What the page showed, besides its status. */
export type PageMarker = 'critical-error' | 'database-error' | 'maintenance' | 'not-installed' | 'empty-body' | null;

export const availabilityCheck: WpCheck = {
  id: 'wordpress/availability',
  title: 'Site answers',
  category: 'availability',
  severity: 'critical',
  description:
    "Requests the site's URL and recognizes WordPress's error pages: the critical-error page of a PHP fatal error, the database-connection error, the maintenance page and an empty page.",
  timeoutMs: 30_000,
  async run(ctx) {
    const raw = ctx.settings.url ?? ctx.target.url;
    if (raw === undefined || raw === null || raw === '') {
      return {
        status: 'skip',
        message: "The site's address could not be found (no WP_HOME in wp-config.php, and the home option could not be read); set `url` in the app's settings so Healer can check that it answers.",
      };
    }
    if (typeof raw !== 'string' || !/^https?:\/\//i.test(raw)) {
      throw new HealerError('CONFIG_INVALID', `The setting "url" must be an http or https URL; got ${JSON.stringify(raw)}.`);
    }
    const url = raw;
    const timeoutMs = typeof ctx.settings.httpTimeoutMs === 'number' ? ctx.settings.httpTimeoutMs : DEFAULT_TIMEOUT_MS;
    const answer = await frontPage(ctx, url, timeoutMs);
    if (!answer.ok) {
      return {
        status: 'fail',
        message: `${url} ${answer.timedOut ? `did not answer within ${timeoutMs} ms` : `could not be reached (${answer.error})`}${answer.connectTo ? ` at ${answer.connectTo}` : ''}; check that the web server and PHP are running.`,
        details: { url, connectTo: answer.connectTo, latencyMs: answer.latencyMs, error: answer.error },
      };
    }
    const page = answer.page;
    const latencyMs = answer.latencyMs;
    const marker = markerOf(page);
    const details = { url, urlSource: ctx.settings.urlSource ?? 'settings', connectTo: page.connectTo, finalUrl: page.finalUrl, status: page.status, latencyMs, bytes: page.bytes, marker };
    const evidence = markerLines(page.body);
    const result = (status: CheckResult['status'], message: string, fixes: readonly string[] = []): CheckResult => ({
      status,
      message,
      details,
      ...(evidence.length > 0 ? { evidence } : {}),
      ...(fixes.length > 0 ? { fixes: [...fixes] } : {}),
    });

    switch (marker) {
      case 'critical-error':
        return result(
          'fail',
          `${url} shows WordPress's critical-error page (HTTP ${page.status}): a PHP fatal error stops the page; see wordpress/fatal-errors for the plugin or theme that causes it.`,
          WHITE_SCREEN_LADDER,
        );
      case 'database-error': {
        const db = dbName(ctx.app);
        return result(
          'fail',
          `${url} shows "Error establishing a database connection" (HTTP ${page.status}): WordPress cannot reach its database${db}; see wordpress/database-connection for why.`,
        );
      }
      case 'maintenance':
        return result(
          'fail',
          `${url} shows the "Briefly unavailable for scheduled maintenance" page (HTTP ${page.status}): a .maintenance file blocks visitors; see wordpress/maintenance-stuck.`,
        );
      case 'not-installed':
        return result(
          'fail',
          `${url} redirects to the WordPress installer (${page.finalUrl}): WordPress finds no tables with its prefix; check the database name and $table_prefix in wp-config.php.`,
        );
      case 'empty-body':
        return result(
          'fail',
          `${url} answers 200 with an empty page (a "white screen"): PHP probably stopped early; look at the PHP error log.`,
          WHITE_SCREEN_LADDER,
        );
      case null:
        break;
    }
    if (page.status >= 500) {
      return result('fail', `${url} answers HTTP ${page.status}; look at the web server's and PHP's error logs for the cause.`);
    }
    if (page.status >= 400) {
      return result('warn', `${url} answers HTTP ${page.status}; check the URL in the app's settings and the site's access rules.`);
    }
    const via = page.connectTo ? ` (reached at ${page.connectTo}: ${page.connectReason})` : '';
    return result('pass', `${url} answers HTTP ${page.status} in ${latencyMs} ms${via}.`);
  },
};

/** Which WordPress page the answer is. @internal */
export function markerOf(page: Pick<Page, 'status' | 'body' | 'bytes' | 'finalUrl'>): PageMarker {
  if (page.body.includes(CRITICAL_ERROR_MARKER)) return 'critical-error';
  if (page.body.includes(DB_ERROR_MARKER)) return 'database-error';
  if (page.status === 503 && page.body.includes(MAINTENANCE_MARKER)) return 'maintenance';
  if (/\/wp-admin\/install\.php(?:$|\?)/.test(page.finalUrl)) return 'not-installed';
  if (page.status === 200 && page.body.trim() === '') return 'empty-body';
  return null;
}

function dbName(app: Parameters<typeof wpMeta>[0]): string {
  try {
    const { db } = wpMeta(app);
    return ` "${db.name}" on ${db.host}`;
  } catch {
    return '';
  }
}

interface Page {
  status: number;
  finalUrl: string;
  body: string;
  bytes: number;
}

/** What asking for the front page gave. */
export type FrontPageAnswer =
  | { ok: true; page: FetchedPage; latencyMs: number }
  | { ok: false; timedOut: boolean; error: string; connectTo: string | null; latencyMs: number };

/**
 * The site's page at `url`, asked once per run (availability and the
 * fatal-error check's probe decision share it). @internal
 */
export function frontPage(ctx: WpCheckContext, url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FrontPageAnswer> {
  return ctx.facts.get(`wordpress:front-page:${ctx.target.host}:${url}`, async (): Promise<FrontPageAnswer> => {
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const page = await fetchPage(url, { signal: timeout, targetHost: ctx.target.host, userAgent: 'healer-wordpress' });
      return { ok: true, page, latencyMs: Math.round(performance.now() - started) };
    } catch (e) {
      const connectTo = await chooseConnectAddress(url, ctx.target.host).then((c) => c.connectTo, () => null);
      return { ok: false, timedOut: timeout.aborted, error: describeFetchError(e), connectTo, latencyMs: Math.round(performance.now() - started) };
    }
  });
}

function markerLines(body: string): string[] {
  const markers = [CRITICAL_ERROR_MARKER, DB_ERROR_MARKER, MAINTENANCE_MARKER];
  const out: string[] = [];
  for (const line of body.split('\n')) {
    if (!markers.some((m) => line.includes(m))) continue;
    // The pages are HTML: keep the words.
    out.push(line.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300));
    if (out.length >= 3) break;
  }
  return out;
}

/** undici puts the system error (ECONNREFUSED...) in `cause`. */
function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    const msg = errorMessage(cause);
    return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return errorMessage(e);
}

