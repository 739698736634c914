/**
 * Contexts for calling the plugin's detection and operations directly on a
 * test site, without the engine: a real executor (optionally recording every
 * command), real facts, a secret sink that remembers what was registered.
 */
import { createFacts, createHealerFs, defaultBackupRoot, LocalExecutor, type AppInfo, type CheckContext, type Command, type DetectContext, type Executor, type RunOptions, type RunResult } from '@healer/core';
import { wordpressConfigSchema, type WordpressConfig, type WordpressConfigInput } from '../../src/config.js';
import { detectWordpress } from '../../src/detect.js';
import type { WpMetadata } from '../../src/types.js';

/** An executor that records every command it runs (argv, options), then runs it for real. */
export class RecordingExecutor extends LocalExecutor {
  readonly commands: Array<{ command: Command; options: RunOptions | undefined }> = [];
  override run(command: Command, options?: RunOptions): Promise<RunResult> {
    this.commands.push({ command, options });
    return super.run(command, options);
  }
}

export interface SiteContext extends CheckContext<WordpressConfig, WpMetadata> {
  /** Every value given to `secrets.add`. */
  registered: string[];
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Detection's context for `path`. */
export function detectContext(path: string, options: { exec?: Executor; config?: WordpressConfigInput; registered?: string[] } = {}): DetectContext<WordpressConfig> {
  const exec = options.exec ?? new LocalExecutor();
  const registered = options.registered ?? [];
  return {
    target: { host: 'local', path },
    exec,
    fs: createHealerFs(exec, []),
    facts: createFacts(exec),
    config: wordpressConfigSchema.parse(options.config ?? {}),
    settings: {},
    logger: silent,
    secrets: { add: (v) => void (v ? registered.push(v) : undefined) },
    signal: new AbortController().signal,
    versions: { core: '1.0.0', plugin: '1.0.0' },
    path,
  };
}

/** Detect the site at `root` and return a check context for it (throws when nothing is detected). */
export async function siteContext(root: string, options: { exec?: Executor; config?: WordpressConfigInput } = {}): Promise<SiteContext> {
  const registered: string[] = [];
  const dctx = detectContext(root, { ...options, registered });
  const detection = await detectWordpress(dctx);
  if (!detection?.metadata) throw new Error(`No WordPress detected in ${root}`);
  const app: AppInfo<WpMetadata> = { ...detection, version: detection.version ?? null, id: 'test-app', plugin: 'wordpress', root: detection.root ?? root, metadata: detection.metadata };
  const { path: _path, ...base } = dctx;
  return { ...base, app, backupRoot: defaultBackupRoot(app.root), registered };
}
