/**
 * The contract's unions are inferred from the zod enums of `schemas.ts`, and
 * the healer options from `HealerOptionsSchema`: here they must still be the
 * literal unions and shapes plugin authors and embedders wrote against.
 * Run by vitest in typecheck mode.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { CheckCategory, CheckStatus, Logger, Mode, ModeInput, Risk, Severity, Target } from './plugin.js';
import { RISKS } from './plugin.js';
import { RISK_ORDER } from '../engine/modes.js';
import type { BreakerPolicy } from '../engine/breaker.js';
import type { CreateHealerOptions } from '../healer.js';
import type { Diagnosis, PlannedAction } from '../schemas.js';
import { CategorySchema, CheckStatusSchema, ModeSchema, RiskSchema, SeveritySchema } from '../schemas.js';
import type { BreakerOptionsSchema, HealerOptions } from '../options.js';
import type { PluginEntry } from '../engine/registry.js';
import type { Executor } from './executor.js';
import type { StateStore } from './state.js';

describe('unions derived from the zod enums', () => {
  it('are the literal unions of the contract', () => {
    expectTypeOf<Risk>().toEqualTypeOf<'low' | 'medium' | 'high' | 'critical'>();
    expectTypeOf<CheckStatus>().toEqualTypeOf<'pass' | 'warn' | 'fail' | 'error' | 'skip'>();
    expectTypeOf<Severity>().toEqualTypeOf<'info' | 'low' | 'medium' | 'high' | 'critical'>();
    expectTypeOf<CheckCategory>().toEqualTypeOf<'system' | 'security' | 'performance' | 'configuration' | 'dependencies' | 'database' | 'availability'>();
    expectTypeOf<Mode>().toEqualTypeOf<'manual' | 'supervised' | 'auto'>();
    expectTypeOf<ModeInput>().toEqualTypeOf<'manual' | 'supervised' | 'auto' | 'MANUAL' | 'SUPERVISED' | 'AUTO' | 'SEMI_AUTO' | 'FULL_AUTO'>();
  });

  it('are what the published JSON shapes carry', () => {
    expectTypeOf<PlannedAction['risk']>().toEqualTypeOf<Risk>();
    expectTypeOf<Diagnosis['results'][number]['status']>().toEqualTypeOf<CheckStatus>();
    expectTypeOf<Diagnosis['results'][number]['severity']>().toEqualTypeOf<Severity>();
    expectTypeOf<Diagnosis['results'][number]['category']>().toEqualTypeOf<CheckCategory>();
    expectTypeOf<Diagnosis['status']>().toEqualTypeOf<Exclude<CheckStatus, 'skip'>>();
  });

  it('lists and orders are keyed from the enums', () => {
    expectTypeOf(RiskSchema.options).toEqualTypeOf<Risk[]>();
    expectTypeOf(ModeSchema.options).toEqualTypeOf<Mode[]>();
    expectTypeOf(CheckStatusSchema.options).toEqualTypeOf<CheckStatus[]>();
    expectTypeOf(SeveritySchema.options).toEqualTypeOf<Severity[]>();
    expectTypeOf(CategorySchema.options).toEqualTypeOf<CheckCategory[]>();
    expectTypeOf(RISKS).toEqualTypeOf<readonly Risk[]>();
    expectTypeOf(RISK_ORDER).toEqualTypeOf<Readonly<Record<Risk, number>>>();
  });
});

describe('CreateHealerOptions from HealerOptionsSchema', () => {
  it('keeps every option and its type', () => {
    expectTypeOf<keyof CreateHealerOptions>().toEqualTypeOf<keyof HealerOptions | 'plugins' | 'state' | 'executor' | 'executorFor' | 'settingsFor' | 'logger' | 'now'>();
    expectTypeOf<CreateHealerOptions['mode']>().toEqualTypeOf<ModeInput | undefined>();
    expectTypeOf<CreateHealerOptions['backupRoot']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CreateHealerOptions['retentionMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CreateHealerOptions['sharedChecks']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<CreateHealerOptions['secrets']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<CreateHealerOptions['plugins']>().toEqualTypeOf<PluginEntry[] | undefined>();
    expectTypeOf<CreateHealerOptions['state']>().toEqualTypeOf<StateStore | undefined>();
    expectTypeOf<CreateHealerOptions['executor']>().toEqualTypeOf<Executor | undefined>();
    expectTypeOf<CreateHealerOptions['logger']>().toEqualTypeOf<Logger | undefined>();
    expectTypeOf<CreateHealerOptions['breaker']>().toEqualTypeOf<BreakerPolicy | undefined>();
  });

  it('describes the breaker limits as BreakerPolicy does, without its clock', () => {
    expectTypeOf<z.input<typeof BreakerOptionsSchema>>().toEqualTypeOf<Omit<BreakerPolicy, 'now'>>();
  });

  it('takes per-app settings with a mode spelling and free-form keys', () => {
    type App = NonNullable<CreateHealerOptions['apps']>[string];
    expectTypeOf<App['mode']>().toEqualTypeOf<ModeInput | undefined>();
    expectTypeOf<App['url']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<App['port']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<App['plugin']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<{ url: string; phpUser: string }>().toExtend<App>();
    // What embedders passed before: a target's url, typed settings.
    expectTypeOf<Pick<Target, 'url'> & { mode: 'SEMI_AUTO' }>().toExtend<App>();
  });
});
