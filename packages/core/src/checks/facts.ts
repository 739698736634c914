/**
 * `facts`: the probes many checks share (disk, memory, load, uname, ports,
 * processes, command versions), run once per host per run through the
 * {@link Executor}, so they work the same locally and over SSH.
 */
import type { Command, Executor, RunResult } from '../contract/executor.js';
import type { DiskFacts, Facts, ListeningPort, LoadFacts, MemoryFacts, ProcessInfo } from '../contract/facts.js';
import { HealerError } from '../errors.js';
import { validatePath } from '../exec/paths.js';
import {
  firstLine,
  parseDf,
  parseLoadavg,
  parseMeminfo,
  parseProcesses,
  parseProcNetTcp,
  parseSsListening,
  parseUname,
} from './parse-facts.js';

export interface FactsOptions {
  /**
   * Timeout of each probe command. Probes are shared between checks, so they
   * do not follow one check's signal; this bounds a stuck `df` on a dead
   * network mount instead. Default 15 000 ms.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const PROC_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Create the facts of one host for one run. Create a new one per run: values
 * are never refreshed.
 *
 * `get(key, probe)` memoizes the promise, so concurrent callers share one
 * probe. A probe that rejects is dropped from the cache once it settles:
 * callers already waiting on it see the rejection, and the next call runs the
 * probe again. Built-in probes use keys starting with `core:`; plugins should
 * namespace theirs (`'php:modules'`).
 *
 * @example
 * const facts = createFacts(new LocalExecutor());
 * const { usedPercent } = await facts.disk('/var/www/site');
 */
export function createFacts(exec: Executor, options: FactsOptions = {}): Facts {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cache = new Map<string, Promise<unknown>>();

  function get<T>(key: string, probe: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit as Promise<T>;
    const pending = Promise.resolve().then(probe);
    cache.set(key, pending);
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return pending;
  }

  const run = (command: Command): Promise<RunResult> => exec.run(command, { timeoutMs, maxOutputBytes: 8 * 1024 * 1024 });

  async function readText(path: string): Promise<string> {
    return Buffer.from(await exec.readFile(path, { maxBytes: PROC_FILE_MAX_BYTES })).toString('utf8');
  }

  const facts: Facts = {
    get,

    async disk(path: string): Promise<DiskFacts> {
      validatePath(path);
      return get(`core:disk:${path}`, async () => {
        const [bytes, inodes] = await Promise.all([
          run(['df', '-P', '-B1', '--', path]).then((r) => parseDf(output(exec.host, r, 'df'))),
          run(['df', '-P', '-i', '--', path]).then((r) => parseDf(output(exec.host, r, 'df'))),
        ]);
        return {
          mount: bytes.mount,
          totalBytes: bytes.total,
          availableBytes: bytes.available,
          usedPercent: bytes.usedPercent,
          inodesTotal: inodes.total,
          inodesFree: inodes.available,
          inodesUsedPercent: inodes.usedPercent,
        };
      });
    },

    memory(): Promise<MemoryFacts> {
      return get('core:memory', async () => parseMeminfo(await readText('/proc/meminfo')));
    },

    load(): Promise<LoadFacts> {
      return get('core:load', async () => {
        const [avg, cpus] = await Promise.all([readText('/proc/loadavg').then(parseLoadavg), countCpus()]);
        return { ...avg, cpus };
      });
    },

    uname() {
      return get('core:uname', async () => {
        const [uname, hostname] = await Promise.all([
          run(['uname', '-srm']).then((r) => output(exec.host, r, 'uname')),
          readHostname(),
        ]);
        return { ...parseUname(uname), hostname };
      });
    },

    listeningPorts(): Promise<ListeningPort[]> {
      return get('core:listening-ports', async () => {
        const ss = await run(['ss', '-Hltnp']);
        // Missing ss, or one too old for -H: read the kernel's tables instead (no owning process then).
        if (ss.exitCode === 0) return parseSsListening(ss.stdout);
        const [v4, v6] = await Promise.all([readOptional('/proc/net/tcp'), readOptional('/proc/net/tcp6')]);
        if (v4 === null && v6 === null) {
          throw new HealerError('COMMAND_FAILED', `Cannot list listening ports on ${exec.host}: ss failed and /proc/net/tcp is not readable.`);
        }
        return [...parseProcNetTcp(v4 ?? '', 'tcp'), ...parseProcNetTcp(v6 ?? '', 'tcp6')];
      });
    },

    processes(): Promise<ProcessInfo[]> {
      return get('core:processes', async () =>
        parseProcesses(output(exec.host, await run(['ps', '-eo', 'pid=,ppid=,user=,rss=,args=']), 'ps')),
      );
    },

    async commandVersion(command: string, args: string[] = ['--version']): Promise<string | null> {
      if (command.length === 0) throw new HealerError('INVALID_ARGUMENT', 'commandVersion needs a command name.');
      return get(`core:version:${[command, ...args].join('\0')}`, async () => {
        const result = await run([command, ...args]);
        // 127: not found; 126: found but not executable. Either way there is no usable command.
        if (result.exitCode === 127 || result.exitCode === 126) return null;
        output(exec.host, result, command);
        return firstLine(result.stdout) ?? firstLine(result.stderr) ?? '';
      });
    },
  };

  async function countCpus(): Promise<number> {
    const nproc = await run(['nproc']);
    if (nproc.exitCode === 0) return parsePositiveInt(nproc.stdout, 'nproc');
    const getconf = await run(['getconf', '_NPROCESSORS_ONLN']);
    return parsePositiveInt(output(exec.host, getconf, 'getconf'), 'getconf');
  }

  async function readHostname(): Promise<string> {
    const result = await run(['hostname']);
    if (result.exitCode === 0) return result.stdout.trim();
    return (output(exec.host, await run(['uname', '-n']), 'uname')).trim();
  }

  async function readOptional(path: string): Promise<string | null> {
    try {
      return await readText(path);
    } catch {
      return null;
    }
  }

  return facts;
}

/** stdout of a probe that must succeed; a coded error that says why otherwise. */
function output(host: string, result: RunResult, name: string): string {
  if (result.timedOut) {
    throw new HealerError('COMMAND_TIMEOUT', `${name} did not finish in time on ${host}.`, { details: { durationMs: result.durationMs } });
  }
  if (result.exitCode === 127) {
    throw new HealerError('COMMAND_FAILED', `${name} is not installed on ${host}.`, { details: { exitCode: 127 } });
  }
  if (result.exitCode !== 0) {
    const reason = firstLine(result.stderr) ?? `exit code ${String(result.exitCode ?? result.signal)}`;
    throw new HealerError('COMMAND_FAILED', `${name} failed on ${host}: ${reason}`, {
      details: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
    });
  }
  return result.stdout;
}

function parsePositiveInt(text: string, name: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) throw new HealerError('COMMAND_FAILED', `${name} printed an unexpected CPU count: ${JSON.stringify(text.trim())}.`);
  return n;
}
