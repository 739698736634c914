import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../src/app.js';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../src/auth/permissions.js';
import { ROLES } from '../src/db/entities.js';
import { SecretBox } from '../src/secrets.js';
import { FingerprintSchema } from '../src/api/schemas.js';
import { signWebhookPayload, verifyWebhookSignature } from '../src/notify/signature.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every route with its permission', () => {
    const documented = [...readme.matchAll(/^\| (GET|POST|PATCH|DELETE) \| `\/api\/v1([^`]+)` \| `(healer\.[a-z]+)` \|/gm)].map((m) => `${m[1]!.toLowerCase()} ${m[2]} ${m[3]}`);
    const routes = apiRoutes({ secrets: new SecretBox(new Map([['k', randomBytes(32)]]), 'k'), plugins: [] }).map((r) => `${r.method} ${r.path} ${r.permission}`);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it('shows the roles matrix the code enforces', () => {
    for (const permission of PERMISSIONS) {
      const row = new RegExp(`^\\| \`${permission.replace('.', '\\.')}\` \\|(.*)$`, 'm').exec(readme);
      expect(row, permission).not.toBeNull();
      const cells = row![1]!.split('|').slice(0, 3).map((c) => c.trim() === 'yes');
      expect(cells, permission).toEqual(ROLES.map((role) => ROLE_PERMISSIONS[role].includes(permission)).reverse());
    }
  });

  it("uses a fingerprint the API accepts in its example", () => {
    const fp = /"hostKeyFingerprint":"([^"]+)"/.exec(readme)?.[1];
    expect(FingerprintSchema.safeParse(fp).success).toBe(true);
  });

  it('shows a webhook receiver check that works', () => {
    const snippet = /```ts\nimport \{ verifyWebhookSignature \} from '@healer\/server';\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const check = new Function('verifyWebhookSignature', 'secret', 'req', 'rawBody', `${snippet}; return ok;`) as (...args: unknown[]) => boolean;
    const secret = 'a-webhook-secret-0123456789';
    const rawBody = Buffer.from('{"text":"Heal failed: x"}');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const req = { headers: { 'x-healer-timestamp': timestamp, 'x-healer-signature': signWebhookPayload(secret, timestamp, rawBody) } };
    expect(check(verifyWebhookSignature, secret, req, rawBody)).toBe(true);
    expect(check(verifyWebhookSignature, 'another-secret-0123456789', req, rawBody)).toBe(false);
  });

  it('uses fingerprints the API accepts everywhere, the curl walk-through included', () => {
    const all = [...readme.matchAll(/hostKeyFingerprint"?: ?"([^"]+)"/g)].map((m) => m[1]);
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const fp of all) expect(FingerprintSchema.safeParse(fp).success, fp).toBe(true);
  });
});
