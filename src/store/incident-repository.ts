import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { Severity } from '../domain/events/detected-event.ts';
import { replayPath, type Incident, type IncidentState } from '../domain/alerts/incident.ts';
import type { IncidentSpan } from '../domain/alerts/place-event.ts';
import { afterKeySql } from './keyset-sql.ts';

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;
const nullableTs = (param: string) => `CASE WHEN ${param}::DOUBLE IS NULL THEN NULL ELSE epoch_ms(CAST(${param} AS BIGINT)) END`;

const SELECT_INCIDENT = `
  SELECT i.incident_id, i.rule_id, i.device_id, i.kind, i.severity, i.state, i.summary, epoch_ms(i.start_ts)::DOUBLE, epoch_ms(i.end_ts)::DOUBLE,
         i.lat, i.lon, epoch_ms(i.opened_at)::DOUBLE, epoch_ms(i.updated_at)::DOUBLE, epoch_ms(i.acknowledged_at)::DOUBLE, i.acknowledged_by,
         epoch_ms(i.resolved_at)::DOUBLE, i.resolved_by, i.note,
         (SELECT coalesce(list(e.event_id ORDER BY e.event_id), []) FROM incident_events e WHERE e.incident_id = i.incident_id)::VARCHAR[]
  FROM incidents i`;

function toIncident(r: readonly unknown[]): Incident {
  const num = (v: unknown) => (v === null ? null : Number(v));
  const str = (v: unknown) => (v === null ? null : String(v));
  const deviceId = String(r[2]);
  const startMs = Number(r[7]);
  const endMs = Number(r[8]);
  const eventIds = r[18] as { items: unknown[] } | null;
  return {
    incidentId: String(r[0]), ruleId: String(r[1]), deviceId, kind: String(r[3]), severity: String(r[4]) as Severity,
    state: String(r[5]) as IncidentState, summary: String(r[6]), startMs, endMs, lat: num(r[9]), lon: num(r[10]),
    eventIds: eventIds ? eventIds.items.map(String) : [], replayUrl: replayPath(deviceId, startMs, endMs, eventIds?.items[0] === undefined ? undefined : String(eventIds.items[0])),
    openedAtMs: Number(r[11]), updatedAtMs: Number(r[12]), acknowledgedAtMs: num(r[13]), acknowledgedBy: str(r[14]),
    resolvedAtMs: num(r[15]), resolvedBy: str(r[16]), note: str(r[17]),
  };
}

export interface IncidentQuery {
  state?: IncidentState | undefined;
  deviceId?: string | undefined;
  limit?: number | undefined;
  /** Keyset cursor: only incidents after this one (newest first, then id). */
  after?: { openedAtMs: number; incidentId: string } | undefined;
}

/** Newest first. */
export async function listIncidents(conn: DuckDBConnection, q: IncidentQuery = {}): Promise<Incident[]> {
  const reader = await conn.runAndReadAll(
    `${SELECT_INCIDENT} WHERE ($1::VARCHAR IS NULL OR i.state = $1) AND ($2::VARCHAR IS NULL OR i.device_id = $2)
       AND ${afterKeySql({ sort: 'i.opened_at', id: 'i.incident_id', sortValue: ts('$4'), nullParam: '$4::DOUBLE', idParam: '$5', descending: true })}
     ORDER BY i.opened_at DESC, i.incident_id LIMIT $3`,
    [q.state ?? null, q.deviceId ?? null, q.limit ?? 100, q.after?.openedAtMs ?? null, q.after?.incidentId ?? null],
  );
  return reader.getRows().map(toIncident);
}

export async function getIncident(conn: DuckDBConnection, incidentId: string): Promise<Incident | undefined> {
  const reader = await conn.runAndReadAll(`${SELECT_INCIDENT} WHERE i.incident_id = $1`, [incidentId]);
  const row = reader.getRows()[0];
  return row ? toIncident(row) : undefined;
}

export async function getIncidents(conn: DuckDBConnection, incidentIds: readonly string[]): Promise<Incident[]> {
  if (incidentIds.length === 0) return [];
  const reader = await conn.runAndReadAll(`${SELECT_INCIDENT} WHERE list_contains($1::VARCHAR[], i.incident_id)`, [JSON.stringify(incidentIds).replaceAll('"', "'")]);
  return reader.getRows().map(toIncident);
}

/** Which incident (per rule) each event is already part of, and the event version it last saw. */
export async function incidentLinks(conn: DuckDBConnection, eventIds: readonly string[]): Promise<Map<string, { incidentId: string; eventUpdatedAtMs: number }>> {
  const links = new Map<string, { incidentId: string; eventUpdatedAtMs: number }>();
  if (eventIds.length === 0) return links;
  const reader = await conn.runAndReadAll(
    'SELECT rule_id, event_id, incident_id, epoch_ms(event_updated_at)::DOUBLE FROM incident_events WHERE list_contains($1::VARCHAR[], event_id)',
    [JSON.stringify(eventIds).replaceAll('"', "'")],
  );
  for (const r of reader.getRows()) links.set(`${r[0]}\u0000${r[1]}`, { incidentId: String(r[2]), eventUpdatedAtMs: Number(r[3]) });
  return links;
}

/** The incidents grouping may attach to: per rule, device and kind, those ending after `sinceMs`. */
export async function incidentSpans(conn: DuckDBConnection, deviceIds: readonly string[], sinceMs: number): Promise<Map<string, IncidentSpan[]>> {
  const spans = new Map<string, IncidentSpan[]>();
  if (deviceIds.length === 0) return spans;
  const reader = await conn.runAndReadAll(
    `SELECT rule_id, device_id, kind, incident_id, state, epoch_ms(start_ts)::DOUBLE, epoch_ms(end_ts)::DOUBLE FROM incidents
     WHERE list_contains($1::VARCHAR[], device_id) AND end_ts >= ${ts('$2')}`,
    [JSON.stringify([...new Set(deviceIds)]).replaceAll('"', "'"), sinceMs],
  );
  for (const r of reader.getRows()) {
    const key = spanKey(String(r[0]), String(r[1]), String(r[2]));
    const list = spans.get(key) ?? [];
    list.push({ incidentId: String(r[3]), state: String(r[4]) as IncidentState, startMs: Number(r[5]), endMs: Number(r[6]) });
    spans.set(key, list);
  }
  return spans;
}

export const spanKey = (ruleId: string, deviceId: string, kind: string) => `${ruleId}\u0000${deviceId}\u0000${kind}`;

export interface NewIncident {
  incidentId: string;
  ruleId: string;
  deviceId: string;
  kind: string;
  severity: Severity;
  summary: string;
  startMs: number;
  endMs: number;
  lat: number | null;
  lon: number | null;
}

export async function insertIncident(conn: DuckDBConnection, inc: NewIncident, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO incidents VALUES ($1, $2, $3, $4, $5, 'open', $6, ${ts('$7')}, ${ts('$8')}, $9, $10, ${ts('$11')}, ${ts('$11')}, NULL, NULL, NULL, NULL, NULL)`,
    [inc.incidentId, inc.ruleId, inc.deviceId, inc.kind, inc.severity, inc.summary, Math.round(inc.startMs), Math.round(inc.endMs), inc.lat, inc.lon, nowMs],
  );
}

/** A repeated or growing detection: widen the span, raise the severity, take the latest summary. */
export async function updateIncidentSpan(conn: DuckDBConnection, incidentId: string, e: { startMs: number; endMs: number; severity: Severity; summary: string }, nowMs: number): Promise<void> {
  await conn.run(
    `UPDATE incidents SET start_ts = least(start_ts, ${ts('$2')}), end_ts = greatest(end_ts, ${ts('$3')}),
       severity = CASE WHEN $4 = 'critical' OR severity = 'critical' THEN 'critical' WHEN $4 = 'warning' OR severity = 'warning' THEN 'warning' ELSE 'info' END,
       summary = $5, updated_at = ${ts('$6')} WHERE incident_id = $1`,
    [incidentId, Math.round(e.startMs), Math.round(e.endMs), e.severity, e.summary, nowMs],
  );
}

/**
 * Many span updates in one statement (one per incident: the caller merges repeated updates of an
 * incident first). Open breakdowns grow every second, so a scan can carry hundreds of them.
 */
export async function updateIncidentSpans(conn: DuckDBConnection, updates: readonly { incidentId: string; startMs: number; endMs: number; severity: Severity; summary: string }[], nowMs: number): Promise<void> {
  if (updates.length === 0) return;
  await conn.run(
    `UPDATE incidents SET start_ts = least(start_ts, epoch_ms(CAST(u.start_ms AS BIGINT))), end_ts = greatest(end_ts, epoch_ms(CAST(u.end_ms AS BIGINT))),
       severity = CASE WHEN u.severity = 'critical' OR incidents.severity = 'critical' THEN 'critical' WHEN u.severity = 'warning' OR incidents.severity = 'warning' THEN 'warning' ELSE 'info' END,
       summary = u.summary, updated_at = ${ts('$6')}
     FROM (SELECT unnest($1::VARCHAR[]) AS incident_id, unnest($2::DOUBLE[]) AS start_ms, unnest($3::DOUBLE[]) AS end_ms, unnest($4::VARCHAR[]) AS severity, unnest($5::VARCHAR[]) AS summary) u
     WHERE incidents.incident_id = u.incident_id`,
    [
      listValue(updates.map((u) => u.incidentId)), listValue(updates.map((u) => Math.round(u.startMs))), listValue(updates.map((u) => Math.round(u.endMs))),
      listValue(updates.map((u) => u.severity)), listValue(updates.map((u) => u.summary)), nowMs,
    ],
  );
}

/** Many links in one statement; one per (rule, event), the caller keeps the last. */
export async function linkEvents(conn: DuckDBConnection, links: readonly { incidentId: string; ruleId: string; eventId: string; eventUpdatedAtMs: number }[]): Promise<void> {
  if (links.length === 0) return;
  await conn.run(
    `INSERT INTO incident_events SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), epoch_ms(CAST(unnest($4::DOUBLE[]) AS BIGINT))
     ON CONFLICT (rule_id, event_id) DO UPDATE SET event_updated_at = excluded.event_updated_at`,
    [listValue(links.map((l) => l.incidentId)), listValue(links.map((l) => l.ruleId)), listValue(links.map((l) => l.eventId)), listValue(links.map((l) => Math.round(l.eventUpdatedAtMs)))],
  );
}

export async function linkEvent(conn: DuckDBConnection, link: { incidentId: string; ruleId: string; eventId: string; eventUpdatedAtMs: number }): Promise<void> {
  await conn.run(
    `INSERT INTO incident_events VALUES ($1, $2, $3, ${ts('$4')}) ON CONFLICT (rule_id, event_id) DO UPDATE SET event_updated_at = excluded.event_updated_at`,
    [link.incidentId, link.ruleId, link.eventId, link.eventUpdatedAtMs],
  );
}

/**
 * open → acknowledged → resolved; never backwards. Returns the state before, or undefined when
 * there is no such incident. A repeated ack or resolve changes nothing.
 */
export async function advanceIncident(
  conn: DuckDBConnection,
  incidentId: string,
  to: 'acknowledged' | 'resolved',
  by: string | null,
  note: string | null,
  nowMs: number,
): Promise<IncidentState | undefined> {
  const reader = await conn.runAndReadAll('SELECT state FROM incidents WHERE incident_id = $1', [incidentId]);
  const row = reader.getRows()[0];
  if (!row) return undefined;
  const before = String(row[0]) as IncidentState;
  if (before === 'resolved' || before === to) return before;
  if (to === 'acknowledged') {
    await conn.run(
      `UPDATE incidents SET state = 'acknowledged', acknowledged_at = ${ts('$2')}, acknowledged_by = $3, note = coalesce($4, note), updated_at = ${ts('$2')} WHERE incident_id = $1`,
      [incidentId, nowMs, by, note],
    );
  } else {
    await conn.run(
      `UPDATE incidents SET state = 'resolved', resolved_at = ${ts('$2')}, resolved_by = $3, note = coalesce($4, note), updated_at = ${ts('$2')},
         acknowledged_at = coalesce(acknowledged_at, ${nullableTs('$2')}), acknowledged_by = coalesce(acknowledged_by, $3) WHERE incident_id = $1`,
      [incidentId, nowMs, by, note],
    );
  }
  return before;
}
