/** Detection: a `package.json` app that is not Next.js. */
import { posix } from 'node:path';
import type { AppInfo, DetectContext, Detection, HealerFs } from '@healer/core';
import type { NodeRuntimeConfig } from './config.js';
import type { NodeAppMeta, NodeRunner, PackageManager } from './types.js';

/** Lockfiles, by the package manager that writes them, in order of preference. */
export const LOCKFILES: ReadonlyArray<{ file: string; manager: PackageManager }> = [
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'package-lock.json', manager: 'npm' },
];

/** Files detection reads besides `package.json` (batched by discovery). */
export const DETECT_FILES: string[] = LOCKFILES.map((l) => l.file);

const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

/** A parsed package.json, loosely typed. */
export interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  engines?: { node?: unknown };
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  packageManager?: unknown;
}

/** Read and parse `<root>/package.json`; null when absent or not a JSON object. */
export async function readPackageJson(fs: Pick<HealerFs, 'readText'>, root: string): Promise<PackageJson | null> {
  const text = await fs.readText(posix.join(root, 'package.json'), { maxBytes: MAX_PACKAGE_JSON_BYTES });
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as PackageJson) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const names = (v: unknown): string[] => (v !== null && typeof v === 'object' ? Object.keys(v).sort() : []);

/** True when `next` is a dependency (the Next.js plugin's app, not this one's). */
export function isNextApp(pkg: PackageJson): boolean {
  return names(pkg.dependencies).includes('next') || names(pkg.devDependencies).includes('next');
}

/** How the app is run, from the configuration: pm2, then systemd, then commands. */
export function runnerFromConfig(config: Partial<Pick<NodeRuntimeConfig, 'pm2Name' | 'systemdUnit' | 'commands'>>): NodeRunner {
  if (config.pm2Name) return { kind: 'pm2', name: config.pm2Name };
  if (config.systemdUnit) return { kind: 'systemd', unit: config.systemdUnit };
  if (config.commands) {
    const { start, stop, status } = config.commands;
    return { kind: 'commands', start: [...start], ...(stop ? { stop: [...stop] } : {}), ...(status ? { status: [...status] } : {}) };
  }
  return { kind: 'unknown' };
}

/**
 * The Node metadata of the app in `root`: package.json fields, the package
 * manager by lockfile, and how the app is run. Reusable by any Node
 * framework plugin (its detection adds its own fields beside these).
 */
export async function readNodeApp(
  ctx: { fs: Pick<HealerFs, 'readText' | 'exists'>; config: Partial<NodeRuntimeConfig> },
  root: string,
  pkg: PackageJson,
): Promise<NodeAppMeta> {
  let lockfile: string | null = null;
  let manager: PackageManager = 'npm';
  for (const l of LOCKFILES) {
    if (await ctx.fs.exists(posix.join(root, l.file))) {
      lockfile = l.file;
      manager = l.manager;
      break;
    }
  }
  if (lockfile === null) {
    // Corepack's field names the manager when no lockfile exists yet.
    const declared = str(pkg.packageManager)?.split('@')[0];
    if (declared === 'pnpm' || declared === 'yarn') manager = declared;
  }
  const dependencies = names(pkg.dependencies);
  return {
    name: str(pkg.name),
    version: str(pkg.version),
    framework: dependencies.includes('express') ? 'express' : null,
    packageManager: manager,
    lockfile,
    enginesNode: str(pkg.engines?.node),
    main: str(pkg.main),
    startScript: str(pkg.scripts?.start),
    dependencies,
    devDependencies: names(pkg.devDependencies),
    runner: runnerFromConfig(ctx.config),
  };
}

/** Recognize a Node.js app (not Next.js) in `ctx.path`. */
export async function detectNodeApp(ctx: DetectContext<NodeRuntimeConfig>): Promise<Detection<NodeAppMeta> | null> {
  const root = ctx.path;
  const pkg = await readPackageJson(ctx.fs, root);
  if (pkg === null || isNextApp(pkg)) return null;
  const meta = await readNodeApp(ctx, root, pkg);
  const evidence = ['package.json found'];
  if (meta.framework) evidence.push(`${meta.framework} is a dependency`);
  evidence.push(meta.lockfile ? `${meta.lockfile}: ${meta.packageManager}` : `no lockfile: ${meta.packageManager} assumed`);
  if (meta.enginesNode) evidence.push(`engines.node ${meta.enginesNode}`);
  if (meta.runner.kind !== 'unknown') evidence.push(`run by ${meta.runner.kind}`);
  // A bare package.json is weak evidence (tooling folders have one too); a server entry point or framework is stronger.
  const confidence = meta.framework ? 0.8 : meta.startScript || meta.main ? 0.6 : 0.4;
  return { stack: 'nodejs', version: meta.version, confidence, evidence, metadata: { ...meta }, root };
}

/** The Node metadata of a detected app, typed. Any plugin whose detection stored `readNodeApp()`'s fields works. */
export function nodeMeta(app: Pick<AppInfo<NodeAppMeta>, 'metadata'>): NodeAppMeta {
  return app.metadata;
}
