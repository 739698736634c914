import type { CheckResult, CheckStatus, DiagnosticCheck } from '../../contract/plugin.js';
import { errorMessage } from '../../errors.js';
import { fetchPage, type FetchedPage } from '../../http/fetch-page.js';
import { checkUrlSetting, numberSetting, stringListSetting, withTimeout } from './settings.js';


/**
 * `core/http-health`: GET the app's URL and judge the answer.
 *
 * The request is made **from the machine running Healer**, not from the
 * target host. When the URL's host name does not resolve to the app's server
 * (or at all), the server itself is asked (`127.0.0.1`, or the SSH target's
 * host) on the URL's port with the name in the Host header and TLS SNI; the
 * address used is reported as `connectTo`. Redirects are followed.
 *
 * - `settings.url` (or `target.url`): the URL; the check is skipped without one.
 * - 5xx, no answer, or a TLS/connection error: `fail`. 4xx: `warn`. 2xx/3xx: `pass`.
 * - A `200` with an empty body: `fail` ("empty body").
 * - `settings.bodyMarkers`: texts that must all appear in the body (case-sensitive), else `fail`.
 * - `settings.errorMarkers`: texts that must not appear (e.g. `Fatal error`), else `fail`.
 * - `httpTimeoutMs` (default 10 000): no complete answer by then is a `fail`.
 * - `httpLatencyWarnMs` (default 2 000): slower than that is a `warn`.
 *
 * Details: `status`, `latencyMs`, `bytes`, `url`, `finalUrl`, `connectTo` (null when DNS was used). At most 1 MiB of the body is read.
 */
export const httpHealthCheck: DiagnosticCheck<unknown, object> = {
  id: 'core/http-health',
  title: 'HTTP health',
  category: 'availability',
  severity: 'critical',
  description: 'Requests the application URL and checks the status, the body and the response time.',
  timeoutMs: 30_000,
  async run(ctx) {
    const url = checkUrlSetting(ctx.settings.url ?? ctx.target.url);
    if (url === null) {
      return { status: 'skip', message: 'No URL is configured for this application; set `url` in its settings to check that it answers.' };
    }
    const timeoutMs = numberSetting(ctx.settings, 'httpTimeoutMs');
    const latencyWarnMs = numberSetting(ctx.settings, 'httpLatencyWarnMs');
    const bodyMarkers = stringListSetting(ctx.settings, 'bodyMarkers');
    const errorMarkers = stringListSetting(ctx.settings, 'errorMarkers');

    const timer = withTimeout(ctx.signal, timeoutMs);
    const started = performance.now();
    let response: FetchedPage;
    try {
      response = await fetchPage(url, { signal: timer.signal, targetHost: ctx.target.host, userAgent: 'healer-http-health' });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const latencyMs = Math.round(performance.now() - started);
      if (timer.timedOut()) {
        return {
          status: 'fail',
          message: `${url} did not answer within ${timeoutMs} ms; check that the app and its web server are running and not overloaded.`,
          details: { url, latencyMs, timeoutMs },
        };
      }
      return {
        status: 'fail',
        message: `${url} could not be reached: ${describeFetchError(e)}; check that the web server is running and the URL, DNS and certificate are right.`,
        details: { url, latencyMs, error: describeFetchError(e) },
      };
    } finally {
      timer.dispose();
    }
    const latencyMs = Math.round(performance.now() - started);

    const findings: Array<{ status: CheckStatus; text: string }> = [];
    const evidence: string[] = [];
    const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status >= 500) {
      findings.push({ status: 'fail', text: `answered ${statusLine}; look at the app's error log for the cause` });
    } else if (response.status >= 400) {
      findings.push({ status: 'warn', text: `answered ${statusLine}; check the URL and the app's routing or access rules` });
    }
    if (response.status === 200 && response.bytes === 0) {
      findings.push({ status: 'fail', text: 'answered 200 with an empty body; the app may be failing silently (a blank page)' });
    }
    const present = errorMarkers.filter((m) => response.body.includes(m));
    if (present.length > 0) {
      findings.push({ status: 'fail', text: `shows error text ${present.map((m) => JSON.stringify(m)).join(', ')}` });
      evidence.push(...linesContaining(response.body, present));
    }
    const missing = bodyMarkers.filter((m) => !response.body.includes(m));
    if (missing.length > 0 && response.bytes > 0) {
      findings.push({ status: 'fail', text: `does not contain the expected text ${missing.map((m) => JSON.stringify(m)).join(', ')}` });
    }
    if (latencyMs > latencyWarnMs) {
      findings.push({ status: 'warn', text: `took ${latencyMs} ms, more than the ${latencyWarnMs} ms allowed; look for slow queries or an overloaded server` });
    }

    const status: CheckStatus = findings.some((f) => f.status === 'fail') ? 'fail' : findings.length > 0 ? 'warn' : 'pass';
    const via = response.connectTo ? ` (reached at ${response.connectTo}: ${response.connectReason})` : '';
    const message =
      findings.length === 0
        ? `${url} answered ${statusLine} in ${latencyMs} ms${via}.`
        : `${url} ${findings.map((f) => f.text).join('; it ')}.`;
    const result: CheckResult = {
      status,
      message,
      details: {
        url,
        connectTo: response.connectTo,
        finalUrl: response.finalUrl,
        status: response.status,
        latencyMs,
        bytes: response.bytes,
        truncated: response.truncated,
        ...(missing.length > 0 ? { missingMarkers: missing } : {}),
        ...(present.length > 0 ? { errorMarkersFound: present } : {}),
      },
    };
    if (evidence.length > 0) result.evidence = evidence;
    return result;
  },
};

/** The useful part of a fetch failure: undici puts the system error in `cause`. */
function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    const msg = errorMessage(cause);
    return typeof code === 'string' && !msg.includes(code) ? `${code} (${msg})` : msg;
  }
  return errorMessage(e);
}

function linesContaining(body: string, markers: string[]): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    if (markers.some((m) => line.includes(m))) out.push(line.trim().slice(0, 300));
    if (out.length >= 5) break;
  }
  return out;
}
