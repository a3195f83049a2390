import { Type, type Static } from 'typebox';

/** Webhook delivery tuning; the defaults suit production, tests shorten them. */
export const DeliveryOptionsSchema = Type.Object({
  timeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'Per attempt; a receiver that never answers is cut off here' }),
  maxAttempts: Type.Integer({ minimum: 1, default: 12, description: 'Then the item is dead-lettered' }),
  baseBackoffMs: Type.Integer({ minimum: 1, default: 1000 }),
  maxBackoffMs: Type.Integer({ minimum: 1, default: 5 * 60_000 }),
  perReceiverConcurrency: Type.Integer({ minimum: 1, default: 8, description: 'Devices in flight at once per receiver' }),
  pollMs: Type.Integer({ minimum: 1, default: 100 }),
  seed: Type.Integer({ default: 1, description: 'Jitter seed' }),
});
export type DeliveryOptions = Static<typeof DeliveryOptionsSchema>;

export const DEFAULT_DELIVERY: DeliveryOptions = {
  timeoutMs: 5000, maxAttempts: 12, baseBackoffMs: 1000, maxBackoffMs: 5 * 60_000, perReceiverConcurrency: 8, pollMs: 100, seed: 1,
};
