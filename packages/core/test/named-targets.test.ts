/** `healer.plugins.targets()`: the names enabled plugins' configurations give targets, checked and sorted. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHealer, definePlugin, MemoryStateStore, type DetectContext } from '../src/index.js';

const configSchema = z.object({ places: z.record(z.string(), z.string()).default({}) });

function plugin(name: string) {
  return definePlugin({
    name,
    version: '1.0.0',
    engines: { core: '^1.0.0' },
    stacks: [name],
    signatures: [`${name}.marker`],
    configSchema,
    detect: async (_ctx: DetectContext<z.output<typeof configSchema>>) => null,
    checks: [],
    actions: [],
    targets: (config) => config.places,
  });
}

describe('named targets', () => {
  it('lists every enabled plugin’s names with their paths, sorted; a disabled plugin’s are left out', async () => {
    const healer = createHealer({
      plugins: [
        { plugin: plugin('b'), config: { places: { main: '/srv/b', zed: '/srv/z' } } },
        { plugin: plugin('a'), config: { places: { main: '/srv/a' } } },
        { plugin: plugin('c'), config: { places: { other: '/srv/c' } }, enabled: false },
      ],
      state: new MemoryStateStore(),
      sharedChecks: false,
    });
    try {
      expect(healer.plugins.targets()).toEqual([
        { name: 'main', path: '/srv/a', plugin: 'a' },
        { name: 'main', path: '/srv/b', plugin: 'b' },
        { name: 'zed', path: '/srv/z', plugin: 'b' },
      ]);
    } finally {
      await healer.close();
    }
  });

  it('refuses a relative path with CONFIG_INVALID', async () => {
    const healer = createHealer({ plugins: [{ plugin: plugin('a'), config: { places: { main: 'srv/a' } } }], state: new MemoryStateStore(), sharedChecks: false });
    try {
      expect(() => healer.plugins.targets()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('"main"') }));
    } finally {
      await healer.close();
    }
  });
});
