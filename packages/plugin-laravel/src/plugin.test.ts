import { describe, expect, it } from 'vitest';
import { laravelPlugin } from './plugin.js';

describe('laravelPlugin', () => {
  it('names every check and action in its namespace, once', () => {
    const ids = [...laravelPlugin.checks.map((c) => c.id), ...laravelPlugin.actions.map((a) => a.id)];
    expect(ids.filter((id) => !id.startsWith('laravel/'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // The PHP plugin's checks and actions, renamed.
    expect(ids).toEqual(expect.arrayContaining(['laravel/vendor', 'laravel/php-version', 'laravel/fatal-errors', 'laravel/composer-install', 'laravel/restart-fpm', 'laravel/fix-permissions']));
  });

  it('every action fixes checks the plugin has; the PHP actions that fix app-answers fix laravel/availability', () => {
    const checks = new Set(laravelPlugin.checks.map((c) => c.id));
    for (const action of laravelPlugin.actions) expect(action.fixes.filter((f) => !checks.has(f)), action.id).toEqual([]);
    expect(laravelPlugin.actions.find((a) => a.id === 'laravel/composer-install')!.fixes).toContain('laravel/availability');
  });

  it('medium and higher actions have a backup and a rollback, or say why they cannot be undone; key:generate is critical, migrate high', () => {
    for (const action of laravelPlugin.actions.filter((a) => a.risk !== 'low' && a.irreversible === undefined)) {
      expect(action.backup, action.id).toBeDefined();
      expect(action.rollback, action.id).toBeDefined();
    }
    expect(laravelPlugin.actions.filter((a) => a.irreversible !== undefined).map((a) => a.id)).toEqual(['laravel/restart-fpm']);
    const risk = Object.fromEntries(laravelPlugin.actions.map((a) => [a.id, a.risk]));
    expect(risk).toMatchObject({
      'laravel/generate-key': 'critical',
      'laravel/migrate': 'high',
      'laravel/fix-storage-permissions': 'medium',
      'laravel/composer-install': 'medium',
      'laravel/up': 'low',
      'laravel/rebuild-caches': 'low',
      'laravel/optimize-clear': 'low',
      'laravel/queue-restart': 'low',
    });
  });
});
