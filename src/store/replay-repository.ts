import type { DuckDBConnection } from '@duckdb/node-api';
import { emptyFrame, FRAME_CHANNELS, type TelemetryFrame } from '../domain/telemetry-frame.ts';
import type { NumberColumnName } from '../domain/telemetry-schema.ts';

/**
 * The latest row of a device at or before atMs, and for each column its latest non-missing value
 * in (sinceMs, atMs], as a frame of at most one row per column — for a back-fill that a window in
 * memory could not answer. The frame's rows are: the last row itself (ts, error_codes), with each
 * numeric column and state replaced by its latest non-missing value; read it with latestValues.
 */
export async function readLatestRow(conn: DuckDBConnection, deviceId: string, atMs: number, sinceMs: number, columns: readonly NumberColumnName[]): Promise<TelemetryFrame> {
  const carried = [...columns, 'state'];
  const select = [
    'epoch_ms(max(ts))::DOUBLE',
    ...carried.map((c) => `arg_max(${c}, ts) FILTER (WHERE ${c} IS NOT NULL)`),
    "array_to_string(arg_max(error_codes, ts), '|')",
  ].join(', ');
  const reader = await conn.runAndReadAll(
    `SELECT ${select} FROM telemetry WHERE device_id = $1 AND ts <= epoch_ms(CAST($2 AS BIGINT)) AND ts > epoch_ms(CAST($3 AS BIGINT))`,
    [deviceId, atMs, sinceMs],
  );
  const row = reader.getRowsJS()[0] ?? [];
  if (row[0] === null || row[0] === undefined) return emptyFrame(0);
  const frame = emptyFrame(1);
  frame.tsMs[0] = Number(row[0]);
  columns.forEach((c, k) => {
    const v = row[k + 1];
    const channel = FRAME_CHANNELS.find((x) => x.column === c)!;
    frame[channel.field][0] = v === null || v === undefined ? Number.NaN : Number(v);
  });
  frame.state[0] = (row[columns.length + 1] as string | null) ?? null;
  const codes = row[columns.length + 2] as string | null;
  frame.errorCodes[0] = codes ? codes.split('|') : null;
  return frame;
}

/** Time of a device's first sample after tMs (direction 1, up to boundMs) or last before it (−1, down to boundMs). */
export async function readNeighbourTs(conn: DuckDBConnection, deviceId: string, tMs: number, direction: 1 | -1, boundMs: number): Promise<number | undefined> {
  const sql =
    direction === 1
      ? 'SELECT epoch_ms(min(ts))::DOUBLE FROM telemetry WHERE device_id = $1 AND ts > epoch_ms(CAST($2 AS BIGINT)) AND ts <= epoch_ms(CAST($3 AS BIGINT))'
      : 'SELECT epoch_ms(max(ts))::DOUBLE FROM telemetry WHERE device_id = $1 AND ts < epoch_ms(CAST($2 AS BIGINT)) AND ts >= epoch_ms(CAST($3 AS BIGINT))';
  const reader = await conn.runAndReadAll(sql, [deviceId, tMs, boundMs]);
  const value = reader.getRows()[0]?.[0];
  return value === null || value === undefined ? undefined : Number(value);
}
