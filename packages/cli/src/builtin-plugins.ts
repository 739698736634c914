/**
 * The plugins `healer` loads when the configuration has no `plugins` key.
 * Stack plugins are imported statically by package name.
 */
import type { PluginEntry } from '@healer/core';
import { wordpressPlugin } from '@healer/plugin-wordpress';
import { nodejsPlugin } from '@healer/plugin-nodejs';
import { nextjsPlugin } from '@healer/plugin-nextjs';
import { mysqlPlugin } from '@healer/plugin-mysql';
import { phpPlugin } from '@healer/plugin-php';
import { laravelPlugin } from '@healer/plugin-laravel';

export const BUILTIN_PLUGINS: readonly PluginEntry[] = [wordpressPlugin, nodejsPlugin, nextjsPlugin, mysqlPlugin, phpPlugin, laravelPlugin];
