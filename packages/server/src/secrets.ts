/**
 * Host credentials at rest: AES-256-GCM, with the key id stored beside the
 * ciphertext as `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts), so a
 * new key can encrypt while older ones still decrypt. The key id is also
 * bound as additional authenticated data: a ciphertext cannot be moved to
 * another key id.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/** A 32-byte key written as 64 hex digits or base64 (standard or url-safe); null if it is not one. */
export function parseKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

export class SecretBox {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #currentKeyId: string;

  constructor(keys: ReadonlyMap<string, Buffer>, currentKeyId: string) {
    const current = keys.get(currentKeyId);
    if (!current || current.length !== 32) throw new Error(`Secret key "${currentKeyId}" is missing or not 32 bytes`);
    for (const [id, key] of keys) if (key.length !== 32) throw new Error(`Secret key "${id}" is not 32 bytes`);
    this.#keys = keys;
    this.#currentKeyId = currentKeyId;
  }

  /** The id of the key new secrets are encrypted with. */
  get currentKeyId(): string {
    return this.#currentKeyId;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.#currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(this.#currentKeyId));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', this.#currentKeyId, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join(':');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, ct, ...rest] = sealed.split(':');
    if (version !== 'v1' || !keyId || !iv || !tag || ct === undefined || rest.length > 0) throw new Error('Not a sealed secret');
    const key = this.#keys.get(keyId);
    if (!key) throw new Error(`Secret was sealed with key "${keyId}", which is not configured`);
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The key id a sealed secret names (to find secrets still under an old key). */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split(':')[1];
  }

  /** Re-encrypts under the current key; unchanged text when it already is. */
  rotate(sealed: string): string {
    return SecretBox.keyIdOf(sealed) === this.#currentKeyId ? sealed : this.encrypt(this.decrypt(sealed));
  }
}
