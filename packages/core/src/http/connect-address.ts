/**
 * Where to connect to reach an app's URL: its host name as DNS has it, or,
 * when that name does not lead to the app's server (or to nothing), the
 * server itself on the URL's port, still asking for the name (Host header
 * and TLS SNI), as a visitor's browser would once DNS is right.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** How a page was reached. */
export interface ConnectChoice {
  /** The address connected to instead of what DNS gives for the URL's host, or null when DNS was used. */
  connectTo: string | null;
  /** Why, in a few words. */
  reason: string;
}

/** The host of an executor's host id: `local` -> null; `ssh://user@host:port` -> `host`. */
export function serverHostOf(targetHost: string): string | null {
  if (targetHost === 'local' || targetHost === '') return null;
  try {
    const u = new URL(targetHost.includes('://') ? targetHost : `ssh://${targetHost}`);
    return u.hostname.replace(/^\[(.*)\]$/, '$1') || null;
  } catch {
    return null;
  }
}

async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === '::ffff:127.0.0.1';
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * Decide where to connect for `url` when the app lives on `targetHost`
 * (`local` or an SSH host id). A URL whose host is an IP address is used as
 * it is. A name that resolves to the server (this machine, or the SSH
 * target's addresses) is used as it is; otherwise the server is asked
 * directly: `127.0.0.1` locally, the SSH target's host remotely.
 */
export async function chooseConnectAddress(url: string | URL, targetHost = 'local'): Promise<ConnectChoice> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const name = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(name)) return { connectTo: null, reason: 'the URL names an address' };
  const server = serverHostOf(targetHost);
  const resolved = await addressesOf(name);
  if (server === null) {
    const mine = localAddresses();
    if (resolved.some((a) => isLoopback(a) || mine.has(a))) return { connectTo: null, reason: `${name} resolves to this server` };
    return {
      connectTo: '127.0.0.1',
      reason: resolved.length === 0 ? `${name} does not resolve` : `${name} resolves to ${resolved[0]}, not to this server`,
    };
  }
  const serverAddresses = await addressesOf(server);
  if (resolved.some((a) => serverAddresses.includes(a))) return { connectTo: null, reason: `${name} resolves to the server ${server}` };
  return {
    connectTo: serverAddresses[0] ?? server,
    reason: resolved.length === 0 ? `${name} does not resolve` : `${name} resolves to ${resolved[0]}, not to the server ${server}`,
  };
}
