/**
 * Detection: every enabled plugin's detect() in parallel; the highest
 * confidence wins; near-ties are reported.
 */
import { createHash } from 'node:crypto';
import type { AppInfo, AppSettings, Detection, Target } from '../contract/plugin.js';
import { HealerError, errorMessage } from '../errors.js';
import type { PluginRegistry } from './registry.js';
import { makeDetectContext, type RunEnv } from './context.js';

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

export async function detectStack(
  registry: PluginRegistry,
  env: RunEnv,
  target: Target,
  options: { plugin?: string; settings?: AppSettings; signal?: AbortSignal } = {},
): Promise<DetectionReport> {
  const entries = options.plugin ? [registry.get(options.plugin)] : registry.enabled();
  if (options.plugin && !entries[0]) {
    throw new HealerError('PLUGIN_NOT_FOUND', `No plugin named "${options.plugin}" is registered.`);
  }
  const signal = options.signal ?? new AbortController().signal;
  const candidates = await Promise.all(
    entries.map(async (entry): Promise<DetectionCandidate> => {
      const { plugin, config } = entry!;
      try {
        const ctx = makeDetectContext(env, { target, config, settings: options.settings ?? {}, signal, pluginVersion: plugin.version }, target.path);
        const detection = await plugin.detect(ctx);
        if (detection && !(detection.confidence > 0 && detection.confidence <= 1)) {
          return { plugin: plugin.name, detection: null, error: `confidence ${detection.confidence} is outside 0..1` };
        }
        return { plugin: plugin.name, detection };
      } catch (e) {
        env.logger.warn(`detect() of plugin ${plugin.name} failed`, { error: errorMessage(e) });
        return { plugin: plugin.name, detection: null, error: errorMessage(e) };
      }
    }),
  );
  candidates.sort((a, b) => (b.detection?.confidence ?? -1) - (a.detection?.confidence ?? -1));
  const best = candidates[0];
  if (!best?.detection) return { app: null, candidates, nearTies: [] };
  const nearTies = candidates
    .slice(1)
    .filter((c) => c.detection && best.detection!.confidence - c.detection.confidence < NEAR_TIE)
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
