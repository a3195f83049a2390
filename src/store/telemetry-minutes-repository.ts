import type { DuckDBConnection } from '@duckdb/node-api';
import { NUMBER_COLUMNS, type NumberColumnName } from '../domain/telemetry-schema.ts';
import type { FineBuckets } from '../domain/timeline/reduce-fine-buckets.ts';
import { readChunkColumns, type ChunkColumnMode } from './chunk-columns.ts';

/**
 * The timeline pyramid: each device's rows summed up per minute of the epoch (first and last
 * sample, count, and per number column a sample holding its minimum and one its maximum), so a
 * chart of a day reads 1,440 rows instead of 86,400 samples. Kept by every commit in the same
 * transaction as the rows (so it always agrees with them), by a purge, and rebuilt after rows are
 * loaded outside a commit. These are the fine buckets of domain/timeline/reduce-fine-buckets.ts,
 * with the same rules: NULL values are passed over, and a sample holding each extreme is kept (of
 * equal ones, whichever DuckDB's arg_min/arg_max meets first, as readFineBuckets; across commits the
 * earlier). Making that the earliest (an arg over (value, time)) cost 4× the sum at every commit.
 */
export const MINUTE_MS = 60_000;

const CHANNELS = NUMBER_COLUMNS.map((c) => c.name);

/** Table definition, as migration 17 created it. */
export const TELEMETRY_MINUTES_DDL = `CREATE TABLE telemetry_minutes (
  device_id VARCHAR NOT NULL,
  minute BIGINT NOT NULL,
  first_ms BIGINT NOT NULL,
  last_ms BIGINT NOT NULL,
  n BIGINT NOT NULL,
  ${CHANNELS.map((c) => `${c}_min_ms BIGINT, ${c}_min DOUBLE, ${c}_max_ms BIGINT, ${c}_max DOUBLE`).join(',\n  ')}
)`;

/** Rows of `source` (telemetry columns) summed up per device and minute, `where` applied. */
function minutesOf(source: string, where = 'true'): string {
  const picks = CHANNELS.map(
    (c) =>
      `arg_min(t, ${c}), min(${c}), arg_max(t, ${c}), max(${c})`,
  );
  return `SELECT device_id, t // ${MINUTE_MS} AS minute, min(t), max(t), count(*), ${picks.join(', ')}
    FROM (SELECT *, epoch_ms(ts) AS t FROM ${source} WHERE ${where}) GROUP BY device_id, minute`;
}

/** The whole pyramid from the stored rows (a migration, or rows loaded outside a commit). */
export const TELEMETRY_MINUTES_FROM_TELEMETRY_SQL = `DELETE FROM telemetry_minutes;
INSERT INTO telemetry_minutes ${minutesOf('telemetry')} ORDER BY device_id, minute;`;

export async function rebuildTelemetryMinutes(conn: DuckDBConnection): Promise<void> {
  await conn.run(TELEMETRY_MINUTES_FROM_TELEMETRY_SQL);
}

/** Two extremes merged: the new one replaces the stored one when strictly beyond it, or equal and earlier. */
function mergeExtreme(c: NumberColumnName, side: 'min' | 'max'): string {
  const beyond = side === 'min' ? '<' : '>';
  const v = `${c}_${side}`;
  const at = `${c}_${side}_ms`;
  const wins = `b.${v} IS NOT NULL AND (a.${v} IS NULL OR b.${v} ${beyond} a.${v} OR (b.${v} = a.${v} AND b.${at} < a.${at}))`;
  return `${at} = CASE WHEN ${wins} THEN b.${at} ELSE a.${at} END, ${v} = CASE WHEN ${wins} THEN b.${v} ELSE a.${v} END`;
}

/**
 * Brings the pyramid up to date with rows a commit adds (`rows`: a table or view with the
 * telemetry columns, duplicates already dropped): the minutes they fall in are summed up and
 * merged into what is stored (min/max/first/last/count merge exactly). Run inside the commit's
 * transaction.
 */
export async function mergeTelemetryMinutes(conn: DuckDBConnection, rows: string): Promise<void> {
  const columns = ['device_id', 'minute', 'first_ms', 'last_ms', 'n', ...CHANNELS.flatMap((c) => [`${c}_min_ms`, `${c}_min`, `${c}_max_ms`, `${c}_max`])];
  await conn.run(`CREATE OR REPLACE TEMP TABLE minutes_added (${columns.map((c, i) => `${c} ${i === 0 ? 'VARCHAR' : c.endsWith('ms') || i < 5 ? 'BIGINT' : 'DOUBLE'}`).join(', ')})`);
  try {
    await conn.run(`INSERT INTO minutes_added ${minutesOf(rows)}`);
    await conn.run(`MERGE INTO telemetry_minutes a USING minutes_added b ON a.device_id = b.device_id AND a.minute = b.minute
      WHEN MATCHED THEN UPDATE SET first_ms = least(a.first_ms, b.first_ms), last_ms = greatest(a.last_ms, b.last_ms), n = a.n + b.n,
        ${CHANNELS.flatMap((c) => [mergeExtreme(c, 'min'), mergeExtreme(c, 'max')]).join(',\n        ')}
      WHEN NOT MATCHED THEN INSERT VALUES (${columns.map((c) => `b.${c}`).join(', ')})`);
  } finally {
    await conn.run('DROP TABLE IF EXISTS minutes_added');
  }
}

/**
 * After a device's rows before `beforeMs` were deleted (all of them when null): its minutes
 * before then go, and the minute the cut falls in is summed up again from what is left.
 */
export async function purgeTelemetryMinutes(conn: DuckDBConnection, deviceId: string, beforeMs: number | null): Promise<void> {
  if (beforeMs === null) {
    await conn.run('DELETE FROM telemetry_minutes WHERE device_id = $1', [deviceId]);
    return;
  }
  const cut = Math.floor(beforeMs / MINUTE_MS);
  await conn.run('DELETE FROM telemetry_minutes WHERE device_id = $1 AND minute <= $2', [deviceId, cut]);
  await conn.run(
    `INSERT INTO telemetry_minutes ${minutesOf('telemetry', `device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT))`)}`,
    [deviceId, cut * MINUTE_MS, (cut + 1) * MINUTE_MS],
  );
}

const NAN = "'NaN'::DOUBLE";

/** A device's minutes `fromMinute ≤ minute < toMinute` as fine buckets of `channels`, in time order. */
export async function readMinuteBuckets(conn: DuckDBConnection, deviceId: string, fromMinute: number, toMinute: number, channels: readonly NumberColumnName[]): Promise<FineBuckets> {
  const picks = channels.flatMap((c) => [`coalesce(${c}_min_ms::DOUBLE, ${NAN})`, `coalesce(${c}_min, ${NAN})`, `coalesce(${c}_max_ms::DOUBLE, ${NAN})`, `coalesce(${c}_max, ${NAN})`]);
  const result = await conn.run(
    `SELECT first_ms::DOUBLE, last_ms::DOUBLE, n::DOUBLE${picks.map((p) => `, ${p}`).join('')} FROM telemetry_minutes
     WHERE device_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute`,
    [deviceId, fromMinute, toMinute] as never,
  );
  const read = await readChunkColumns(result, Array.from({ length: 3 + 4 * channels.length }, (): ChunkColumnMode => 'double'), 2048);
  const [firstMs, lastMs, count] = read.doubles as [Float64Array, Float64Array, Float64Array];
  return {
    firstMs,
    lastMs,
    count,
    channels: channels.map((_, k) => ({ minMs: read.doubles[3 + 4 * k]!, min: read.doubles[4 + 4 * k]!, maxMs: read.doubles[5 + 4 * k]!, max: read.doubles[6 + 4 * k]! })),
  };
}
