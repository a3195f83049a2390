import { replayPath, type Incident, type IncidentState } from '../../domain/alerts/incident.ts';
import type { Severity } from '../../domain/events/detected-event.ts';
import type { IncidentQuery, NewIncident } from '../incident-repository.ts';
import type { NewOutboxItem, OutboxDelivery, OutboxItem, OutboxQuery } from '../outbox-repository.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { latestDocs, writeDocs } from './clickhouse-doc-repository.ts';
import { sqlString } from './clickhouse-sql.ts';
import { nextVersion } from './clickhouse-version.ts';

/**
 * Incidents and the webhook outbox on shard 1, as versioned documents. A change reads the latest
 * version and writes the next: safe for the one process that owns the device's alerting (the
 * lease), not for two writers racing on one incident.
 */

type StoredIncident = Omit<Incident, 'eventIds' | 'replayUrl'>;
type StoredOutbox = OutboxItem & { receiverSecret: string; payload: string };
const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

async function incidentDocs(conn: ClickHouseConnection, where = '1'): Promise<StoredIncident[]> {
  return latestDocs<StoredIncident>(conn, 'incidents', ['incident_id'], where);
}

async function withEvents(conn: ClickHouseConnection, list: StoredIncident[]): Promise<Incident[]> {
  if (list.length === 0) return [];
  const links = await latestDocs<{ incidentId: string; eventId: string }>(
    conn, 'incident_events', ['rule_id', 'event_id'], `incident_id IN (${list.map((i) => sqlString(i.incidentId)).join(', ')})`,
  );
  return list.map((i) => ({
    ...i,
    eventIds: links.filter((l) => l.incidentId === i.incidentId).map((l) => l.eventId).sort(),
    replayUrl: replayPath(i.deviceId, i.startMs, i.endMs),
  }));
}

export async function openIncidentCh(conn: ClickHouseConnection, inc: NewIncident, nowMs: number): Promise<void> {
  const doc: StoredIncident = {
    ...inc, startMs: Math.round(inc.startMs), endMs: Math.round(inc.endMs), state: 'open', openedAtMs: nowMs, updatedAtMs: nowMs,
    acknowledgedAtMs: null, acknowledgedBy: null, resolvedAtMs: null, resolvedBy: null, note: null,
  };
  await writeDocs(conn, 'incidents', [{ keys: { incident_id: inc.incidentId }, doc }]);
}

export async function getIncidentCh(conn: ClickHouseConnection, incidentId: string): Promise<Incident | undefined> {
  const [i] = await withEvents(conn, await incidentDocs(conn, `incident_id = ${sqlString(incidentId)}`));
  return i;
}

/** Newest first, then by id. */
export async function listIncidentsCh(conn: ClickHouseConnection, q: IncidentQuery = {}): Promise<Incident[]> {
  const list = (await incidentDocs(conn))
    .filter((i) => (!q.state || i.state === q.state) && (!q.deviceId || i.deviceId === q.deviceId))
    .filter((i) => !q.after || i.openedAtMs < q.after.openedAtMs || (i.openedAtMs === q.after.openedAtMs && i.incidentId > q.after.incidentId))
    .sort((a, b) => b.openedAtMs - a.openedAtMs || (a.incidentId < b.incidentId ? -1 : 1))
    .slice(0, q.limit ?? 100);
  return withEvents(conn, list);
}

async function changeIncident(conn: ClickHouseConnection, incidentId: string, change: (i: StoredIncident) => StoredIncident | undefined): Promise<StoredIncident | undefined> {
  const [current] = await incidentDocs(conn, `incident_id = ${sqlString(incidentId)}`);
  if (!current) return undefined;
  const next = change(current);
  if (next) await writeDocs(conn, 'incidents', [{ keys: { incident_id: incidentId }, doc: next }]);
  return current;
}

export async function widenIncidentCh(conn: ClickHouseConnection, incidentId: string, e: { startMs: number; endMs: number; severity: Severity; summary: string }, nowMs: number): Promise<void> {
  await changeIncident(conn, incidentId, (i) => ({
    ...i, startMs: Math.min(i.startMs, Math.round(e.startMs)), endMs: Math.max(i.endMs, Math.round(e.endMs)),
    severity: SEVERITY_RANK[e.severity] > SEVERITY_RANK[i.severity] ? e.severity : i.severity, summary: e.summary, updatedAtMs: nowMs,
  }));
}

export async function linkEventCh(conn: ClickHouseConnection, link: { incidentId: string; ruleId: string; eventId: string; eventUpdatedAtMs: number }): Promise<void> {
  await conn.insertRows('incident_events', [{ rule_id: link.ruleId, event_id: link.eventId, incident_id: link.incidentId, doc: JSON.stringify(link), deleted: 0, ver: nextVersion() }]);
}

export async function advanceIncidentCh(conn: ClickHouseConnection, incidentId: string, to: 'acknowledged' | 'resolved', by: string | null, note: string | null, nowMs: number): Promise<IncidentState | undefined> {
  const before = await changeIncident(conn, incidentId, (i) => {
    if (i.state === 'resolved' || i.state === to) return undefined;
    if (to === 'acknowledged') return { ...i, state: 'acknowledged', acknowledgedAtMs: nowMs, acknowledgedBy: by, note: note ?? i.note, updatedAtMs: nowMs };
    return {
      ...i, state: 'resolved', resolvedAtMs: nowMs, resolvedBy: by, note: note ?? i.note, updatedAtMs: nowMs,
      acknowledgedAtMs: i.acknowledgedAtMs ?? nowMs, acknowledgedBy: i.acknowledgedBy ?? by,
    };
  });
  return before?.state;
}

async function outboxDocs(conn: ClickHouseConnection, where = '1'): Promise<StoredOutbox[]> {
  return latestDocs<StoredOutbox>(conn, 'outbox', ['idempotency_key'], where);
}

/** A key already queued is left as it is. */
export async function enqueueOutboxCh(conn: ClickHouseConnection, item: NewOutboxItem, nowMs: number): Promise<void> {
  const [existing] = await outboxDocs(conn, `idempotency_key = ${sqlString(item.idempotencyKey)}`);
  if (existing) return;
  const id = nextVersion();
  const doc: StoredOutbox = {
    outboxId: id, idempotencyKey: item.idempotencyKey, incidentId: item.incidentId, step: item.step, receiver: item.receiver, receiverUrl: item.receiverUrl,
    receiverSecret: item.receiverSecret, deviceId: item.deviceId, seq: id, status: 'pending', attempts: 0, dueAtMs: Math.round(item.dueAtMs),
    nextAttemptAtMs: Math.round(item.dueAtMs), lastError: null, createdAtMs: nowMs, deliveredAtMs: null, deadLetteredAtMs: null, payload: item.payload,
  };
  await writeDocs(conn, 'outbox', [{ keys: { idempotency_key: item.idempotencyKey }, doc }]);
}

/** The same lanes as the DuckDB outbox: per (receiver URL, device), due order then queue order; a waiting retry holds its lane. */
export async function dueOutboxHeadsCh(conn: ClickHouseConnection, nowMs: number, limit: number): Promise<OutboxDelivery[]> {
  const lanes = new Map<string, StoredOutbox>();
  const pending = (await outboxDocs(conn)).filter((o) => o.status === 'pending' && o.dueAtMs <= nowMs).sort((a, b) => a.dueAtMs - b.dueAtMs || a.seq - b.seq);
  for (const o of pending) {
    const lane = `${o.receiverUrl}\u0000${o.deviceId}`;
    if (!lanes.has(lane)) lanes.set(lane, o);
  }
  return [...lanes.values()]
    .filter((o) => o.nextAttemptAtMs <= nowMs)
    .sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs || a.seq - b.seq)
    .slice(0, limit)
    .map((o) => ({ outboxId: o.outboxId, idempotencyKey: o.idempotencyKey, receiver: o.receiver, receiverUrl: o.receiverUrl, receiverSecret: o.receiverSecret, deviceId: o.deviceId, attempts: o.attempts, payload: o.payload }));
}

async function changePending(conn: ClickHouseConnection, outboxId: number, change: (o: StoredOutbox) => StoredOutbox): Promise<void> {
  const [o] = (await outboxDocs(conn)).filter((x) => x.outboxId === outboxId && x.status === 'pending');
  if (o) await writeDocs(conn, 'outbox', [{ keys: { idempotency_key: o.idempotencyKey }, doc: change(o) }]);
}

export const markDeliveredCh = (conn: ClickHouseConnection, outboxId: number, nowMs: number) =>
  changePending(conn, outboxId, (o) => ({ ...o, status: 'delivered', attempts: o.attempts + 1, deliveredAtMs: nowMs, lastError: null }));

export const markRetryCh = (conn: ClickHouseConnection, outboxId: number, nextAttemptAtMs: number, error: string) =>
  changePending(conn, outboxId, (o) => ({ ...o, attempts: o.attempts + 1, nextAttemptAtMs: Math.round(nextAttemptAtMs), lastError: error }));

export const markDeadCh = (conn: ClickHouseConnection, outboxId: number, error: string, nowMs: number) =>
  changePending(conn, outboxId, (o) => ({ ...o, status: 'dead', attempts: o.attempts + 1, lastError: error, deadLetteredAtMs: nowMs }));

export async function listOutboxCh(conn: ClickHouseConnection, q: OutboxQuery = {}): Promise<OutboxItem[]> {
  return (await outboxDocs(conn))
    .filter((o) => (!q.status || o.status === q.status) && (!q.incidentId || o.incidentId === q.incidentId) && (q.outboxId === undefined || o.outboxId === q.outboxId))
    .filter((o) => !q.after || o.seq > q.after.seq || (o.seq === q.after.seq && o.outboxId > q.after.outboxId))
    .sort((a, b) => a.seq - b.seq || a.outboxId - b.outboxId)
    .slice(0, q.limit ?? 500)
    .map(({ receiverSecret: _secret, payload: _payload, ...item }) => item);
}
