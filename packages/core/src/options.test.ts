import { describe, expect, it } from 'vitest';
import { createHealer } from './healer.js';
import { isHealerError } from './errors.js';
import { HealerOptionsSchema } from './options.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(isHealerError(e) && e.code).toBe('INVALID_ARGUMENT');
    return (e as Error).message;
  }
  throw new Error('expected the options to be refused');
}

describe('createHealer options', () => {
  it('refuses bad data options with INVALID_ARGUMENT, naming every problem at once', () => {
    const message = refusal(() =>
      createHealer({ retentionMs: -1, checkConcurrency: 0, maxAttemptsPerExecution: 1.5, breaker: { windowMs: 0 }, apps: { '/srv/a': { url: 'ftp://x/', mode: 'yolo' as never } } }),
    );
    for (const key of ['retentionMs', 'checkConcurrency', 'maxAttemptsPerExecution', 'breaker.windowMs', 'apps./srv/a.url', 'apps./srv/a.mode']) expect(message).toContain(`${key}: `);
    expect(message).toMatch(/apps\.\/srv\/a\.mode: must be manual, supervised or auto/);
  });

  it('accepts the breaker clock, free-form app settings and every mode spelling', async () => {
    for (const mode of ['manual', 'SUPERVISED', 'auto', 'SEMI_AUTO', 'FULL_AUTO'] as const) {
      const healer = createHealer({ mode, breaker: { cooldownMs: 0, now: () => 0 }, apps: { '/srv/a': { url: 'http://127.0.0.1:8080/', phpUser: 'www-data' } } });
      await healer.close();
    }
    expect(HealerOptionsSchema.safeParse({ mode: 'semi-auto' }).success).toBe(true);
    expect(HealerOptionsSchema.safeParse({ mode: 'fast' }).success).toBe(false);
  });
});
