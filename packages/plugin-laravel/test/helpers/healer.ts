/** A healer holding only the Laravel plugin, for one app. */
import { createHealer, MemoryStateStore, type CreateHealerOptions, type Executor, type Healer, type ModeInput } from '@healer/core';
import { laravelPlugin } from '../../src/plugin.js';
import type { LaravelApp } from './laravel-app.js';

export interface LaravelHealerOptions {
  mode?: ModeInput;
  executor?: Executor;
  config?: Record<string, unknown>;
  /** App settings (default none: the plugin finds the address and the PHP user). */
  settings?: Record<string, unknown>;
  sharedChecks?: boolean;
}

export function laravelHealer(app: LaravelApp, options: LaravelHealerOptions = {}): Healer {
  const healerOptions: CreateHealerOptions = {
    plugins: [{ plugin: laravelPlugin, config: { ...app.config, ...options.config } }],
    state: new MemoryStateStore(),
    sharedChecks: options.sharedChecks ?? false,
    checkTimeoutMs: 90_000,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
    ...(options.settings ? { apps: { [app.root]: options.settings } } : {}),
  };
  return createHealer(healerOptions);
}
