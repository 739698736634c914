/**
 * Builds a real CheckContext for tests: a LocalExecutor, real facts, a live
 * AbortSignal and a logger that records instead of printing.
 */
import type { Executor } from '../../src/contract/executor.js';
import type { Facts } from '../../src/contract/facts.js';
import type { HealerFs } from '../../src/contract/fs.js';
import type { AppInfo, AppSettings, CheckContext, Logger, Target } from '../../src/contract/plugin.js';
import { createFacts } from '../../src/checks/facts.js';
import { defaultBackupRoot } from '../../src/backup/file-backup.js';
import { isHealerError, HealerError } from '../../src/errors.js';
import { LocalExecutor } from '../../src/exec/local-executor.js';
import { isPathWithin, validatePath } from '../../src/exec/paths.js';
import { CORE_VERSION } from '../../src/version.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

export interface MakeCheckContextOptions<C> {
  /** The application root (absolute). */
  root: string;
  settings?: AppSettings;
  config?: C;
  /** Default: a new LocalExecutor. */
  exec?: Executor;
  /** Default: `createFacts(exec)`, fresh per context. */
  facts?: Facts;
  /** Default: a confined fs over `exec` with the app root as the only write root. */
  fs?: HealerFs;
  /** Merged over the default detected app (plugin `test`, stack `test`). */
  app?: Partial<AppInfo>;
  target?: Partial<Target>;
  since?: Date;
  /** Default: `<parent of root>/.healer-backups`. */
  backupRoot?: string;
}

/** A CheckContext plus what a test needs to drive and inspect it. */
export type TestCheckContext<C> = CheckContext<C> & {
  /** Abort `signal`, as a runner's timeout or a cancel would. */
  abort(reason?: unknown): void;
  /** Everything logged through `logger`. */
  logs: LogEntry[];
  /** Everything registered through `secrets.add`. */
  secretValues: string[];
};

export function makeCheckContext<C = unknown>(options: MakeCheckContextOptions<C>): TestCheckContext<C> {
  const exec = options.exec ?? new LocalExecutor();
  const settings = options.settings ?? {};
  const controller = new AbortController();
  const logs: LogEntry[] = [];
  const secretValues: string[] = [];
  const log =
    (level: LogEntry['level']) =>
    (message: string, data?: Record<string, unknown>): void => {
      logs.push(data === undefined ? { level, message } : { level, message, data });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const target: Target = { host: exec.host, path: options.root, ...options.target };
  if (target.url === undefined && typeof settings.url === 'string') target.url = settings.url;
  const app: AppInfo = {
    id: `test:${options.root}`,
    plugin: 'test',
    stack: 'test',
    confidence: 1,
    evidence: [],
    root: options.root,
    metadata: {},
    ...options.app,
  };
  return {
    target,
    app,
    exec,
    fs: options.fs ?? confinedFs(exec, [options.root]),
    facts: options.facts ?? createFacts(exec),
    config: options.config as C,
    settings,
    logger,
    secrets: {
      add(value) {
        if (value) secretValues.push(value);
      },
    },
    signal: controller.signal,
    versions: { core: CORE_VERSION, plugin: '0.0.0' },
    backupRoot: options.backupRoot ?? defaultBackupRoot(options.root),
    ...(options.since ? { since: options.since } : {}),
    abort: (reason?: unknown) => controller.abort(reason),
    logs,
    secretValues,
  };
}

/** A minimal HealerFs over an executor: reads anywhere, writes only under `writeRoots`. */
function confinedFs(exec: Executor, writeRoots: string[]): HealerFs {
  const guard = (path: string): string => {
    validatePath(path);
    if (!writeRoots.some((root) => isPathWithin(root, path))) {
      throw new HealerError('PATH_OUTSIDE_ROOTS', `Refusing to write ${path}: it is outside ${writeRoots.join(', ')}.`);
    }
    return path;
  };
  return {
    writeRoots,
    readFile: (path, opts) => exec.readFile(path, opts),
    async readText(path, opts) {
      try {
        return Buffer.from(await exec.readFile(path, opts)).toString('utf8');
      } catch (e) {
        if (isHealerError(e, 'FILE_NOT_FOUND')) return null;
        throw e;
      }
    },
    writeFile: (path, data, opts) => exec.writeFile(guard(path), data, opts),
    stat: (path) => exec.stat(path),
    list: (path) => exec.list(path),
    exists: (path) => exec.exists(path),
    mkdir: (path, opts) => exec.mkdir(guard(path), opts),
    remove: (path) => exec.remove(guard(path)),
    rename: (from, to) => exec.rename(guard(from), guard(to)),
    chmod: (path, mode) => exec.chmod(guard(path), mode),
  };
}
