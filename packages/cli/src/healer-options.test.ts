import { describe, expect, it } from 'vitest';
import { createHealer, HealerOptionsSchema, MemoryStateStore, type HealerOptions } from '@healer/core';
import { CliError } from './cli-error.js';
import { ConfigSchema, parseConfig } from './config.js';
import { healerOptions } from './session.js';

/** One value for every healer option: a key added to core's schema fails to compile here until it has one. */
const EVERY_OPTION: Required<HealerOptions> = {
  mode: 'FULL_AUTO',
  breaker: { maxAttempts: 4, windowMs: 3_600_000, cooldownMs: 0, demoteAfter: 3 },
  backupRoot: '/var/backups/healer',
  retentionMs: 86_400_000,
  maxAttemptsPerExecution: 2,
  lockTtlMs: 60_000,
  checkConcurrency: 3,
  checkTimeoutMs: 5_000,
  sharedChecks: false,
  apps: { '/srv/site': { url: 'https://example.org/', port: 8080, mode: 'manual', plugin: 'wordpress', bodyMarkers: ['ok'], errorMarkers: ['Fatal'], phpUser: 'www-data' } },
  secrets: ['s3cret-value'],
};

function refusal(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json', '/etc/healer');
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return ((e as CliError).issues ?? []).map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the configuration to be refused');
}

describe('the CLI configuration extends the healer options', () => {
  it('has every key of HealerOptionsSchema', () => {
    const cliKeys = Object.keys(ConfigSchema.shape);
    const missing = Object.keys(HealerOptionsSchema.shape).filter((k) => !cliKeys.includes(k));
    expect(missing).toEqual([]);
    expect(Object.keys(EVERY_OPTION).sort()).toEqual(Object.keys(HealerOptionsSchema.shape).sort());
  });

  it('accepts every healer option as written and hands each to createHealer unchanged', async () => {
    const config = parseConfig(EVERY_OPTION, 'test.json', '/etc/healer');
    const options = healerOptions(config, [], { state: new MemoryStateStore() });
    for (const [key, value] of Object.entries(EVERY_OPTION)) expect(options[key as keyof HealerOptions], key).toEqual(value);
    // And core takes them.
    const healer = createHealer(options);
    await healer.close();
  });

  it('refuses what core refuses, under the same key', () => {
    const issues = refusal({ retentionMs: -1, checkConcurrency: 0, maxAttemptsPerExecution: 1.5, secrets: [1], breaker: { windowMs: 0 } });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['breaker.windowMs', 'checkConcurrency', 'maxAttemptsPerExecution', 'retentionMs', 'secrets[0]']);
  });

  it('converts the CLI units to milliseconds', () => {
    const config = parseConfig({ retentionDays: 2, breaker: { windowHours: 12, cooldownMinutes: 5, maxAttempts: 2 } }, 'test.json', '/');
    const options = healerOptions(config, [], {});
    expect(options.retentionMs).toBe(2 * 86_400_000);
    expect(options.breaker).toEqual({ maxAttempts: 2, windowMs: 12 * 3_600_000, cooldownMs: 5 * 60_000 });
    expect(options).not.toHaveProperty('retentionDays');
  });

  it('refuses one limit given in two units', () => {
    expect(refusal({ retentionDays: 2, retentionMs: 1000, breaker: { windowHours: 1, windowMs: 1000, cooldownMinutes: 1, cooldownMs: 0 } }).sort()).toEqual([
      'breaker.cooldownMinutes: give cooldownMinutes or cooldownMs, not both',
      'breaker.windowHours: give windowHours or windowMs, not both',
      'retentionDays: give retentionDays or retentionMs, not both',
    ]);
  });
});
