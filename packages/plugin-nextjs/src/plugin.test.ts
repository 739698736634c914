import { describe, expect, it } from 'vitest';
import { nextjsPlugin } from './plugin.js';

describe('nextjsPlugin', () => {
  it('names every check and action in its namespace, once', () => {
    const ids = [...nextjsPlugin.checks.map((c) => c.id), ...nextjsPlugin.actions.map((a) => a.id)];
    expect(ids.filter((id) => !id.startsWith('nextjs/'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['nextjs/dependencies-installed', 'nextjs/reinstall-dependencies', 'nextjs/availability', 'nextjs/restart']));
  });

  it('every action fixes checks the plugin has', () => {
    const checks = new Set(nextjsPlugin.checks.map((c) => c.id));
    for (const action of nextjsPlugin.actions) {
      expect(action.fixes.filter((f) => !checks.has(f)), action.id).toEqual([]);
    }
    expect(nextjsPlugin.actions.find((a) => a.id === 'nextjs/restart')!.fixes).toContain('nextjs/availability');
  });

  it('medium and higher actions have a backup and a rollback', () => {
    for (const action of nextjsPlugin.actions.filter((a) => a.risk !== 'low')) {
      expect(action.backup, action.id).toBeDefined();
      expect(action.rollback, action.id).toBeDefined();
    }
  });
});
