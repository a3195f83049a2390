import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { HealthInputs } from '../domain/health/journey-health.ts';

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;

export interface HealthSelection {
  deviceIds?: readonly string[] | undefined;
  fleet?: string | undefined;
  /** Only what happened before this and at most `lookbackMs` earlier is read. */
  atMs: number;
  lookbackMs: number;
}

/** Events, incidents and feedback of the selected vehicles (all devices when nothing is selected), one list per vehicle. */
export async function readHealthInputs(conn: DuckDBConnection, s: HealthSelection): Promise<HealthInputs[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (s.deviceIds) {
    params.push(listValue([...s.deviceIds]));
    where.push(`list_contains($${params.length}, device_id)`);
  }
  if (s.fleet !== undefined) {
    params.push(s.fleet);
    where.push(`fleet = $${params.length}`);
  }
  const devices = (await conn.runAndReadAll(`SELECT device_id FROM devices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY device_id`, params as never)).getRows().map((r) => String(r[0]));
  const byDevice = new Map<string, HealthInputs>(devices.map((d) => [d, { deviceId: d, events: [], incidents: [], feedback: [] }]));
  if (devices.length === 0) return [];
  const scope = [listValue(devices), s.atMs - s.lookbackMs, s.atMs];
  const events = await conn.runAndReadAll(
    `SELECT device_id, event_id, kind, subkind, severity, epoch_ms(start_ts)::DOUBLE FROM events
     WHERE list_contains($1, device_id) AND start_ts >= ${ts('$2')} AND start_ts <= ${ts('$3')} ORDER BY device_id, start_ts`,
    scope,
  );
  for (const r of events.getRows()) {
    (byDevice.get(String(r[0]))!.events as unknown[]).push({ eventId: String(r[1]), kind: String(r[2]), subkind: String(r[3]), severity: String(r[4]), startMs: Number(r[5]) });
  }
  const incidents = await conn.runAndReadAll(
    `SELECT device_id, incident_id, kind, epoch_ms(opened_at)::DOUBLE, epoch_ms(acknowledged_at)::DOUBLE, epoch_ms(resolved_at)::DOUBLE FROM incidents
     WHERE list_contains($1, device_id) AND opened_at >= ${ts('$2')} AND opened_at <= ${ts('$3')} ORDER BY device_id, opened_at`,
    scope,
  );
  for (const r of incidents.getRows()) {
    (byDevice.get(String(r[0]))!.incidents as unknown[]).push({
      incidentId: String(r[1]), kind: String(r[2]), openedAtMs: Number(r[3]),
      acknowledgedAtMs: r[4] === null ? null : Number(r[4]), resolvedAtMs: r[5] === null ? null : Number(r[5]),
    });
  }
  const feedback = await conn.runAndReadAll(
    `SELECT device_id, feedback_id, kind, score, epoch_ms(ts)::DOUBLE FROM feedback
     WHERE list_contains($1, device_id) AND ts >= ${ts('$2')} AND ts <= ${ts('$3')} ORDER BY device_id, ts`,
    scope,
  );
  for (const r of feedback.getRows()) {
    (byDevice.get(String(r[0]))!.feedback as unknown[]).push({ feedbackId: String(r[1]), kind: String(r[2]), score: r[3] === null ? null : Number(r[3]), tsMs: Number(r[4]) });
  }
  return [...byDevice.values()];
}

export interface HealthWatchState {
  below: boolean;
  crossings: number;
}

export async function readHealthStates(conn: DuckDBConnection, watchId: string): Promise<Map<string, HealthWatchState>> {
  const rows = (await conn.runAndReadAll('SELECT device_id, below, crossings FROM health_state WHERE watch_id = $1', [watchId])).getRows();
  return new Map(rows.map((r) => [String(r[0]), { below: Boolean(r[1]), crossings: Number(r[2]) }]));
}

export async function writeHealthState(conn: DuckDBConnection, watchId: string, deviceId: string, state: HealthWatchState & { score: number }, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO health_state VALUES ($1, $2, $3, $4, $5, ${ts('$6')})
     ON CONFLICT (watch_id, device_id) DO UPDATE SET below = excluded.below, crossings = excluded.crossings, score = excluded.score, updated_at = excluded.updated_at`,
    [watchId, deviceId, state.below, state.crossings, state.score, nowMs],
  );
}

export async function upsertHealthWatch(conn: DuckDBConnection, watchId: string, body: string, nowMs: number): Promise<void> {
  await conn.run(`INSERT INTO health_watches VALUES ($1, $2, ${ts('$3')}) ON CONFLICT (watch_id) DO UPDATE SET body = excluded.body`, [watchId, body, nowMs]);
}

export async function listHealthWatches(conn: DuckDBConnection): Promise<{ watchId: string; body: string }[]> {
  return (await conn.runAndReadAll('SELECT watch_id, body::VARCHAR FROM health_watches ORDER BY watch_id')).getRows().map((r) => ({ watchId: String(r[0]), body: String(r[1]) }));
}
