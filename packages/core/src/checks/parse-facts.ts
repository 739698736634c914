/**
 * Pure parsers for the output of the commands and files behind `facts`.
 * They never run anything, so they work the same on output captured over SSH.
 */
import type { ListeningPort, MemoryFacts, ProcessInfo } from '../contract/facts.js';

/** One row of `df -P` output (bytes with `-B1`, inodes with `-i`). */
export interface DfRow {
  filesystem: string;
  /** Total blocks (bytes with `-B1`) or inodes; 0 when the filesystem reports `-`. */
  total: number;
  used: number;
  available: number;
  /** `used / (used + available) * 100`, the formula `df` itself rounds; 0 when nothing is reported. */
  usedPercent: number;
  mount: string;
}

const DF_ROW = /^(.*?\S)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/;

/**
 * Parse `df -P -B1 -- PATH` or `df -P -i -- PATH`: the last data row (the
 * filesystem holding PATH). Throws when no row can be read.
 */
export function parseDf(output: string): DfRow {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = DF_ROW.exec(lines[i]!);
    if (!m) continue;
    const total = toCount(m[2]!);
    const used = toCount(m[3]!);
    const available = toCount(m[4]!);
    const denominator = used + available;
    return {
      filesystem: m[1]!,
      total,
      used,
      available,
      usedPercent: denominator > 0 ? (used / denominator) * 100 : 0,
      mount: m[6]!,
    };
  }
  throw new Error(`Unrecognized df output: ${JSON.stringify(output.slice(0, 200))}`);
}

function toCount(field: string): number {
  return field === '-' ? 0 : Number(field);
}

/**
 * Parse `/proc/meminfo` (values in kB). Falls back to `MemFree + Buffers +
 * Cached` on kernels older than 3.14, which have no `MemAvailable`.
 */
export function parseMeminfo(text: string): MemoryFacts {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('No MemTotal line in /proc/meminfo.');
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return {
    totalBytes: total,
    availableBytes: available,
    swapTotalBytes: kb.get('SwapTotal') ?? 0,
    swapFreeBytes: kb.get('SwapFree') ?? 0,
  };
}

/** Parse `/proc/loadavg`: the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined || [a, b, c].some((n) => !Number.isFinite(n))) {
    throw new Error(`Unrecognized /proc/loadavg: ${JSON.stringify(text.slice(0, 100))}`);
  }
  return { load1: a, load5: b, load15: c };
}

/** Parse `uname -srm`: kernel name, release, machine. */
export function parseUname(output: string): { kernel: string; release: string; machine: string } {
  const parts = output.trim().split(/\s+/);
  if (parts.length < 3) throw new Error(`Unrecognized uname output: ${JSON.stringify(output.slice(0, 200))}`);
  return { kernel: parts[0]!, release: parts.slice(1, -1).join(' '), machine: parts[parts.length - 1]! };
}

/**
 * Parse `ss -Hltnp` (TCP listeners, no header). `*` is a dual-stack IPv6
 * wildcard and is reported as `::` over `tcp6`. The owning process is only
 * visible for sockets the probing user may inspect.
 */
export function parseSsListening(output: string): ListeningPort[] {
  const ports: ListeningPort[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // State Recv-Q Send-Q Local:Port Peer:Port [Process]
    if (fields.length < 5 || fields[0] !== 'LISTEN') continue;
    const local = splitHostPort(fields[3]!);
    if (!local) continue;
    const entry: ListeningPort = { protocol: local.v6 ? 'tcp6' : 'tcp', address: local.address, port: local.port };
    const owner = /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(line);
    if (owner) {
      entry.process = owner[1]!;
      entry.pid = Number(owner[2]);
    }
    ports.push(entry);
  }
  return dedupePorts(ports);
}

function splitHostPort(field: string): { address: string; port: number; v6: boolean } | null {
  const cut = field.lastIndexOf(':');
  if (cut <= 0) return null;
  const port = Number(field.slice(cut + 1));
  if (!Number.isInteger(port)) return null;
  let host = field.slice(0, cut);
  if (host === '*') return { address: '::', port, v6: true };
  const v6 = host.startsWith('[');
  if (v6) host = host.slice(1, -1);
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  return { address: host, port, v6 };
}

/**
 * Parse `/proc/net/tcp` or `/proc/net/tcp6`: the sockets in state `0A`
 * (LISTEN). Addresses are hex words in host byte order (little-endian on
 * the machines Healer targets).
 */
export function parseProcNetTcp(text: string, protocol: 'tcp' | 'tcp6'): ListeningPort[] {
  const ports: ListeningPort[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== '0A') continue;
    const local = fields[1]!;
    const cut = local.indexOf(':');
    if (cut < 0) continue;
    const hex = local.slice(0, cut);
    const port = parseInt(local.slice(cut + 1), 16);
    const address = hex.length === 8 ? hexToIpv4(hex) : hex.length === 32 ? hexToIpv6(hex) : null;
    if (address === null || !Number.isInteger(port)) continue;
    ports.push({ protocol, address, port });
  }
  return dedupePorts(ports);
}

function hexToIpv4(hex: string): string {
  const bytes = littleEndianWord(hex);
  return bytes.join('.');
}

function littleEndianWord(hex: string): number[] {
  const out: number[] = [];
  for (let i = 6; i >= 0; i -= 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

function hexToIpv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) bytes.push(...littleEndianWord(hex.slice(w * 8, w * 8 + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  return compressIpv6(groups);
}

/** RFC 5952 text form: the longest run (>= 2) of zero groups becomes `::`. */
function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function dedupePorts(ports: ListeningPort[]): ListeningPort[] {
  const seen = new Set<string>();
  return ports.filter((p) => {
    const key = `${p.protocol} ${p.address} ${p.port} ${p.pid ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parse `ps -eo pid=,ppid=,user=,rss=,args=` (RSS in KiB). */
export function parseProcesses(output: string): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\d+)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    list.push({ pid: Number(m[1]), ppid: Number(m[2]), user: m[3]!, rssBytes: Number(m[4]) * 1024, command: (m[5] ?? '').trim() });
  }
  return list;
}

/** The first non-empty line of `text`, trimmed; null when there is none. */
export function firstLine(text: string): string | null {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length > 0) return t;
  }
  return null;
}
