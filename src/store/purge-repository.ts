import type { DuckDBConnection } from '@duckdb/node-api';
import { purgeTelemetryMinutes } from './telemetry-minutes-repository.ts';

/** Rows removed per table by a purge. */
export type PurgeCounts = Record<'telemetry' | 'sessions' | 'events' | 'annotations' | 'incidents' | 'outbox' | 'derivedWork' | 'quarantine' | 'feedback' | 'healthState' | 'device', number>;

const before = (column: string, n: number) => `(CAST($${n} AS BIGINT) IS NULL OR ${column} < epoch_ms(CAST($${n} AS BIGINT)))`;

/** Counts, then deletes, the rows of `table` matching `where` (inside the caller's transaction, so the count is what goes). */
async function remove(conn: DuckDBConnection, table: string, where: string, params: unknown[]): Promise<number> {
  const reader = await conn.runAndReadAll(`SELECT count(*) FROM ${table} WHERE ${where}`, params as never);
  const n = Number(reader.getRows()[0]?.[0] ?? 0);
  if (n > 0) await conn.run(`DELETE FROM ${table} WHERE ${where}`, params as never);
  return n;
}

/**
 * Everything stored about a device (before `beforeMs`, or all of it): telemetry, sessions, events,
 * annotations, incidents with their links and every notice about them in the outbox, queued
 * derived work, and (for a whole purge) the device itself. The caller runs it in one transaction.
 */
export async function purgeDeviceRows(conn: DuckDBConnection, deviceId: string, beforeMs: number | null): Promise<PurgeCounts> {
  const p = [deviceId, beforeMs];
  const count = (table: string, where: string) => remove(conn, table, where, p);
  const incidentIds = `SELECT incident_id FROM incidents WHERE device_id = $1 AND ${before('start_ts', 2)}`;
  const outbox = await count('outbox', `incident_id IN (${incidentIds})`);
  await count('incident_events', `incident_id IN (${incidentIds})`);
  const counts: PurgeCounts = {
    telemetry: await count('telemetry', `device_id = $1 AND ${before('ts', 2)}`),
    sessions: await count('sessions', `device_id = $1 AND ${before('start_ts', 2)}`),
    events: await count('events', `device_id = $1 AND ${before('start_ts', 2)}`),
    annotations: await count('annotations', `device_id = $1 AND ${before('start_ts', 2)}`),
    incidents: await count('incidents', `device_id = $1 AND ${before('start_ts', 2)}`),
    outbox,
    derivedWork: beforeMs === null ? await count('derived_work', 'device_id = $1 AND $2::BIGINT IS NULL') : 0,
    // A quarantined row is the raw text of a bad row: the device it names (or its batch named), or,
    // where neither could be read (a row older than the device column), any row whose text has the
    // id. Its time is unreadable by definition, so a partial purge goes by when it arrived.
    quarantine: await count('quarantine', `(device_id = $1 OR (device_id IS NULL AND contains(raw_text, $1))) AND ${before('quarantined_at', 2)}`),
    feedback: await count('feedback', `device_id = $1 AND ${before('ts', 2)}`),
    healthState: beforeMs === null ? await count('health_state', 'device_id = $1 AND $2::BIGINT IS NULL') : 0,
    device: 0,
  };
  await purgeTelemetryMinutes(conn, deviceId, beforeMs);
  if (beforeMs === null) {
    counts.device = await count('devices', 'device_id = $1 AND $2::BIGINT IS NULL');
  } else {
    // What is left of the device: its span and row count follow the purge.
    await conn.run(
      `UPDATE devices SET first_ts = (SELECT min(ts) FROM telemetry WHERE device_id = $1), row_count = (SELECT count(*) FROM telemetry WHERE device_id = $1),
          latest_soc_pct = CASE WHEN latest_soc_ts < epoch_ms(CAST($2 AS BIGINT)) THEN NULL ELSE latest_soc_pct END,
          latest_soc_ts = CASE WHEN latest_soc_ts < epoch_ms(CAST($2 AS BIGINT)) THEN NULL ELSE latest_soc_ts END,
          latest_state = CASE WHEN latest_state_ts < epoch_ms(CAST($2 AS BIGINT)) THEN NULL ELSE latest_state END,
          latest_state_ts = CASE WHEN latest_state_ts < epoch_ms(CAST($2 AS BIGINT)) THEN NULL ELSE latest_state_ts END
        WHERE device_id = $1 AND $2::BIGINT IS NOT NULL`,
      p as never,
    );
  }
  return counts;
}

/** Devices of a fleet, for its retention period. */
export async function devicesOfFleet(conn: DuckDBConnection, fleet: string): Promise<string[]> {
  const reader = await conn.runAndReadAll('SELECT device_id FROM devices WHERE fleet = $1 ORDER BY device_id', [fleet]);
  return reader.getRows().map((r) => String(r[0]));
}
