/** Detection: `next` in the dependencies plus a `next.config.*` or a `.next/` folder. */
import { posix } from 'node:path';
import type { AppInfo, DetectContext, Detection } from '@healer/core';
import { DETECT_FILES, isNextApp, readNodeApp, readPackageJson } from '@healer/plugin-nodejs';
import type { NextjsConfig } from './config.js';
import { NEXT_CONFIG_FILES, parseOutputMode } from './next-config.js';
import type { NextAppMeta } from './types.js';

/** Files detection reads besides `package.json` (batched by discovery). */
export const NEXT_DETECT_FILES: string[] = [...DETECT_FILES, ...NEXT_CONFIG_FILES, '.next/BUILD_ID', 'node_modules/next/package.json'];

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The declared `next` range from package.json. */
function declaredNext(pkg: { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> }): string | null {
  return str(pkg.dependencies?.next) ?? str(pkg.devDependencies?.next);
}

/** `node_modules/next/package.json`, parsed; null when absent or unreadable. */
function parseInstalled(text: string | null): { version?: unknown; engines?: { node?: unknown } } | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as { version?: unknown; engines?: { node?: unknown } }) : null;
  } catch {
    return null;
  }
}

/** Recognize a Next.js app in `ctx.path`. */
export async function detectNextApp(ctx: DetectContext<NextjsConfig>): Promise<Detection<NextAppMeta> | null> {
  const root = ctx.path;
  const pkg = await readPackageJson(ctx.fs, root);
  if (pkg === null || !isNextApp(pkg)) return null;
  let configFile: string | null = null;
  let configText: string | null = null;
  for (const name of NEXT_CONFIG_FILES) {
    configText = await ctx.fs.readText(posix.join(root, name), { maxBytes: 256 * 1024 });
    if (configText !== null) {
      configFile = name;
      break;
    }
  }
  const hasDist = await ctx.fs.exists(posix.join(root, '.next'));
  if (configFile === null && !hasDist) return null;

  const node = await readNodeApp(ctx, root, pkg);
  const installedText = await ctx.fs.readText(posix.join(root, 'node_modules/next/package.json'), { maxBytes: 1024 * 1024 });
  const installed = parseInstalled(installedText);
  const installedVersion = str(installed?.version);
  const buildId = (await ctx.fs.readText(posix.join(root, '.next/BUILD_ID'), { maxBytes: 256 }))?.trim() || null;
  const meta: NextAppMeta = {
    ...node,
    nextVersion: installedVersion ?? declaredNext(pkg),
    nextInstalled: installedVersion !== null,
    nextEnginesNode: str(installed?.engines?.node),
    configFile,
    outputMode: configText === null ? 'default' : parseOutputMode(configText),
    buildId,
  };
  const evidence = ['next is a dependency'];
  if (configFile) evidence.push(`${configFile} found`);
  if (hasDist) evidence.push('.next/ found');
  if (meta.nextVersion) evidence.push(meta.nextInstalled ? `next ${meta.nextVersion} installed` : `next ${meta.nextVersion} declared, not installed`);
  if (meta.outputMode !== 'default') evidence.push(`output: '${meta.outputMode}'`);
  evidence.push(buildId ? `build ${buildId}` : 'no production build');
  evidence.push(node.lockfile ? `${node.lockfile}: ${node.packageManager}` : `no lockfile: ${node.packageManager} assumed`);
  return { stack: 'nextjs', version: meta.nextVersion, confidence: 0.9, evidence, metadata: { ...meta }, root };
}

/** The Next metadata of a detected app, typed. */
export function nextMeta(app: Pick<AppInfo<NextAppMeta>, 'metadata'>): NextAppMeta {
  return app.metadata;
}
