/**
 * `laravel/env-public`: GET `/.env` through the app's address. A web server
 * whose document root is the app root (not `public/`) serves `.env` as a
 * file: the key and every password to anyone. The body is never shown.
 */
import { errorMessage, fetchPage } from '@healer/core';
import { CHECK } from './ids.js';
import { skip, type LaravelCheck } from './shared.js';

/** A body that is a dotenv file: several `NAME=value` lines, Laravel's own among them. */
export function looksLikeDotenv(body: string): boolean {
  const lines = body.split(/\r?\n/).filter((l) => /^\s*(?:export\s+)?[A-Z_][A-Z0-9_]*\s*=/.test(l));
  return lines.length >= 2 && lines.some((l) => /^\s*(?:export\s+)?(APP_|DB_)[A-Z_]*\s*=/.test(l));
}

export const envPublicCheck: LaravelCheck = {
  id: CHECK.envPublic,
  title: '.env is not served to visitors',
  category: 'security',
  severity: 'critical',
  description: 'GET /.env through the app address: it must not answer with the file.',
  timeoutMs: 20_000,
  async run(ctx) {
    const url = typeof ctx.settings.url === 'string' ? ctx.settings.url : null;
    if (!url) return skip('The app address is unknown (set the app setting url, or APP_URL in .env).');
    const target = new URL('/.env', url).toString();
    let page;
    try {
      page = await fetchPage(target, { signal: ctx.signal, targetHost: ctx.target.host });
    } catch (e) {
      return { status: 'skip', message: `${target} could not be fetched: ${errorMessage(e)}` };
    }
    const details = { url: target, status: page.status, connectTo: page.connectTo, urlSource: ctx.settings.urlSource ?? null };
    if (page.status === 200 && looksLikeDotenv(page.body)) {
      return {
        status: 'fail',
        message: `${target} answers 200 with the .env file: APP_KEY and the database password are public. Serve ${ctx.app.root}/public as the document root (or deny dot files), then change every secret in .env.`,
        details: { ...details, bytes: page.bytes },
        evidence: [`GET ${target} -> ${page.status}, a dotenv body of ${page.bytes} bytes (not shown)`],
      };
    }
    return { status: 'pass', message: `${target} answers ${page.status}: .env is not served.`, details };
  },
};
