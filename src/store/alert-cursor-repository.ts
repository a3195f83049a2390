import type { DuckDBConnection } from '@duckdb/node-api';
import type { Severity } from '../domain/events/detected-event.ts';

/** An event as the alert engine scans it: with its device's fleet and the time it last changed. */
export interface ScannedEvent {
  eventId: string;
  deviceId: string;
  kind: string;
  subkind: string;
  severity: Severity;
  startMs: number;
  endMs: number | null;
  lat: number | null;
  lon: number | null;
  summary: string;
  detectedAtMs: number;
  updatedAtMs: number;
  fleet: string | null;
}

/**
 * The engine's position in `events`, by `updated_at`; undefined before the first scan. `name`:
 * 'events' for a process that scans every device, `events:p<N>` per partition when several
 * processes share the devices (a partition's cursor moves with its lease).
 */
export async function readAlertCursor(conn: DuckDBConnection, name = 'events'): Promise<number | undefined> {
  const reader = await conn.runAndReadAll(`SELECT epoch_ms(updated_at)::DOUBLE FROM alert_cursor WHERE name = $1`, [name]);
  const v = reader.getRows()[0]?.[0];
  return v === undefined || v === null ? undefined : Number(v);
}

export async function writeAlertCursor(conn: DuckDBConnection, updatedAtMs: number, name = 'events'): Promise<void> {
  await conn.run(
    `INSERT INTO alert_cursor VALUES ($2, epoch_ms(CAST($1 AS BIGINT))) ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`,
    [Math.round(updatedAtMs), name],
  );
}

/** Events created or changed at or after `sinceMs`, oldest change first. */
export async function eventsUpdatedSince(conn: DuckDBConnection, sinceMs: number): Promise<ScannedEvent[]> {
  const reader = await conn.runAndReadAll(
    `SELECT e.event_id, e.device_id, e.kind, e.subkind, e.severity, epoch_ms(e.start_ts)::DOUBLE, epoch_ms(e.end_ts)::DOUBLE, e.lat, e.lon, e.summary,
            epoch_ms(e.updated_at)::DOUBLE, d.fleet, epoch_ms(e.detected_at)::DOUBLE
     FROM events e LEFT JOIN devices d ON d.device_id = e.device_id
     WHERE e.updated_at >= epoch_ms(CAST($1 AS BIGINT)) ORDER BY e.updated_at, e.event_id`,
    [Math.round(Math.max(sinceMs, -8.64e15))],
  );
  const num = (v: unknown) => (v === null ? null : Number(v));
  return reader.getRows().map((r) => ({
    eventId: String(r[0]), deviceId: String(r[1]), kind: String(r[2]), subkind: String(r[3]), severity: String(r[4]) as Severity,
    startMs: Number(r[5]), endMs: num(r[6]), lat: num(r[7]), lon: num(r[8]), summary: String(r[9]), updatedAtMs: Number(r[10]),
    fleet: r[11] === null ? null : String(r[11]), detectedAtMs: Number(r[12]),
  }));
}
