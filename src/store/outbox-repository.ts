import type { DuckDBConnection } from '@duckdb/node-api';
import { Type, type Static } from 'typebox';

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;

export const OutboxStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead'), Type.Literal('cancelled')]);
export type OutboxStatus = Static<typeof OutboxStatus>;

/** An outbox row as the API shows it: everything but the receiver's secret. */
export const OutboxItemSchema = Type.Object({
  outboxId: Type.Number(),
  idempotencyKey: Type.String(),
  incidentId: Type.String(),
  step: Type.Integer(),
  receiver: Type.String(),
  receiverUrl: Type.String(),
  deviceId: Type.String(),
  seq: Type.Number(),
  status: OutboxStatus,
  attempts: Type.Integer(),
  dueAtMs: Type.Number(),
  nextAttemptAtMs: Type.Number(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAtMs: Type.Number(),
  deliveredAtMs: Type.Union([Type.Number(), Type.Null()]),
  deadLetteredAtMs: Type.Union([Type.Number(), Type.Null()]),
});
export type OutboxItem = Static<typeof OutboxItemSchema>;

/** What the worker needs to send one item. */
export interface OutboxDelivery {
  outboxId: number;
  idempotencyKey: string;
  receiver: string;
  receiverUrl: string;
  receiverSecret: string;
  deviceId: string;
  attempts: number;
  payload: string;
}

export interface NewOutboxItem {
  idempotencyKey: string;
  incidentId: string;
  step: number;
  receiver: string;
  receiverUrl: string;
  receiverSecret: string;
  deviceId: string;
  payload: string;
  dueAtMs: number;
}

/** Queues a notice; a key already queued is left as it is (the engine may see an event twice). */
export async function enqueueOutbox(conn: DuckDBConnection, item: NewOutboxItem, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO outbox SELECT id, $1, $2, $3, $4, $5, $6, $7, id, $8, 'pending', 0, ${ts('$9')}, ${ts('$9')}, NULL, ${ts('$10')}, NULL, NULL
     FROM (SELECT nextval('outbox_seq') AS id) ON CONFLICT DO NOTHING`,
    [item.idempotencyKey, item.incidentId, item.step, item.receiver, item.receiverUrl, item.receiverSecret, item.deviceId, item.payload, Math.round(item.dueAtMs), nowMs],
  );
}

/**
 * The next item to send for each (receiver, device) whose head is due: per device, items go in
 * due order, then queue order, and an item waiting for its retry holds back the ones behind it.
 * Dead-lettered and cancelled items do not hold anything back.
 */
export async function dueOutboxHeads(conn: DuckDBConnection, nowMs: number, limit: number): Promise<OutboxDelivery[]> {
  const reader = await conn.runAndReadAll(
    `SELECT outbox_id, idempotency_key, receiver, receiver_url, receiver_secret, device_id, attempts, payload::VARCHAR FROM (
       SELECT *, row_number() OVER (PARTITION BY receiver_url, device_id ORDER BY due_at, seq) AS rn
       FROM outbox WHERE status = 'pending' AND due_at <= ${ts('$1')}
     ) WHERE rn = 1 AND next_attempt_at <= ${ts('$1')} ORDER BY next_attempt_at, seq LIMIT $2`,
    [nowMs, limit],
  );
  return reader.getRows().map((r) => ({
    outboxId: Number(r[0]), idempotencyKey: String(r[1]), receiver: String(r[2]), receiverUrl: String(r[3]), receiverSecret: String(r[4]),
    deviceId: String(r[5]), attempts: Number(r[6]), payload: String(r[7]),
  }));
}

/**
 * When the worker should look again: the earliest pending due or retry time after `afterMs`
 * (items already due wait for their lane, whose end wakes the worker by itself).
 */
export async function nextOutboxWakeMs(conn: DuckDBConnection, afterMs = -8.64e15): Promise<number | undefined> {
  const reader = await conn.runAndReadAll(
    `SELECT epoch_ms(min(greatest(due_at, next_attempt_at)))::DOUBLE FROM outbox WHERE status = 'pending' AND greatest(due_at, next_attempt_at) > ${ts('$1')}`,
    [afterMs],
  );
  const v = reader.getRows()[0]?.[0];
  return v === null || v === undefined ? undefined : Number(v);
}

export async function markDelivered(conn: DuckDBConnection, outboxId: number, nowMs: number): Promise<void> {
  await conn.run(
    `UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ${ts('$2')}, last_error = NULL WHERE outbox_id = $1 AND status = 'pending'`,
    [outboxId, nowMs],
  );
}

export async function markRetry(conn: DuckDBConnection, outboxId: number, nextAttemptAtMs: number, error: string): Promise<void> {
  await conn.run(
    `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ${ts('$2')}, last_error = $3 WHERE outbox_id = $1 AND status = 'pending'`,
    [outboxId, Math.round(nextAttemptAtMs), error],
  );
}

export async function markDead(conn: DuckDBConnection, outboxId: number, error: string, nowMs: number): Promise<void> {
  await conn.run(
    `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $2, dead_lettered_at = ${ts('$3')} WHERE outbox_id = $1 AND status = 'pending'`,
    [outboxId, error, nowMs],
  );
}

/** Escalation steps not yet sent stop when the incident is acknowledged or resolved. Returns how many. */
export async function cancelEscalation(conn: DuckDBConnection, incidentId: string): Promise<number> {
  const reader = await conn.runAndReadAll(
    `UPDATE outbox SET status = 'cancelled' WHERE incident_id = $1 AND step > 0 AND status = 'pending' RETURNING outbox_id`,
    [incidentId],
  );
  return reader.getRows().length;
}

/** A dead letter (or a delivered item, on request) goes back to the queue with a fresh retry budget. */
export async function replayOutboxItem(conn: DuckDBConnection, outboxId: number, nowMs: number): Promise<OutboxItem | undefined> {
  await conn.run(
    `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${ts('$2')}, dead_lettered_at = NULL WHERE outbox_id = $1 AND status IN ('dead', 'delivered')`,
    [outboxId, nowMs],
  );
  return (await listOutbox(conn, { outboxId }))[0];
}

export interface OutboxQuery {
  status?: OutboxStatus | undefined;
  incidentId?: string | undefined;
  outboxId?: number | undefined;
  limit?: number | undefined;
}

export async function listOutbox(conn: DuckDBConnection, q: OutboxQuery = {}): Promise<OutboxItem[]> {
  const reader = await conn.runAndReadAll(
    `SELECT outbox_id, idempotency_key, incident_id, step, receiver, receiver_url, device_id, seq, status, attempts, epoch_ms(due_at)::DOUBLE,
            epoch_ms(next_attempt_at)::DOUBLE, last_error, epoch_ms(created_at)::DOUBLE, epoch_ms(delivered_at)::DOUBLE, epoch_ms(dead_lettered_at)::DOUBLE
     FROM outbox WHERE ($1::VARCHAR IS NULL OR status = $1) AND ($2::VARCHAR IS NULL OR incident_id = $2) AND ($3::BIGINT IS NULL OR outbox_id = $3)
     ORDER BY seq LIMIT $4`,
    [q.status ?? null, q.incidentId ?? null, q.outboxId ?? null, q.limit ?? 500],
  );
  const num = (v: unknown) => (v === null ? null : Number(v));
  return reader.getRows().map((r) => ({
    outboxId: Number(r[0]), idempotencyKey: String(r[1]), incidentId: String(r[2]), step: Number(r[3]), receiver: String(r[4]), receiverUrl: String(r[5]),
    deviceId: String(r[6]), seq: Number(r[7]), status: String(r[8]) as OutboxStatus, attempts: Number(r[9]), dueAtMs: Number(r[10]),
    nextAttemptAtMs: Number(r[11]), lastError: r[12] === null ? null : String(r[12]), createdAtMs: Number(r[13]), deliveredAtMs: num(r[14]),
    deadLetteredAtMs: num(r[15]),
  }));
}
