/**
 * The plugins `healer` loads when the configuration has no `plugins` key.
 *
 * Empty for now: the stack plugins (wordpress, nodejs, nextjs, php, laravel,
 * mysql) will be added here, imported statically by package name, as they
 * are published. Until then, list plugins in `healer.config.json`.
 */
import type { PluginEntry } from '@healer/core';

export const BUILTIN_PLUGINS: readonly PluginEntry[] = [];
