/** The web-server app settings, checked the same way for every PHP plugin. */
import { describe, expect, it } from 'vitest';
import { phpUserSetting, serverLogsSetting, webServerRootsSetting } from './app-settings.js';

describe('web-server app settings', () => {
  it('reads them when set, and nothing when not', () => {
    expect(webServerRootsSetting({ webServerRoots: { apacheRoot: '/opt/apache2', nginxRoot: '/opt/nginx' } })).toEqual({ apacheRoot: '/opt/apache2', nginxRoot: '/opt/nginx' });
    expect(webServerRootsSetting({})).toEqual({});
    expect(serverLogsSetting({ serverLogs: ['/var/log/a.log'] })).toEqual(['/var/log/a.log']);
    expect(serverLogsSetting({})).toBeNull();
    expect(phpUserSetting({ phpUser: 'web:www' })).toEqual({ user: 'web', group: 'www', source: 'the app setting phpUser' });
    expect(phpUserSetting({})).toBeNull();
  });

  it('refuses malformed values, naming the setting', () => {
    expect(() => webServerRootsSetting({ webServerRoots: { phpFpmRoot: 'etc/php' } })).toThrow(/webServerRoots\.phpFpmRoot/);
    expect(() => webServerRootsSetting({ webServerRoots: 'x' })).toThrow(/webServerRoots/);
    expect(() => serverLogsSetting({ serverLogs: ['relative.log'] })).toThrow(/serverLogs/);
    expect(() => phpUserSetting({ phpUser: 'a b' })).toThrow(/phpUser/);
  });
});
