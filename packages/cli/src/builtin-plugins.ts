/**
 * The plugins `healer` loads when the configuration has no `plugins` key.
 * Stack plugins are imported statically by package name; the ones still to
 * come (nodejs, nextjs, php, laravel, mysql) are added here as they land.
 */
import type { PluginEntry } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';

export const BUILTIN_PLUGINS: readonly PluginEntry[] = [wordpressPlugin];
