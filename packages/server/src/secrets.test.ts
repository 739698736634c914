import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, parseKey } from './secrets.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('SecretBox', () => {
  it('round-trips, with a fresh IV every time and the key id in front', () => {
    const box = new SecretBox(new Map([['k1', k1]]), 'k1');
    const a = box.encrypt('s3cret-value');
    const b = box.encrypt('s3cret-value');
    expect(a).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(box.decrypt(a)).toBe('s3cret-value');
    expect(box.decrypt(box.encrypt(''))).toBe('');
  });

  it('refuses tampered ciphertext, a wrong key, a moved key id, and unknown keys', () => {
    const box = new SecretBox(new Map([['k1', k1]]), 'k1');
    const sealed = box.encrypt('value');
    const parts = sealed.split(':');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.decrypt([...parts.slice(0, 4), flipped.toString('base64url')].join(':'))).toThrow();
    expect(() => new SecretBox(new Map([['k1', k2]]), 'k1').decrypt(sealed)).toThrow();
    // Same key bytes under another id: the id is authenticated data, so this fails too.
    expect(() => new SecretBox(new Map([['k9', k1]]), 'k9').decrypt(sealed.replace('v1:k1:', 'v1:k9:'))).toThrow();
    expect(() => new SecretBox(new Map([['k2', k2]]), 'k2').decrypt(sealed)).toThrow(/"k1".*not configured/);
    expect(() => box.decrypt('plain text')).toThrow(/Not a sealed secret/);
  });

  it('rotates: the new key encrypts, the old one still decrypts, rotate() re-seals', () => {
    const old = new SecretBox(new Map([['k1', k1]]), 'k1').encrypt('rotate-me');
    const box = new SecretBox(new Map([['k1', k1], ['k2', k2]]), 'k2');
    expect(box.decrypt(old)).toBe('rotate-me');
    const rotated = box.rotate(old);
    expect(SecretBox.keyIdOf(rotated)).toBe('k2');
    expect(box.rotate(rotated)).toBe(rotated);
    expect(new SecretBox(new Map([['k2', k2]]), 'k2').decrypt(rotated)).toBe('rotate-me');
  });

  it('needs 32-byte keys', () => {
    expect(() => new SecretBox(new Map([['k1', randomBytes(16)]]), 'k1')).toThrow();
    expect(() => new SecretBox(new Map([['k1', k1]]), 'k2')).toThrow();
  });
});

describe('parseKey', () => {
  it('reads hex and base64 (standard or url-safe), nothing else', () => {
    expect(parseKey(k1.toString('hex'))).toEqual(k1);
    expect(parseKey(k1.toString('base64'))).toEqual(k1);
    expect(parseKey(k1.toString('base64url'))).toEqual(k1);
    expect(parseKey(randomBytes(31).toString('hex'))).toBeNull();
    expect(parseKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(parseKey('k'.repeat(64))).toBeNull();
  });
});
