/**
 * The app's address when the caller gave none: asked of the app's plugin
 * (`address()`), so availability checks run on every app whose plugin can
 * tell where it answers.
 * @internal
 */
import { errorMessage } from '../errors.js';
import { makeCheckContext, type RunEnv } from './context.js';
import type { ResolvedApp } from './resolve-app.js';

/** `resolved` with `settings.url` (and `settings.urlSource`) filled in from the plugin's `address()`, when the settings have no `url`. */
export async function withAppAddress(env: RunEnv, resolved: ResolvedApp, signal?: AbortSignal): Promise<ResolvedApp> {
  const { plugin, config } = resolved.entry;
  if (!plugin.address || (typeof resolved.settings.url === 'string' && resolved.settings.url !== '')) return resolved;
  const ctx = makeCheckContext(
    env,
    { target: resolved.target, config, settings: resolved.settings, signal: signal ?? new AbortController().signal, pluginVersion: plugin.version },
    resolved.app,
  );
  try {
    const found = await plugin.address(ctx);
    if (!found || !/^https?:\/\/[^/\s]+/i.test(found.url)) return resolved;
    env.logger.debug(`${plugin.name}: the app's address is ${found.url} (${found.source})`);
    return { ...resolved, settings: { ...resolved.settings, url: found.url, urlSource: found.source } };
  } catch (e) {
    env.logger.debug(`${plugin.name}: the app's address could not be found`, { error: errorMessage(e) });
    return resolved;
  }
}
