import { listValue, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';
import { FRAME_CHANNELS, sliceFrame, type NumberField } from '../domain/telemetry-frame.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';

/** Every numeric channel of the frame, in the order the SELECT reads them (from the schema). */
const NUMERIC_FIELDS = FRAME_CHANNELS.map((c) => [c.field, c.column] as const);
type NumericField = NumberField;

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

const SELECT_COLUMNS = [
  'epoch_ms(t.ts)::DOUBLE',
  ...NUMERIC_FIELDS.map(([, column]) => `coalesce(t.${column}, 'NaN'::DOUBLE)`),
  't.state',
  "array_to_string(t.error_codes, '|')",
].join(', ');

/** Columns filled chunk by chunk; with `keyed`, a last DOUBLE column (which device) comes back as `key`. */
async function readColumns(result: DuckDBResult, keyed: boolean): Promise<{ series: TelemetrySeries; key: Float64Array }> {
  let capacity = 4096;
  let length = 0;
  let tsMs: Float64Array<ArrayBuffer> = new Float64Array(capacity);
  let key: Float64Array<ArrayBuffer> = new Float64Array(keyed ? capacity : 0);
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
      if (keyed) key = grow(key, capacity);
      for (const [field] of NUMERIC_FIELDS) numbers[field] = grow(numbers[field], capacity);
    }
    readDoubles(chunk, 0, tsMs, length);
    NUMERIC_FIELDS.forEach(([field], k) => readDoubles(chunk, k + 1, numbers[field], length));
    const stateVector = chunk.getColumnVector(NUMERIC_FIELDS.length + 1);
    const codesVector = chunk.getColumnVector(NUMERIC_FIELDS.length + 2);
    if (keyed) readDoubles(chunk, NUMERIC_FIELDS.length + 3, key, length);
    for (let i = 0; i < n; i++) {
      state.push(stateVector.getItem(i) as string | null);
      const codes = codesVector.getItem(i) as string | null;
      errorCodes.push(codes ? codes.split('|') : null);
    }
    length += n;
  }
  const trim = (a: Float64Array) => a.subarray(0, length);
  const series: TelemetrySeries = {
    length,
    tsMs: trim(tsMs),
    ...(Object.fromEntries(NUMERIC_FIELDS.map(([field]) => [field, trim(numbers[field])])) as Record<NumericField, Float64Array>),
    state,
    errorCodes,
  };
  return { series, key: key.subarray(0, length) };
}

const sliceSeries = sliceFrame;

/**
 * A device's telemetry in time order as a domain series, moved column by column (a JS object per
 * row cost ~220 ms per device-day). NULL numbers arrive as NaN.
 */
export async function readSeries(conn: DuckDBConnection, q: SeriesQuery): Promise<TelemetrySeries> {
  const result = await conn.stream(
    `SELECT ${SELECT_COLUMNS} FROM telemetry t WHERE t.device_id = $1 AND t.ts >= epoch_ms(CAST($2 AS BIGINT)) AND t.ts < epoch_ms(CAST($3 AS BIGINT)) ORDER BY t.ts`,
    [q.deviceId, q.fromMs ?? -8.64e15, q.toMs ?? 8.64e15],
  );
  return (await readColumns(result, false)).series;
}

/**
 * Many devices' series (each from its own `fromMs`, to the latest row) in ONE query: live
 * detection touches ~every device each second, and a query per device cost more than the work.
 * Devices with no rows get an empty series. `toMs` is not supported here (live reads run to the end).
 */
export async function readSeriesOfDevices(conn: DuckDBConnection, queries: readonly { deviceId: string; fromMs: number }[]): Promise<Map<string, TelemetrySeries>> {
  const out = new Map<string, TelemetrySeries>();
  const fromByDevice = new Map<string, number>();
  for (const q of queries) fromByDevice.set(q.deviceId, Math.min(fromByDevice.get(q.deviceId) ?? Infinity, q.fromMs));
  if (fromByDevice.size === 0) return out;
  // Rows say which device by its position in the list (a number: reading a string per row cost more).
  const result = await conn.stream(
    `WITH w AS (SELECT unnest($1::VARCHAR[]) AS device_id, unnest($2::DOUBLE[]) AS from_ms, unnest(range(len($1::VARCHAR[])))::DOUBLE AS k)
     SELECT ${SELECT_COLUMNS}, w.k FROM telemetry t JOIN w ON t.device_id = w.device_id
     WHERE t.ts >= epoch_ms(CAST(w.from_ms AS BIGINT)) ORDER BY w.k, t.ts`,
    [listValue([...fromByDevice.keys()]), listValue([...fromByDevice.values()].map((ms) => Math.round(ms)))],
  );
  const { series, key } = await readColumns(result, true);
  const ids = [...fromByDevice.keys()];
  for (let start = 0; start < series.length; ) {
    let end = start + 1;
    while (end < series.length && key[end] === key[start]) end++;
    out.set(ids[key[start]!]!, sliceSeries(series, start, end));
    start = end;
  }
  for (const deviceId of fromByDevice.keys()) if (!out.has(deviceId)) out.set(deviceId, sliceSeries(series, 0, 0));
  return out;
}
