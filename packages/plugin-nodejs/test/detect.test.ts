/** Detection of Node apps through `createHealer().detect()`, on real folders. */
import { testdir, type TestDir } from '@healer/test-utils';
import { createHealer } from '@healer/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodejsConfigInput } from '../src/config.js';
import { nodejsPlugin } from '../src/plugin.js';

const dirs: TestDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function detect(tree: Record<string, string>, config: NodejsConfigInput = {}) {
  const dir = await testdir(tree);
  dirs.push(dir);
  const healer = createHealer({ plugins: [{ plugin: nodejsPlugin, config }], sharedChecks: false });
  try {
    return { dir, report: await healer.detect(dir.path) };
  } finally {
    await healer.close();
  }
}

const pkg = (p: Record<string, unknown>): string => JSON.stringify({ name: 'app', version: '2.0.0', ...p });

describe('nodejs detection', () => {
  it('reads an Express app with npm, engines, main, start and configured commands', async () => {
    const { report } = await detect(
      { 'package.json': pkg({ main: 'server.js', engines: { node: '>=20' }, scripts: { start: 'node server.js' }, dependencies: { express: '^4.0.0' } }), 'package-lock.json': '{}' },
      { commands: { start: ['npm', 'start'], stop: ['pkill', '-f', 'x'] } },
    );
    const app = report.app!;
    expect(app.stack).toBe('nodejs');
    expect(app.version).toBe('2.0.0');
    expect(app.metadata).toMatchObject({
      framework: 'express',
      packageManager: 'npm',
      lockfile: 'package-lock.json',
      enginesNode: '>=20',
      main: 'server.js',
      startScript: 'node server.js',
      dependencies: ['express'],
      runner: { kind: 'commands', start: ['npm', 'start'], stop: ['pkill', '-f', 'x'] },
    });
  });

  it.each([
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
  ])('knows the package manager from %s', async (lockfile, manager) => {
    const { report } = await detect({ 'package.json': pkg({ dependencies: { koa: '^2' } }), [lockfile]: '' }, { pm2Name: 'api' });
    expect(report.app!.metadata).toMatchObject({ packageManager: manager, lockfile, framework: null, runner: { kind: 'pm2', name: 'api' } });
  });

  it('reports systemd as the runner when a unit is configured', async () => {
    const { report } = await detect({ 'package.json': pkg({}) }, { systemdUnit: 'api.service' });
    expect(report.app!.metadata['runner']).toEqual({ kind: 'systemd', unit: 'api.service' });
    expect(report.app!.metadata['lockfile']).toBe(null);
  });

  it('leaves Next.js apps to the Next.js plugin', async () => {
    const { report } = await detect({ 'package.json': pkg({ dependencies: { next: '15.0.0', react: '19.0.0' } }) });
    expect(report.app).toBe(null);
  });
});
