/**
 * Scenario 2 over SSH: the same white-screened site, diagnosed and healed
 * with every command, file read and database call going through
 * SshExecutor to a real sshd on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor, type Healer } from '@healer/core';
import { sshOptions, startSshd, type RunningSshd } from '@healer/test-utils';
import { FATAL_PLUGIN, createHealthySite, siteHealer } from './helpers/heal-harness.js';
import type { WordPressSite } from './helpers/wordpress-site.js';

let sshd: RunningSshd;
let site: WordPressSite;
let healer: Healer;

beforeAll(async () => {
  [sshd, site] = await Promise.all([startSshd(), createHealthySite()]);
  healer = siteHealer(site, { mode: 'supervised', executor: new SshExecutor(sshOptions(sshd)) });
});

afterAll(async () => {
  await healer?.close();
  await site?.stop();
  await sshd?.stop();
});

describe('WordPress over SSH', () => {
  it('2. a plugin that fatals: diagnosed and deactivated over SSH, FIXED, page 200', async () => {
    const file = await site.addPlugin('broken-plugin', FATAL_PLUGIN, { activate: true });
    expect((await site.get('/')).status).toBe(500);

    const diagnosis = await healer.diagnose(site.root);
    expect(diagnosis.transport).toMatchObject({ kind: 'ssh' });
    const fatal = diagnosis.results.find((r) => r.id === 'wordpress/fatal-errors')!;
    expect(fatal.details?.['culprit']).toMatchObject({ kind: 'plugin', slug: 'broken-plugin' });

    const { execution } = await healer.heal(site.root);
    expect(execution.state, execution.message).toBe('FIXED');
    expect(execution.attempts).toMatchObject([{ actionId: 'wordpress/deactivate-plugin', verified: true }]);
    expect(execution.target.host).toMatch(/^ssh:\/\//);
    expect((await site.get('/')).status).toBe(200);
    expect(await site.getOption('active_plugins')).not.toContain(file);
  });
});
