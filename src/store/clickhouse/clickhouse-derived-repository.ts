import type { DetectedEvent, StoredEvent } from '../../domain/events/detected-event.ts';
import type { Period } from '../../domain/segmentation/period-stats.ts';
import { eventFingerprint, type EventChanges, type EventQuery, type EventWindow } from '../event-repository.ts';
import { sessionId, type SessionQuery, type StoredSession } from '../session-repository.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { latestDocs, writeDocs } from './clickhouse-doc-repository.ts';
import { sqlString } from './clickhouse-sql.ts';

/** Sessions and events: per device, sharded with the device's telemetry, as versioned documents. */

const MIN_MS = -8.64e15;
const MAX_MS = 8.64e15;
const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;
const byStartThenId = <T extends { startMs: number }>(id: (x: T) => string) => (a: T, b: T) => a.startMs - b.startMs || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);

async function deviceSessions(conn: ClickHouseConnection, deviceId: string): Promise<StoredSession[]> {
  return latestDocs<StoredSession>(conn, 'sessions', ['device_id', 'session_id'], `device_id = ${sqlString(deviceId)}`);
}

export async function replaceSessionsCh(conn: ClickHouseConnection, deviceId: string, fromMs: number | undefined, periods: readonly Period[]): Promise<void> {
  const from = fromMs ?? MIN_MS;
  const next = new Map(periods.map((p) => [sessionId(deviceId, p), p]));
  const gone = (await deviceSessions(conn, deviceId)).filter((s) => s.startMs >= from && !next.has(s.sessionId));
  await writeDocs(conn, 'sessions', [
    ...gone.map((s) => ({ keys: { device_id: deviceId, session_id: s.sessionId, start_ms: s.startMs }, doc: null, deleted: true })),
    ...[...next].map(([id, p]) => ({ keys: { device_id: deviceId, session_id: id, start_ms: p.startMs }, doc: { sessionId: id, deviceId, ...p } })),
  ]);
}

export async function listSessionsCh(conn: ClickHouseConnection, q: SessionQuery): Promise<StoredSession[]> {
  const all = (await deviceSessions(conn, q.deviceId))
    .filter((s) => s.endMs >= (q.fromMs ?? MIN_MS) && s.startMs < (q.toMs ?? MAX_MS) && (!q.kind || s.kind === q.kind))
    .filter((s) => !q.after || s.startMs > q.after.startMs || (s.startMs === q.after.startMs && s.sessionId > q.after.sessionId))
    .sort(byStartThenId<StoredSession>((s) => s.sessionId));
  return q.limit === undefined ? all : all.slice(0, Math.floor(q.limit));
}

export async function getSessionCh(conn: ClickHouseConnection, deviceId: string, id: string): Promise<StoredSession | undefined> {
  const [s] = await latestDocs<StoredSession>(conn, 'sessions', ['device_id', 'session_id'], `device_id = ${sqlString(deviceId)} AND session_id = ${sqlString(id)}`);
  return s;
}

async function deviceEvents(conn: ClickHouseConnection, deviceId: string): Promise<StoredEvent[]> {
  return latestDocs<StoredEvent>(conn, 'events', ['device_id', 'event_id'], `device_id = ${sqlString(deviceId)}`);
}

/** The same semantics as the DuckDB replaceEvents: compared by fingerprint, first detection time kept. */
export async function replaceEventsCh(conn: ClickHouseConnection, window: EventWindow, detectors: readonly string[], events: readonly DetectedEvent[], nowMs: number): Promise<EventChanges> {
  const from = window.fromMs ?? MIN_MS;
  const to = window.toMs ?? MAX_MS;
  const stored = new Map(
    (await deviceEvents(conn, window.deviceId)).filter((e) => e.startMs >= from && e.startMs < to && detectors.includes(e.detector)).map((e) => [e.eventId, e]),
  );
  const changes: EventChanges = { created: [], updated: [], removed: [] };
  const writes: Parameters<typeof writeDocs>[2][number][] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const old = stored.get(e.eventId);
    if (old && eventFingerprint(old) === eventFingerprint(e)) continue;
    (old ? changes.updated : changes.created).push(e);
    writes.push({ keys: { device_id: e.deviceId, event_id: e.eventId, start_ms: e.startMs }, doc: { ...e, detectedAtMs: old?.detectedAtMs ?? nowMs, updatedAtMs: nowMs } });
  }
  for (const [id, old] of stored) {
    if (seen.has(id)) continue;
    changes.removed.push(id);
    writes.push({ keys: { device_id: old.deviceId, event_id: id, start_ms: old.startMs }, doc: null, deleted: true });
  }
  await writeDocs(conn, 'events', writes);
  return changes;
}

export async function listEventsCh(conn: ClickHouseConnection, q: EventQuery): Promise<StoredEvent[]> {
  const all = (await deviceEvents(conn, q.deviceId))
    .filter((e) => (e.endMs ?? e.startMs) >= (q.fromMs ?? MIN_MS) && e.startMs < (q.toMs ?? MAX_MS))
    .filter((e) => (!q.kind || e.kind === q.kind) && SEVERITY_RANK[e.severity] >= SEVERITY_RANK[q.minSeverity ?? 'info'])
    .filter((e) => !q.after || e.startMs > q.after.startMs || (e.startMs === q.after.startMs && e.eventId > q.after.eventId))
    .sort(byStartThenId<StoredEvent>((e) => e.eventId));
  return q.limit === undefined ? all : all.slice(0, Math.floor(q.limit));
}
