import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookPayload, verifyWebhookSignature } from './signature.js';

const SECRET = 'a-webhook-secret-0123456789';
const BODY = '{"text":"Heal failed: x","healer":{"event":"execution.failed"}}';
const NOW = new Date('2026-12-06T12:00:00Z');
const TS = String(NOW.getTime() / 1000);

describe('webhook signatures', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(signWebhookPayload(SECRET, TS, BODY)).toBe(`sha256=${expected}`);
    expect(signWebhookPayload(SECRET, TS, Buffer.from(BODY))).toBe(`sha256=${expected}`);
  });

  it('verifies a good signature, string or raw bytes', () => {
    const header = signWebhookPayload(SECRET, TS, BODY);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(SECRET, TS, Buffer.from(BODY), header, { now: NOW })).toBe(true);
  });

  it('refuses another secret, body or timestamp, and malformed headers', () => {
    const header = signWebhookPayload(SECRET, TS, BODY);
    expect(verifyWebhookSignature('another-secret-0123456789', TS, BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, `${BODY} `, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(Number(TS) - 1), BODY, header, { now: NOW })).toBe(false);
    for (const bad of [undefined, '', header.slice(7), header.toUpperCase(), `${header}0`, header.replace('sha256=', 'sha1=')]) {
      expect(verifyWebhookSignature(SECRET, TS, BODY, bad, { now: NOW }), String(bad)).toBe(false);
    }
    for (const ts of [undefined, '', '12.5', '-1', `${TS}x`]) expect(verifyWebhookSignature(SECRET, ts, BODY, header, { now: NOW }), String(ts)).toBe(false);
  });

  it('refuses a timestamp more than five minutes away, unless told otherwise', () => {
    const old = String(Number(TS) - 301);
    const header = signWebhookPayload(SECRET, old, BODY);
    expect(verifyWebhookSignature(SECRET, old, BODY, header, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, String(Number(TS) - 300), BODY, signWebhookPayload(SECRET, String(Number(TS) - 300), BODY), { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(SECRET, old, BODY, header, { now: NOW, toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, old, BODY, header, { now: NOW, toleranceSeconds: Infinity })).toBe(true);
  });
});
