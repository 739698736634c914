/**
 * App identity and per-app settings: an app is (host, canonical root), its
 * id is made of them, and `settingsFor` gives its settings per call, merged
 * over the static `apps` option. Real app folder, real HTTP server.
 */
import { realpath, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appIdFor, createHealer, isHealerError, MemoryStateStore, type AppOptions, type Healer } from '@healer/core';
import { startTestapp, testappFiles, testappPlugin, testdir, writeTree, type RunningTestapp, type TestDir } from '@healer/test-utils';

let dir: TestDir;
let app: string;
let server: RunningTestapp;
const healers: Healer[] = [];

beforeEach(async () => {
  dir = await testdir();
  app = join(dir.path, 'site');
  await writeTree(app, testappFiles('broken'));
  app = await realpath(app);
  server = await startTestapp(app);
});

afterEach(async () => {
  await Promise.all(healers.splice(0).map((h) => h.close()));
  await server.stop();
  await dir.cleanup();
});

type Asked = { appId: string; host: string; root: string };

function makeHealer(settingsFor: (app: Asked) => AppOptions | undefined, apps: Record<string, AppOptions> = {}): Healer {
  const healer = createHealer({ plugins: [{ plugin: testappPlugin, config: {} }], state: new MemoryStateStore(), sharedChecks: false, apps, settingsFor });
  healers.push(healer);
  return healer;
}

describe('settingsFor', () => {
  it('gives an app its settings per call, asked with (host, canonical root) and the app id made of them', async () => {
    const asked: Asked[] = [];
    const healer = makeHealer((a) => {
      asked.push(a);
      return a.root === app ? { url: server.url } : undefined;
    });
    // Through a symlink: the same app, the same id, the same settings.
    const link = join(dir.path, 'link');
    await symlink(app, link);
    const diagnosis = await healer.diagnose(link);
    expect(diagnosis.app.id).toBe(appIdFor('local', app));
    expect(diagnosis.results.find((r) => r.id === 'testapp/http')?.status).toBe('fail');
    expect(asked).toContainEqual({ appId: appIdFor('local', app), host: 'local', root: app });
    expect(asked.every((a) => a.host === 'local' && a.root === app)).toBe(true);

    // Without settings, the check that needs a URL does not apply: the settings above were used.
    const bare = await makeHealer(() => undefined).diagnose(app);
    expect(bare.results.find((r) => r.id === 'testapp/http')).toBeUndefined();
  });

  it('is merged over the static apps entry (mode and url), and used again to undo a heal', async () => {
    const asked: Asked[] = [];
    const healer = makeHealer(
      (a) => {
        asked.push(a);
        return { url: server.url, mode: 'manual' };
      },
      { [app]: { url: 'http://127.0.0.1:9/', mode: 'auto', bodyMarkers: [] } },
    );
    const waiting = await healer.heal(app);
    expect(waiting.execution.mode).toBe('manual');
    expect(waiting.execution.state).toBe('AWAITING_APPROVAL');
    expect(waiting.diagnosis?.results.find((r) => r.id === 'testapp/http')?.message).toMatch(/^HTTP 500/);

    const { execution } = await healer.heal(app, { mode: 'auto' });
    expect(execution.state).toBe('FIXED');
    asked.length = 0;
    expect((await healer.rollback(execution.executionId)).state).toBe('ROLLED_BACK');
    expect(asked).toContainEqual({ appId: execution.appId, host: 'local', root: app });
  });

  it('refuses invalid settings with CONFIG_INVALID naming the app', async () => {
    const healer = makeHealer(() => ({ port: 0, url: 'ftp://x' }));
    await expect(healer.diagnose(app)).rejects.toSatisfy(
      (e) => isHealerError(e, 'CONFIG_INVALID') && (e as Error).message.includes(app) && (e as Error).message.includes('port') && (e as Error).message.includes('url'),
    );
  });
});
