import { createHash } from 'node:crypto';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { Period, PeriodKind } from '../domain/segmentation/period-stats.ts';
import { afterKeySql, limitValue } from './keyset-sql.ts';
import { inTransaction } from './in-transaction.ts';

export interface StoredSession extends Period {
  sessionId: string;
  deviceId: string;
}

/** Stable across recomputations: the same period of the same device keeps its id. */
export function sessionId(deviceId: string, period: Pick<Period, 'kind' | 'startMs'>): string {
  return createHash('sha1').update(`${deviceId}\u0000${period.kind}\u0000${period.startMs}`).digest('hex').slice(0, 16);
}

/** Start of the stored period `back` periods before the one holding `tsMs` (undefined: none stored that early). */
export async function sessionAnchorMs(conn: DuckDBConnection, deviceId: string, tsMs: number, back: number): Promise<number | undefined> {
  const reader = await conn.runAndReadAll(
    `SELECT epoch_ms(start_ts)::DOUBLE FROM sessions WHERE device_id = $1 AND start_ts <= epoch_ms(CAST($2 AS BIGINT))
     ORDER BY start_ts DESC LIMIT 1 OFFSET $3`,
    [deviceId, tsMs, back],
  );
  const row = reader.getRows()[0];
  return row ? Number(row[0]) : undefined;
}

/** sessionAnchorMs for many devices in one query: per device, the start `back` periods before the one holding its `tsMs`. */
export async function sessionAnchorsOfDevices(conn: DuckDBConnection, at: readonly { deviceId: string; tsMs: number }[], back: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < at.length; i += 500) {
    const chunk = at.slice(i, i + 500);
    const values = chunk.map((_, k) => `($${2 * k + 2}, CAST($${2 * k + 3} AS BIGINT))`).join(', ');
    const reader = await conn.runAndReadAll(
      `WITH r(device_id, ts_ms) AS (VALUES ${values}),
       ranked AS (
         SELECT s.device_id, s.start_ts, row_number() OVER (PARTITION BY s.device_id ORDER BY s.start_ts DESC) AS n
         FROM sessions s JOIN r ON s.device_id = r.device_id AND s.start_ts <= epoch_ms(r.ts_ms))
       SELECT device_id, epoch_ms(start_ts)::DOUBLE FROM ranked WHERE n = $1 + 1`,
      [back, ...chunk.flatMap((a) => [a.deviceId, a.tsMs])],
    );
    for (const [deviceId, startMs] of reader.getRows()) out.set(String(deviceId), Number(startMs));
  }
  return out;
}

/** The typed copy of the period's figures and conditions that cohort queries aggregate (migration 6). */
function appendConditionColumns(appender: DuckDBAppender, p: Period): void {
  const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? appender.appendNull() : appender.appendDouble(v));
  const c = p.conditions;
  num(p.durationS);
  num(p.distanceKm);
  for (const v of [c?.highwayKm, c?.arterialKm, c?.cityKm, c?.highwayS, c?.arterialS, c?.cityS, c?.meanOutsideTempC]) num(v);
  appender.appendVarchar(c?.tempBand ?? 'unknown');
  appender.appendVarchar(c?.daylight ?? 'unknown');
}

/** Replaces the stored periods of a device from `fromMs` on (all of them when undefined). */
export async function replaceSessions(conn: DuckDBConnection, deviceId: string, fromMs: number | undefined, periods: readonly Period[]): Promise<void> {
  await inTransaction(conn, () => replaceSessionsInTransaction(conn, deviceId, fromMs, periods));
}

/** replaceSessions inside the caller's transaction (the derived pipeline writes sessions, events and its work rows in one). */
export async function replaceSessionsInTransaction(conn: DuckDBConnection, deviceId: string, fromMs: number | undefined, periods: readonly Period[]): Promise<void> {
  await replaceSessionsOfDevicesInTransaction(conn, [{ deviceId, fromMs, periods }]);
}

/** Sessions to replace for one device: its stored periods from `fromMs` on (all when undefined) become `periods`. */
export interface SessionReplacement {
  deviceId: string;
  fromMs: number | undefined;
  periods: readonly Period[];
}

/**
 * replaceSessionsInTransaction for many devices at once: one DELETE and one appender for them
 * all, so a pipeline cycle of a hundred devices costs one flush, not a hundred.
 */
export async function replaceSessionsOfDevicesInTransaction(conn: DuckDBConnection, replacements: readonly SessionReplacement[]): Promise<void> {
  // Chunks keep the statement's parameter list short.
  for (let i = 0; i < replacements.length; i += 500) {
    const chunk = replacements.slice(i, i + 500);
    const values = chunk.map((_, k) => `($${2 * k + 1}, CAST($${2 * k + 2} AS BIGINT))`).join(', ');
    await conn.run(
      `DELETE FROM sessions USING (VALUES ${values}) AS r(device_id, from_ms) WHERE sessions.device_id = r.device_id AND sessions.start_ts >= epoch_ms(r.from_ms)`,
      chunk.flatMap((r) => [r.deviceId, r.fromMs ?? -8.64e15]),
    );
  }
  if (!replacements.some((r) => r.periods.length > 0)) return;
  const appender = await conn.createAppender('sessions');
  try {
    for (const { deviceId, periods } of replacements) {
      for (const p of periods) {
        appender.appendVarchar(sessionId(deviceId, p));
        appender.appendVarchar(deviceId);
        appender.appendVarchar(p.kind);
        appender.appendVarchar(new Date(p.startMs).toISOString());
        appender.appendVarchar(new Date(p.endMs).toISOString());
        appender.appendVarchar(JSON.stringify(p));
        appendConditionColumns(appender, p);
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

export interface SessionQuery {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  kind?: PeriodKind | undefined;
  /** Keyset cursor: only periods after this one (start, then id). */
  after?: { startMs: number; sessionId: string } | undefined;
  limit?: number | undefined;
}

/** Periods overlapping [from, to), oldest first (ties by id). */
export async function listSessions(conn: DuckDBConnection, q: SessionQuery): Promise<StoredSession[]> {
  const reader = await conn.runAndReadAll(
    `SELECT session_id, period::VARCHAR FROM sessions
     WHERE device_id = $1 AND end_ts >= epoch_ms(CAST($2 AS BIGINT)) AND start_ts < epoch_ms(CAST($3 AS BIGINT)) AND ($4 IS NULL OR kind = $4)
       AND ${afterKeySql({ sort: 'start_ts', id: 'session_id', sortValue: 'epoch_ms(CAST($5 AS BIGINT))', nullParam: '$5::DOUBLE', idParam: '$6' })}
     ORDER BY start_ts, session_id LIMIT $7`,
    [q.deviceId, q.fromMs ?? -8.64e15, q.toMs ?? 8.64e15, q.kind ?? null, q.after?.startMs ?? null, q.after?.sessionId ?? null, limitValue(q.limit)],
  );
  return reader.getRows().map(([id, json]) => ({ sessionId: String(id), deviceId: q.deviceId, ...(JSON.parse(String(json)) as Period) }));
}

export async function getSession(conn: DuckDBConnection, deviceId: string, id: string): Promise<StoredSession | undefined> {
  const reader = await conn.runAndReadAll('SELECT period::VARCHAR FROM sessions WHERE device_id = $1 AND session_id = $2', [deviceId, id]);
  const row = reader.getRows()[0];
  return row ? { sessionId: id, deviceId, ...(JSON.parse(String(row[0])) as Period) } : undefined;
}
