/**
 * Webhook signatures: `X-Healer-Signature: sha256=<hex>`, the HMAC-SHA256
 * of `<timestamp>.<body>` keyed with the webhook's secret, where the
 * timestamp is `X-Healer-Timestamp` (unix seconds). Signing the timestamp
 * with the body lets a receiver refuse replays of old deliveries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SCHEME = 'sha256=';

/** The `X-Healer-Signature` value for a body sent at `timestamp` (unix seconds, as sent in `X-Healer-Timestamp`). */
export function signWebhookPayload(secret: string, timestamp: string, body: string | Buffer): string {
  return `${SCHEME}${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface VerifyWebhookOptions {
  /**
   * How far (in seconds) the timestamp may be from `now`, either way; older
   * deliveries are refused as possible replays. `Infinity` turns the check
   * off. Default 300.
   */
  toleranceSeconds?: number;
  /** The current time. Default `new Date()`. */
  now?: Date;
}

/**
 * Whether `header` (the `X-Healer-Signature` value) signs `body` (the raw
 * request body, exactly as received) at `timestamp` (the
 * `X-Healer-Timestamp` value) with `secret`, and the timestamp is recent.
 * The comparison takes the same time wherever the digests differ.
 *
 * @example
 * verifyWebhookSignature(secret, req.headers['x-healer-timestamp'], rawBody, req.headers['x-healer-signature'])
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | undefined,
  body: string | Buffer,
  header: string | undefined,
  options: VerifyWebhookOptions = {},
): boolean {
  if (!timestamp || !header || !/^\d{1,12}$/.test(timestamp) || !header.startsWith(SCHEME)) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > tolerance) return false;
  const expected = Buffer.from(signWebhookPayload(secret, timestamp, body), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
