import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const hexKey = randomBytes(32).toString('hex');
const base = { HEALER_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/healer', HEALER_REDIS_URL: 'redis://127.0.0.1:6379', HEALER_SECRET_KEY: hexKey };

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', currentKeyId: 'k1', logLevel: 'info', rateLimitPerMinute: 600 });
    expect(config.keys.get('k1')).toEqual(Buffer.from(hexKey, 'hex'));
  });

  it('accepts a base64 key, a key id, old keys and a port', () => {
    const old = randomBytes(32);
    const config = loadConfig({ ...base, HEALER_SECRET_KEY: randomBytes(32).toString('base64'), HEALER_SECRET_KEY_ID: 'k2', HEALER_SECRET_OLD_KEYS: `k1:${old.toString('base64url')}`, HEALER_PORT: '9000', HEALER_LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ port: 9000, currentKeyId: 'k2', logLevel: 'debug' });
    expect([...config.keys.keys()].sort()).toEqual(['k1', 'k2']);
    expect(config.keys.get('k1')).toEqual(old);
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ HEALER_REDIS_URL: 'http://x', HEALER_SECRET_KEY: 'short', HEALER_PORT: '99999', HEALER_LOG_LEVEL: 'loud', HEALER_SECRET_KEY_ID: 'bad id!' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['HEALER_DATABASE_URL', 'HEALER_LOG_LEVEL', 'HEALER_PORT', 'HEALER_REDIS_URL', 'HEALER_SECRET_KEY', 'HEALER_SECRET_KEY_ID']);
    expect(issues.find((i) => i.path === 'HEALER_DATABASE_URL')?.message).toBe('is required');
    expect((error as Error).message).not.toContain('short');
  });

  it('rejects a malformed old key list', () => {
    expect(() => loadConfig({ ...base, HEALER_SECRET_OLD_KEYS: 'k0:nope' })).toThrow(/HEALER_SECRET_OLD_KEYS/);
  });
});
