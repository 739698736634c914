/** The stack plugins `healer-server api` loads. */
import { wordpressPlugin } from '@healer/plugin-wordpress';
import { nodejsPlugin } from '@healer/plugin-nodejs';
import { nextjsPlugin } from '@healer/plugin-nextjs';
import { mysqlPlugin } from '@healer/plugin-mysql';
import { phpPlugin } from '@healer/plugin-php';
import { laravelPlugin } from '@healer/plugin-laravel';
import type { ServerPlugin } from './routes/plugins.js';

export const BUILTIN_PLUGINS: readonly ServerPlugin[] = [wordpressPlugin, nodejsPlugin, nextjsPlugin, mysqlPlugin, phpPlugin, laravelPlugin];
