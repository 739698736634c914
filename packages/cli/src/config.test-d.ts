/**
 * The CLI configuration is the healer options plus CLI-only keys.
 * Run by vitest in typecheck mode.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { HealerOptions, HealerOptionsSchema } from '@healer/core';
import type { ConfigSchema, HealerConfig } from './config.js';

describe('ConfigSchema', () => {
  it('has every healer option key, typed as core types it', () => {
    expectTypeOf<keyof HealerOptions>().toExtend<keyof z.input<typeof ConfigSchema>>();
    expectTypeOf<HealerConfig['mode']>().toEqualTypeOf<HealerOptions['mode']>();
    expectTypeOf<HealerConfig['apps']>().toEqualTypeOf<z.output<typeof HealerOptionsSchema>['apps']>();
    expectTypeOf<NonNullable<HealerConfig['breaker']>>().toExtend<NonNullable<HealerOptions['breaker']>>();
    expectTypeOf<Omit<HealerConfig, 'retentionDays' | 'breaker' | 'plugins' | 'hosts' | 'discoveryRoots' | '$schema'>>().toExtend<Omit<HealerOptions, 'breaker'>>();
  });

  it('adds only the CLI keys on top', () => {
    expectTypeOf<Exclude<keyof HealerConfig, keyof HealerOptions>>().toEqualTypeOf<'$schema' | 'retentionDays' | 'plugins' | 'hosts' | 'discoveryRoots'>();
  });
});
