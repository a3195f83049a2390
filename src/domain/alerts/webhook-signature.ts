import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Telltale-Signature: v1=<hex>` where hex = HMAC-SHA256(secret, `${timestamp}.${body}`) and
 * timestamp is the `Telltale-Timestamp` header (epoch seconds). Signing the timestamp with the body
 * lets a receiver refuse replays of old requests.
 */
export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

/** The receiver's check (also the README example): right signature and a timestamp within tolerance. */
export function verifyWebhook(secret: string, header: string | undefined, timestampHeader: string | undefined, body: string, nowSec: number, toleranceSec = 300): boolean {
  if (!header || !timestampHeader || !/^\d+$/.test(timestampHeader)) return false;
  const ts = Number(timestampHeader);
  if (Math.abs(nowSec - ts) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  return header.split(',').some((candidate) => {
    const given = Buffer.from(candidate.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
