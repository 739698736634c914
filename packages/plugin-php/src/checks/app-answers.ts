/** `php/app-answers`: the app's address (configured, or found by `address()`) answers without a server error. */
import { chooseConnectAddress, errorMessage, fetchPage, HealerError } from '@healer/core';
import { CHECK, ACTION, type PhpCheck, type PhpCheckContext } from '../shared.js';
import { composerFiles } from './composer.js';
import { phpMeta } from '../detect.js';
import { inRoot } from '../shared.js';
import { servingPhpOrError } from '../serving-php.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The actions that may bring back an app that answers 5xx or nothing:
 * reinstall dependencies when vendor/ is gone, restart FPM when it serves
 * the app and the answer is a gateway error or none (`status` null).
 */
async function likelyFixes(ctx: PhpCheckContext, status: number | null): Promise<string[]> {
  const out: string[] = [];
  const { lock } = await composerFiles(ctx);
  if (lock && !(await ctx.fs.exists(inRoot(ctx.app.root, `${phpMeta(ctx.app).vendorDir}/autoload.php`)))) out.push(ACTION.composerInstall);
  const s = await servingPhpOrError(ctx);
  if (!('error' in s) && s.fpm && (status === null || (status >= 502 && status <= 504))) out.push(ACTION.restartFpm);
  return out;
}

export const appAnswersCheck: PhpCheck = {
  id: CHECK.appAnswers,
  title: 'The app answers',
  category: 'availability',
  severity: 'critical',
  description: "GETs the app's address (the `url` setting, else what the plugin found: the php -S server's address or the virtual host serving the app) and expects no server error.",
  timeoutMs: 30_000,
  async run(ctx) {
    const raw = ctx.settings.url ?? ctx.target.url;
    if (raw === undefined || raw === null || raw === '') {
      return { status: 'skip', message: "The app's address could not be found (no php -S server or virtual host serves it); set `url` in the app's settings so Healer can check that it answers." };
    }
    if (typeof raw !== 'string' || !/^https?:\/\//i.test(raw)) throw new HealerError('CONFIG_INVALID', `The setting "url" must be an http or https URL; got ${JSON.stringify(raw)}.`);
    const url = raw;
    const timeoutMs = typeof ctx.settings['httpTimeoutMs'] === 'number' ? ctx.settings['httpTimeoutMs'] : DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const urlSource = ctx.settings.urlSource ?? 'settings';
    try {
      const page = await fetchPage(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]), targetHost: ctx.target.host, userAgent: 'healer-php' });
      const latencyMs = Math.round(performance.now() - started);
      const details = { url, urlSource, connectTo: page.connectTo, finalUrl: page.finalUrl, status: page.status, latencyMs, bytes: page.bytes };
      if (page.status >= 500) {
        const fixes = await likelyFixes(ctx, page.status);
        return { status: 'fail', message: `${url} answers HTTP ${page.status}: look at php/fatal-errors and the server's error log for the cause.`, details, ...(fixes.length ? { fixes } : {}) };
      }
      if (page.status >= 400) return { status: 'warn', message: `${url} answers HTTP ${page.status}; check the URL in the app's settings and the app's routes.`, details };
      const via = page.connectTo ? ` (reached at ${page.connectTo}: ${page.connectReason})` : '';
      return { status: 'pass', message: `${url} answers HTTP ${page.status} in ${latencyMs} ms${via}.`, details };
    } catch (e) {
      const connectTo = await chooseConnectAddress(url, ctx.target.host).then((c) => c.connectTo, () => null);
      const fixes = await likelyFixes(ctx, null);
      return {
        status: 'fail',
        message: `${url} could not be reached (${errorMessage(e)})${connectTo ? ` at ${connectTo}` : ''}: check that the web server and PHP are running.`,
        details: { url, urlSource, connectTo, error: errorMessage(e), latencyMs: Math.round(performance.now() - started) },
        ...(fixes.length ? { fixes } : {}),
      };
    }
  },
};
