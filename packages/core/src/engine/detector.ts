/**
 * Detection: every enabled plugin's detect() in parallel; the highest
 * confidence wins; near-ties are reported.
 */
import { createHash } from 'node:crypto';
import type { AppInfo, AppSettings, Detection, Target } from '../contract/plugin.js';
import { HealerError, errorMessage, isTransportError } from '../errors.js';
import type { PluginRegistry } from './registry.js';
import { makeDetectContext, type RunEnv } from './context.js';
import { validatePath } from '../exec/paths.js';
import { withTimeout } from './with-timeout.js';

/** Confidences closer than this are a near-tie. */
export const NEAR_TIE = 0.1;

export interface DetectionCandidate {
  plugin: string;
  detection: Detection | null;
  error?: string;
}

export interface DetectionReport {
  /** The winner, or null when no plugin recognized the folder. */
  app: AppInfo | null;
  /** Every plugin's answer, best first. */
  candidates: DetectionCandidate[];
  /** Other plugins within {@link NEAR_TIE} of the winner. */
  nearTies: string[];
}

/** Stable application id from host and root. */
export function appIdFor(host: string, root: string): string {
  return createHash('sha256').update(`${host}\0${root}`).digest('hex').slice(0, 16);
}

/** How long one plugin's detect() may take by default. */
export const DETECT_TIMEOUT_MS = 15_000;

export interface DetectStackOptions {
  /** Ask only this plugin (a manual override), enabled or not. */
  plugin?: string;
  settings?: AppSettings;
  signal?: AbortSignal;
  /** Per plugin; a detect() still running then is reported as failed and its `ctx.signal` aborted. Default {@link DETECT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

export async function detectStack(
  registry: PluginRegistry,
  env: RunEnv,
  target: Target,
  options: DetectStackOptions = {},
): Promise<DetectionReport> {
  const entries = options.plugin ? [registry.get(options.plugin)] : registry.enabled();
  if (options.plugin && !entries[0]) {
    const known = registry.list().map((p) => p.plugin.name).join(', ') || 'none';
    throw new HealerError('PLUGIN_NOT_FOUND', `No plugin named "${options.plugin}" is registered (registered: ${known}).`);
  }
  const timeoutMs = options.timeoutMs ?? DETECT_TIMEOUT_MS;
  const candidates = await Promise.all(
    entries.map(async (entry): Promise<DetectionCandidate> => {
      const { plugin, config } = entry!;
      try {
        const detection = await withTimeout(timeoutMs, options.signal, 'detect()', (signal) =>
          plugin.detect(makeDetectContext(env, { target, config, settings: options.settings ?? {}, signal, pluginVersion: plugin.version }, target.path)),
        );
        const problem = detection ? invalidDetection(detection, plugin.stacks) : null;
        if (problem) return { plugin: plugin.name, detection: null, error: problem };
        return { plugin: plugin.name, detection };
      } catch (e) {
        // The target itself is out of reach: no plugin could tell; say why instead of "nothing detected".
        if (isTransportError(e)) throw e;
        env.logger.warn(`detect() of plugin ${plugin.name} failed`, { error: errorMessage(e) });
        return { plugin: plugin.name, detection: null, error: errorMessage(e) };
      }
    }),
  );
  candidates.sort((a, b) => (b.detection?.confidence ?? -1) - (a.detection?.confidence ?? -1));
  const best = candidates[0];
  if (!best?.detection) return { app: null, candidates, nearTies: [] };
  const top = best.detection.confidence;
  const nearTies = candidates
    .slice(1)
    // Rounded: 0.9 - 0.8 is 0.0999... in floating point, yet those two are a full NEAR_TIE apart.
    .filter((c) => c.detection && Math.round((top - c.detection.confidence) * 1e9) / 1e9 < NEAR_TIE)
    .map((c) => c.plugin);
  const root = best.detection.root ?? target.path;
  const app: AppInfo = {
    ...best.detection,
    version: best.detection.version ?? null,
    metadata: best.detection.metadata ?? {},
    id: appIdFor(target.host, root),
    plugin: best.plugin,
    root,
  };
  return { app, candidates, nearTies };
}

/**
 * The "no plugin recognized" message, with every detect() that failed (threw,
 * timed out, returned an unusable detection) and why: a plugin author's broken
 * detect() is named instead of looking like "not my stack".
 */
export function noStackMessage(path: string, enabled: readonly string[], candidates: readonly DetectionCandidate[]): string {
  const failed = candidates.filter((c) => c.error !== undefined).map((c) => `${c.plugin}: ${c.error}`);
  const why = failed.length > 0 ? ` detect() failed for ${failed.join('; ')}.` : '';
  return `No enabled plugin recognized an application in ${path} (enabled plugins: ${enabled.join(', ') || 'none'}).${why}`;
}

/** Why a detection cannot be used, or null. */
function invalidDetection(detection: Detection, stacks: readonly string[]): string | null {
  if (typeof detection !== 'object') return `detect() returned ${JSON.stringify(detection)} instead of a detection or null`;
  const { confidence, root } = detection;
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence <= 1)) {
    return `confidence ${JSON.stringify(confidence)} is not in (0, 1]`;
  }
  if (!stacks.includes(detection.stack)) return `stack ${JSON.stringify(detection.stack)} is not one of the plugin's stacks (${stacks.join(', ')})`;
  if (root !== undefined) {
    try {
      validatePath(root, 'detected application root');
    } catch (e) {
      return errorMessage(e);
    }
  }
  return null;
}

