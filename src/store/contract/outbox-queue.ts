import type { NewOutboxItem, OutboxDelivery, OutboxItem, OutboxQuery } from '../outbox-repository.ts';

/** The durable webhook outbox: one item per idempotency key, sent in order per (receiver, device). */
export interface OutboxQueue {
  /** A key already queued is left as it is. */
  enqueue(item: NewOutboxItem, nowMs: number): Promise<void>;
  /** The next due item of each (receiver, device) lane. */
  dueHeads(nowMs: number, limit: number): Promise<OutboxDelivery[]>;
  markDelivered(outboxId: number, nowMs: number): Promise<void>;
  markRetry(outboxId: number, nextAttemptAtMs: number, error: string): Promise<void>;
  markDead(outboxId: number, error: string, nowMs: number): Promise<void>;
  list(q?: OutboxQuery): Promise<OutboxItem[]>;
}
