import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../../src/domain/alerts/webhook-signature.ts';

describe('webhook signature', () => {
  const body = '{"type":"incident.opened"}';
  it('is v1= hex HMAC-SHA256 over "timestamp.body"', () => {
    const expected = createHmac('sha256', 'secret-1').update(`1717228800.${body}`).digest('hex');
    expect(signWebhook('secret-1', 1717228800, body)).toBe(`v1=${expected}`);
  });

  it('verifies the right secret, body and a fresh timestamp only', () => {
    const sig = signWebhook('secret-1', 1717228800, body);
    expect(verifyWebhook('secret-1', sig, '1717228800', body, 1717228800 + 60)).toBe(true);
    expect(verifyWebhook('secret-2', sig, '1717228800', body, 1717228800)).toBe(false);
    expect(verifyWebhook('secret-1', sig, '1717228800', `${body} `, 1717228800)).toBe(false);
    expect(verifyWebhook('secret-1', sig, '1717228801', body, 1717228800)).toBe(false);
    expect(verifyWebhook('secret-1', sig, '1717228800', body, 1717228800 + 301)).toBe(false);
    expect(verifyWebhook('secret-1', undefined, '1717228800', body, 1717228800)).toBe(false);
  });
});
