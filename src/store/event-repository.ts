import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { DetectedEvent, StoredEvent } from '../domain/events/detected-event.ts';
import { afterKeySql, limitValue } from './keyset-sql.ts';
import { inTransaction } from './in-transaction.ts';

export interface EventWindow {
  deviceId: string;
  /** Inclusive; undefined = from the beginning. */
  fromMs?: number | undefined;
  /** Exclusive; undefined = to the end. */
  toMs?: number | undefined;
}

const MIN_MS = -8.64e15;
const MAX_MS = 8.64e15;
const iso = (ms: number) => new Date(ms).toISOString();

/** What changed when a window's events were replaced: alerts and live streams act on it. */
export interface EventChanges {
  created: DetectedEvent[];
  updated: DetectedEvent[];
  removed: string[];
}

/**
 * Makes the stored events of `detectors` that start inside the window exactly `events`, in one
 * transaction: same id → updated in place (first `detected_at` kept), new id → inserted, stored
 * but no longer found → removed. Running the same detection twice therefore changes nothing,
 * and batch and live detection converge on the same rows.
 */
export async function replaceEvents(
  conn: DuckDBConnection,
  window: EventWindow,
  detectors: readonly string[],
  events: readonly DetectedEvent[],
  nowMs: number,
): Promise<EventChanges> {
  return inTransaction(conn, () => replaceEventsInTransaction(conn, window, detectors, events, nowMs));
}

/** replaceEvents inside the caller's transaction (live detection writes a whole cycle in one). */
export async function replaceEventsInTransaction(
  conn: DuckDBConnection,
  window: EventWindow,
  detectors: readonly string[],
  events: readonly DetectedEvent[],
  nowMs: number,
): Promise<EventChanges> {
  const changes: EventChanges = { created: [], updated: [], removed: [] };
  {
    const existing = await conn.runAndReadAll(
      `SELECT event_id, severity, coalesce(epoch_ms(end_ts)::DOUBLE, 'NaN'::DOUBLE), summary, coalesce(score, 'NaN'::DOUBLE)
       FROM events WHERE device_id = $1 AND start_ts >= epoch_ms(CAST($2 AS BIGINT)) AND start_ts < epoch_ms(CAST($3 AS BIGINT))
       AND list_contains($4::VARCHAR[], detector)`,
      [window.deviceId, window.fromMs ?? MIN_MS, window.toMs ?? MAX_MS, `[${detectors.map((d) => JSON.stringify(d).replaceAll('"', "'")).join(',')}]`],
    );
    const stored = new Map(existing.getRows().map((r) => [String(r[0]), r.slice(1).map(String).join('\u0000')]));
    const seen = new Set<string>();
    for (const e of events) {
      if (seen.has(e.eventId)) continue;
      seen.add(e.eventId);
      const fingerprint = eventFingerprint(e);
      const before = stored.get(e.eventId);
      if (before === undefined) {
        await conn.run(
          `INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, epoch_ms(CAST($7 AS BIGINT)), CASE WHEN $8::DOUBLE IS NULL THEN NULL ELSE epoch_ms(CAST($8 AS BIGINT)) END,
             $9, $10, $11, $12, $13, epoch_ms(CAST($14 AS BIGINT)), epoch_ms(CAST($14 AS BIGINT)))
           ON CONFLICT (event_id) DO UPDATE SET severity = excluded.severity, end_ts = excluded.end_ts, summary = excluded.summary,
             score = excluded.score, evidence = excluded.evidence, updated_at = excluded.updated_at`,
          [e.eventId, e.deviceId, e.kind, e.subkind, e.severity, e.detector, Math.round(e.startMs), e.endMs === null ? null : Math.round(e.endMs),
            e.lat, e.lon, e.summary, e.score, JSON.stringify(e.evidence), nowMs],
        );
        changes.created.push(e);
      } else if (before !== fingerprint) {
        await conn.run(
          `UPDATE events SET severity = $2, end_ts = CASE WHEN $3::DOUBLE IS NULL THEN NULL ELSE epoch_ms(CAST($3 AS BIGINT)) END, lat = $4, lon = $5,
             summary = $6, score = $7, evidence = $8, updated_at = epoch_ms(CAST($9 AS BIGINT)) WHERE event_id = $1`,
          [e.eventId, e.severity, e.endMs === null ? null : Math.round(e.endMs), e.lat, e.lon, e.summary, e.score, JSON.stringify(e.evidence), nowMs],
        );
        changes.updated.push(e);
      }
    }
    for (const id of stored.keys()) {
      if (seen.has(id)) continue;
      await conn.run('DELETE FROM events WHERE event_id = $1', [id]);
      changes.removed.push(id);
    }
  }
  return changes;
}

/**
 * Rewrites stored events in place (same ids) in one statement, keeping `detected_at`: live
 * detection's commonest change is open events growing by a second, ~100 a second in a large
 * fleet, and a statement per event cost ~5 ms each.
 */
export async function updateEvents(conn: DuckDBConnection, events: readonly DetectedEvent[], nowMs: number): Promise<void> {
  if (events.length === 0) return;
  const list = (f: (e: DetectedEvent) => DuckDBValue) => listValue(events.map(f));
  await conn.run(
    `UPDATE events SET severity = u.severity, end_ts = CASE WHEN u.end_ms IS NULL THEN NULL ELSE epoch_ms(CAST(u.end_ms AS BIGINT)) END,
       lat = u.lat, lon = u.lon, summary = u.summary, score = u.score, evidence = u.evidence, updated_at = epoch_ms(CAST($9 AS BIGINT))
     FROM (SELECT unnest($1::VARCHAR[]) AS event_id, unnest($2::VARCHAR[]) AS severity, unnest($3::DOUBLE[]) AS end_ms, unnest($4::DOUBLE[]) AS lat,
             unnest($5::DOUBLE[]) AS lon, unnest($6::VARCHAR[]) AS summary, unnest($7::DOUBLE[]) AS score, unnest($8::VARCHAR[]) AS evidence) u
     WHERE events.event_id = u.event_id`,
    [list((e) => e.eventId), list((e) => e.severity), list((e) => (e.endMs === null ? null : Math.round(e.endMs))), list((e) => e.lat), list((e) => e.lon),
      list((e) => e.summary), list((e) => e.score), list((e) => JSON.stringify(e.evidence)), nowMs],
  );
}

/** The fingerprint replaceEvents compares: an event whose fingerprint is unchanged is not rewritten. */
export function eventFingerprint(e: Pick<DetectedEvent, 'severity' | 'endMs' | 'summary' | 'score'>): string {
  return [e.severity, String(e.endMs ?? Number.NaN), e.summary, String(e.score ?? Number.NaN)].join('\u0000');
}

export interface EventQuery extends EventWindow {
  kind?: string | undefined;
  minSeverity?: 'info' | 'warning' | 'critical' | undefined;
  /** Keyset cursor: only events after this one (start, then id). */
  after?: { startMs: number; eventId: string } | undefined;
  limit?: number | undefined;
}

const EVENT_COLUMNS = `event_id, device_id, kind, subkind, severity, detector, epoch_ms(start_ts)::DOUBLE, epoch_ms(end_ts)::DOUBLE, lat, lon, summary, score,
            evidence::VARCHAR, epoch_ms(detected_at)::DOUBLE, epoch_ms(updated_at)::DOUBLE`;

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/** A device's events overlapping [fromMs, toMs), in time order. */
export async function listEvents(conn: DuckDBConnection, q: EventQuery): Promise<StoredEvent[]> {
  const reader = await conn.runAndReadAll(
    `SELECT ${EVENT_COLUMNS}
     FROM events WHERE device_id = $1 AND coalesce(end_ts, start_ts) >= epoch_ms(CAST($2 AS BIGINT)) AND start_ts < epoch_ms(CAST($3 AS BIGINT))
       AND ($4::VARCHAR IS NULL OR kind = $4)
       AND (CASE severity WHEN 'critical' THEN ${SEVERITY_RANK.critical} WHEN 'warning' THEN ${SEVERITY_RANK.warning} ELSE ${SEVERITY_RANK.info} END) >= $5
       AND ${afterKeySql({ sort: 'start_ts', id: 'event_id', sortValue: 'epoch_ms(CAST($6 AS BIGINT))', nullParam: '$6::DOUBLE', idParam: '$7' })}
     ORDER BY start_ts, event_id LIMIT $8`,
    [q.deviceId, q.fromMs ?? MIN_MS, q.toMs ?? MAX_MS, q.kind ?? null, SEVERITY_RANK[q.minSeverity ?? 'info'], q.after?.startMs ?? null, q.after?.eventId ?? null, limitValue(q.limit)],
  );
  return reader.getRows().map(toStoredEvent);
}

export interface FleetEventQuery {
  fromMs?: number | undefined;
  toMs?: number | undefined;
  kind?: string | undefined;
  minSeverity?: 'info' | 'warning' | 'critical' | undefined;
  /** Only devices of this fleet. */
  fleet?: string | undefined;
  /** Only devices of these fleets (a fleet-scoped key); undefined = all. */
  fleets?: readonly string[] | undefined;
  /** Keyset cursor: only events after this one (newest first, then id). */
  after?: { startMs: number; eventId: string } | undefined;
  limit?: number | undefined;
}

/** Every device's events overlapping [fromMs, toMs), newest first: the fleet-wide feed. */
export async function listFleetEvents(conn: DuckDBConnection, q: FleetEventQuery): Promise<StoredEvent[]> {
  const reader = await conn.runAndReadAll(
    `SELECT e.event_id, e.device_id, e.kind, e.subkind, e.severity, e.detector, epoch_ms(e.start_ts)::DOUBLE, epoch_ms(e.end_ts)::DOUBLE, e.lat, e.lon,
            e.summary, e.score, e.evidence::VARCHAR, epoch_ms(e.detected_at)::DOUBLE, epoch_ms(e.updated_at)::DOUBLE
     FROM events e LEFT JOIN devices d ON d.device_id = e.device_id
     WHERE coalesce(e.end_ts, e.start_ts) >= epoch_ms(CAST($1 AS BIGINT)) AND e.start_ts < epoch_ms(CAST($2 AS BIGINT))
       AND ($3::VARCHAR IS NULL OR e.kind = $3)
       AND (CASE e.severity WHEN 'critical' THEN ${SEVERITY_RANK.critical} WHEN 'warning' THEN ${SEVERITY_RANK.warning} ELSE ${SEVERITY_RANK.info} END) >= $4
       AND ($5::VARCHAR IS NULL OR d.fleet = $5) AND ($6::VARCHAR[] IS NULL OR list_contains($6::VARCHAR[], d.fleet))
       AND ${afterKeySql({ sort: 'e.start_ts', id: 'e.event_id', sortValue: 'epoch_ms(CAST($7 AS BIGINT))', nullParam: '$7::DOUBLE', idParam: '$8', descending: true })}
     ORDER BY e.start_ts DESC, e.event_id LIMIT $9`,
    [q.fromMs ?? MIN_MS, q.toMs ?? MAX_MS, q.kind ?? null, SEVERITY_RANK[q.minSeverity ?? 'info'], q.fleet ?? null,
      q.fleets === undefined ? null : listValue([...q.fleets]), q.after?.startMs ?? null, q.after?.eventId ?? null, limitValue(q.limit)],
  );
  return reader.getRows().map(toStoredEvent);
}

/** One of a device's events by id. */
export async function getEvent(conn: DuckDBConnection, deviceId: string, id: string): Promise<StoredEvent | undefined> {
  const reader = await conn.runAndReadAll(`SELECT ${EVENT_COLUMNS} FROM events WHERE device_id = $1 AND event_id = $2`, [deviceId, id]);
  const row = reader.getRows()[0];
  return row ? toStoredEvent(row) : undefined;
}

function toStoredEvent(r: DuckDBValue[]): StoredEvent {
  return {
    eventId: String(r[0]),
    deviceId: String(r[1]),
    kind: String(r[2]) as StoredEvent['kind'],
    subkind: String(r[3]),
    severity: String(r[4]) as StoredEvent['severity'],
    detector: String(r[5]),
    startMs: Number(r[6]),
    endMs: r[7] === null ? null : Number(r[7]),
    lat: r[8] === null ? null : Number(r[8]),
    lon: r[9] === null ? null : Number(r[9]),
    summary: String(r[10]),
    score: r[11] === null ? null : Number(r[11]),
    evidence: JSON.parse(String(r[12])) as StoredEvent['evidence'],
    detectedAtMs: Number(r[13]),
    updatedAtMs: Number(r[14]),
  };
}

/**
 * Many devices' events that overlap [fromMs, ∞) — each device from its own `fromMs` — in one
 * query, in time order: what live detection compares a cycle's findings with.
 */
export async function listEventsOfDevices(conn: DuckDBConnection, windows: readonly { deviceId: string; fromMs: number }[]): Promise<Map<string, StoredEvent[]>> {
  const out = new Map<string, StoredEvent[]>();
  const fromByDevice = new Map<string, number>();
  for (const w of windows) fromByDevice.set(w.deviceId, Math.min(fromByDevice.get(w.deviceId) ?? Infinity, w.fromMs));
  if (fromByDevice.size === 0) return out;
  const reader = await conn.runAndReadAll(
    `WITH w AS (SELECT unnest($1::VARCHAR[]) AS device_id, unnest($2::DOUBLE[]) AS from_ms)
     SELECT ${EVENT_COLUMNS} FROM events JOIN w USING (device_id)
     WHERE coalesce(end_ts, start_ts) >= epoch_ms(CAST(w.from_ms AS BIGINT)) ORDER BY start_ts, event_id`,
    [listValue([...fromByDevice.keys()]), listValue([...fromByDevice.values()].map((ms) => Math.round(ms)))],
  );
  for (const e of reader.getRows().map(toStoredEvent)) {
    const list = out.get(e.deviceId);
    if (list) list.push(e);
    else out.set(e.deviceId, [e]);
  }
  return out;
}

/** Events by id, in time order (an incident's evidence). */
export async function getEvents(conn: DuckDBConnection, eventIds: readonly string[]): Promise<StoredEvent[]> {
  if (eventIds.length === 0) return [];
  const reader = await conn.runAndReadAll(`SELECT ${EVENT_COLUMNS} FROM events WHERE list_contains($1::VARCHAR[], event_id) ORDER BY start_ts, event_id`, [listValue([...eventIds])]);
  return reader.getRows().map(toStoredEvent);
}
