import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';

/** Series field ← telemetry column, for every numeric channel of the domain series. */
const NUMERIC_FIELDS = [
  ['speedKph', 'speed_kph'],
  ['socPct', 'soc_pct'],
  ['rangeKm', 'range_km'],
  ['batteryTempC', 'battery_temp_c'],
  ['outsideTempC', 'outside_temp_c'],
  ['cabinSetpointC', 'cabin_setpoint_c'],
  ['lat', 'lat'],
  ['lon', 'lon'],
  ['altM', 'alt_m'],
  ['odometerKm', 'odometer_km'],
  ['powerKw', 'power_kw'],
] as const;

type NumericField = (typeof NUMERIC_FIELDS)[number][0];

/** Copies a DOUBLE vector with no NULLs (they are NaN already) straight out of the chunk. */
function readDoubles(chunk: DuckDBDataChunk, col: number, into: Float64Array, at: number): void {
  const vector = chunk.getColumnVector(col);
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array) {
    into.set(items.subarray(0, chunk.rowCount), at);
    return;
  }
  for (let i = 0; i < chunk.rowCount; i++) into[at + i] = (vector.getItem(i) as number | null) ?? Number.NaN;
}

function grow(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size).fill(Number.NaN);
  b.set(a);
  return b;
}

export interface SeriesQuery {
  deviceId: string;
  /** Inclusive. */
  fromMs?: number | undefined;
  /** Exclusive. */
  toMs?: number | undefined;
}

/**
 * A device's telemetry in time order as a domain series, moved column by column (a JS object per
 * row cost ~220 ms per device-day). NULL numbers arrive as NaN.
 */
export async function readSeries(conn: DuckDBConnection, q: SeriesQuery): Promise<TelemetrySeries> {
  const select = [
    'epoch_ms(ts)::DOUBLE',
    ...NUMERIC_FIELDS.map(([, column]) => `coalesce(${column}, 'NaN'::DOUBLE)`),
    'state',
    "array_to_string(error_codes, '|')",
  ].join(', ');
  const result = await conn.stream(
    `SELECT ${select} FROM telemetry WHERE device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT)) ORDER BY ts`,
    [q.deviceId, q.fromMs ?? -8.64e15, q.toMs ?? 8.64e15],
  );
  let capacity = 4096;
  let length = 0;
  let tsMs: Float64Array<ArrayBuffer> = new Float64Array(capacity);
  const numbers = Object.fromEntries(NUMERIC_FIELDS.map(([field]) => [field, new Float64Array(capacity)])) as Record<NumericField, Float64Array>;
  const state: (string | null)[] = [];
  const errorCodes: (readonly string[] | null)[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (length + n > capacity) {
      capacity = Math.max(capacity * 2, length + n);
      tsMs = grow(tsMs, capacity);
      for (const [field] of NUMERIC_FIELDS) numbers[field] = grow(numbers[field], capacity);
    }
    readDoubles(chunk, 0, tsMs, length);
    NUMERIC_FIELDS.forEach(([field], k) => readDoubles(chunk, k + 1, numbers[field], length));
    const stateVector = chunk.getColumnVector(NUMERIC_FIELDS.length + 1);
    const codesVector = chunk.getColumnVector(NUMERIC_FIELDS.length + 2);
    for (let i = 0; i < n; i++) {
      state.push(stateVector.getItem(i) as string | null);
      const codes = codesVector.getItem(i) as string | null;
      errorCodes.push(codes ? codes.split('|') : null);
    }
    length += n;
  }
  const trim = (a: Float64Array) => a.subarray(0, length);
  return {
    length,
    tsMs: trim(tsMs),
    ...(Object.fromEntries(NUMERIC_FIELDS.map(([field]) => [field, trim(numbers[field])])) as Record<NumericField, Float64Array>),
    state,
    errorCodes,
  };
}
