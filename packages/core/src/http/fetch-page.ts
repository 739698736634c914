/**
 * One GET of an app's page, the way a visitor's browser makes it, with an
 * optional address to connect to instead of DNS (see {@link chooseConnectAddress}):
 * the Host header and TLS SNI still carry the URL's name, and the certificate
 * is checked against that name.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { HealerError } from '../errors.js';
import { chooseConnectAddress } from './connect-address.js';

/** At most this much of a body is read. */
export const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface FetchedPage {
  status: number;
  statusText: string;
  /** The URL of the last answer, after redirects. */
  finalUrl: string;
  /** The body as UTF-8, cut at {@link MAX_PAGE_BYTES}. */
  body: string;
  bytes: number;
  truncated: boolean;
  /** The address connected to for the first request instead of DNS, or null when DNS was used. */
  connectTo: string | null;
  /** Why that address was chosen. */
  connectReason: string;
}

export interface FetchPageOptions {
  signal?: AbortSignal;
  /** The executor's host id of the app's server (`local` or `ssh://...`): decides where to connect. Default `local`. */
  targetHost?: string;
  userAgent?: string;
}

/**
 * GET `url`, following up to 5 redirects. Each host name met is reached
 * through {@link chooseConnectAddress}. Rejects like `fetch` does on a
 * network error (the system error in `cause`) or when `signal` aborts.
 */
export async function fetchPage(url: string, options: FetchPageOptions = {}): Promise<FetchedPage> {
  try {
    return await fetchFollowing(url, options);
  } catch (e) {
    // Like fetch: an aborted request rejects with the signal's reason (a timeout, a cancelled run).
    if (options.signal?.aborted) throw options.signal.reason ?? e;
    throw e;
  }
}

async function fetchFollowing(url: string, options: FetchPageOptions): Promise<FetchedPage> {
  const targetHost = options.targetHost ?? 'local';
  const choices = new Map<string, { connectTo: string | null; reason: string }>();
  let current = new URL(url);
  let first: { connectTo: string | null; reason: string } | null = null;
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new HealerError('INVALID_ARGUMENT', `Only http and https URLs can be requested; got ${current.protocol}`);
    }
    let choice = choices.get(current.host);
    if (!choice) {
      choice = await chooseConnectAddress(current, targetHost);
      choices.set(current.host, choice);
    }
    first ??= choice;
    const res = await getOnce(current, choice.connectTo, options);
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location && hop < MAX_REDIRECTS) {
      res.resume();
      current = new URL(location, current);
      continue;
    }
    const { body, bytes, truncated } = await readBody(res);
    return {
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      finalUrl: current.toString(),
      body,
      bytes,
      truncated,
      connectTo: first.connectTo,
      connectReason: first.reason,
    };
  }
}

function getOnce(url: URL, connectTo: string | null, options: FetchPageOptions): Promise<IncomingMessage> {
  const lookup: LookupFunction | undefined =
    connectTo === null
      ? undefined
      : (_host, opts, cb) => {
          const family = isIP(connectTo) === 6 ? 6 : 4;
          if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: connectTo, family }]);
          else cb(null, connectTo, family);
        };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { 'user-agent': options.userAgent ?? 'healer', accept: 'text/html,*/*' },
        ...(lookup ? { lookup } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        // SNI and the certificate check use the URL's name, not the address connected to.
        ...(url.protocol === 'https:' && !isIP(url.hostname) ? { servername: url.hostname } : {}),
      },
      resolve,
    );
    req.on('error', (e) => reject(Object.assign(new Error(`fetch failed: ${e.message}`), { cause: e })));
    req.end();
  });
}

async function readBody(res: IncomingMessage): Promise<{ body: string; bytes: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const room = MAX_PAGE_BYTES - bytes;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    bytes += Math.min(chunk.length, room);
    if (bytes >= MAX_PAGE_BYTES) {
      truncated = true;
      res.destroy();
      break;
    }
  }
  return { body: Buffer.concat(chunks).toString('utf8'), bytes, truncated };
}
