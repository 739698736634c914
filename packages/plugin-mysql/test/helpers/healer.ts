/**
 * A healer holding only the MySQL plugin, its state in memory, and an
 * executor that records every command (to prove what went to the target:
 * how many round trips, and that no secret was in argv or the environment).
 */
import { createHealer, LocalExecutor, MemoryStateStore, type Command, type Executor, type Healer, type ModeInput, type RunOptions, type RunResult } from '@healer/core';
import type { MysqlConfigInput } from '../../src/config.js';
import { mysqlPlugin } from '../../src/plugin.js';

export interface RecordedRun {
  command: Command;
  options: RunOptions | undefined;
}

/** A LocalExecutor (or the given one) that records every `run()`. */
export function recordingExecutor(inner: Executor = new LocalExecutor()): Executor & { runs: RecordedRun[] } {
  const runs: RecordedRun[] = [];
  return {
    runs,
    host: inner.host,
    run(command: Command, options?: RunOptions): Promise<RunResult> {
      runs.push({ command, options });
      return inner.run(command, options);
    },
    readFile: (path, o) => inner.readFile(path, o),
    writeFile: (path, data, o) => inner.writeFile(path, data, o),
    stat: (path) => inner.stat(path),
    list: (path) => inner.list(path),
    exists: (path) => inner.exists(path),
    mkdir: (path, o) => inner.mkdir(path, o),
    remove: (path) => inner.remove(path),
    rename: (from, to) => inner.rename(from, to),
    chmod: (path, mode) => inner.chmod(path, mode),
    close: () => inner.close(),
    ...(inner.info ? { info: () => inner.info!() } : {}),
  };
}

export function mysqlHealer(options: { config?: MysqlConfigInput; executor?: Executor; mode?: ModeInput; apps?: Record<string, Record<string, unknown>> } = {}): Healer {
  return createHealer({
    plugins: [{ plugin: mysqlPlugin, config: options.config ?? {} }],
    state: new MemoryStateStore(),
    sharedChecks: false,
    checkTimeoutMs: 120_000,
    breaker: { cooldownMs: 0 },
    ...(options.apps ? { apps: options.apps } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
  });
}

/** Every argv word and environment value of the recorded runs, as one text. */
export function commandText(runs: readonly RecordedRun[]): string {
  return runs
    .map((r) => JSON.stringify({ command: r.command, env: r.options?.env ?? null }))
    .join('\n');
}
