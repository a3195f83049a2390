import { type DuckDBBlobVector, type DuckDBConnection } from '@duckdb/node-api';
import { inAscendingOrder, readChunkColumns, type ChunkColumnMode } from './chunk-columns.ts';
import { COLUMN_NAMES, columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';

/**
 * One page of a device's telemetry as columns, exactly the requested ones. Text comes back
 * dictionary-coded from SQL (an INTEGER per row instead of a decoded string), so no column costs a
 * JS call per row except the list columns, and those only on rows that have a value.
 */
export interface TelemetryPage {
  deviceId: string;
  /** The output columns, in schema order: exactly what was asked for. */
  columns: readonly ColumnName[];
  length: number;
  tsMs: Float64Array;
  /** NaN = NULL. */
  numbers: Partial<Record<NumberColumnName, Float64Array>>;
  /** `state` as codes into `stateDictionary`; −1 = NULL. */
  stateCodes?: Int32Array;
  stateDictionary: readonly string[];
  lists: Partial<Record<TextListColumnName, (string[] | null)[]>>;
  /** First timestamp of the next page (inclusive), undefined on the last page. */
  nextStartMs: number | undefined;
}

export interface TelemetryPageQuery {
  deviceId: string;
  /** Inclusive. */
  fromMs?: number | undefined;
  /** Exclusive. */
  toMs?: number | undefined;
  /** Where the page starts (inclusive): a cursor from the previous page. */
  startMs?: number | undefined;
  /** Output columns; default all. */
  columns?: readonly ColumnName[] | undefined;
  limit: number;
  /** About how many rows the range may hold (default: the device's row count): only sizes the arrays. */
  rowsHint?: number | undefined;
}

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;
export const RANGE = 'device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT))';

/** A SQL string literal. */
const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * A text column as codes into `dictionary` (−1 = NULL or not in it): a CASE over literals, not
 * list_position against a list parameter (~3× cheaper per row). No dictionary (no value in the
 * range) is all −1.
 */
export function textCodeExpr(column: ColumnName, dictionary: readonly string[]): string {
  if (dictionary.length === 0) return '-1::INTEGER';
  return `CASE ${column} ${dictionary.map((v, i) => `WHEN ${sqlString(v)} THEN ${i}`).join(' ')} ELSE -1 END::INTEGER`;
}

/** Output columns in schema order, whatever order the request listed them in. */
export function exactColumns(columns: readonly ColumnName[] | undefined): ColumnName[] {
  if (!columns) return [...COLUMN_NAMES];
  const wanted = new Set(columns);
  return COLUMN_NAMES.filter((c) => wanted.has(c));
}

async function firstValue(conn: DuckDBConnection, sql: string, params: unknown[]): Promise<unknown> {
  const reader = await conn.runAndReadAll(sql, params as never);
  return reader.getRowsJS()[0]?.[0];
}

/** The `state` dictionary over a range: codes are computed in SQL against it. */
export async function stateDictionary(conn: DuckDBConnection, deviceId: string, lo: number, hi: number): Promise<string[]> {
  const value = await firstValue(conn, `SELECT list(DISTINCT state ORDER BY state) FILTER (WHERE state IS NOT NULL) FROM telemetry WHERE ${RANGE}`, [deviceId, lo, hi]);
  return (value as string[] | null) ?? [];
}

/** What a read needs to know of the device, in the read's snapshot: undefined = no such device. */
export async function deviceScanFacts(conn: DuckDBConnection, deviceId: string): Promise<{ rowCount: number; tsOrdered: boolean; states: string[] | null } | undefined> {
  const reader = await conn.runAndReadAll('SELECT row_count, coalesce(ts_ordered, false), states FROM devices WHERE device_id = $1', [deviceId]);
  const row = reader.getRowsJS()[0];
  return row ? { rowCount: Number(row[0]), tsOrdered: row[1] === true, states: (row[2] as string[] | null) ?? null } : undefined;
}

export function pageBounds(q: TelemetryPageQuery): { lo: number; hi: number; limit: number } {
  return { lo: Math.max(q.fromMs ?? FAR_PAST, q.startMs ?? FAR_PAST), hi: q.toMs ?? FAR_FUTURE, limit: Math.max(1, Math.floor(q.limit)) };
}

/**
 * Reads one page in one snapshot, chunk by chunk into typed arrays (undefined when there is no such
 * device): `limit + 1` rows, the last only to say where the next page starts (timestamps are unique
 * per device, so that start is an exact bound). Lists come back as lengths; their values are read
 * in a second pass over just the rows that have any (error codes and flags are rare).
 */
export async function readTelemetryPage(conn: DuckDBConnection, q: TelemetryPageQuery): Promise<TelemetryPage | undefined> {
  const columns = exactColumns(q.columns);
  const { lo, hi, limit } = pageBounds(q);
  await conn.run('BEGIN TRANSACTION');
  try {
    const device = await deviceScanFacts(conn, q.deviceId);
    if (!device) return undefined;
    const wantsState = columns.includes('state');
    // The device's state values (kept by every commit) are the dictionary: no scan of the range for it.
    const dictionary = wantsState ? (device.states ?? (await stateDictionary(conn, q.deviceId, lo, hi))) : [];
    const data = columns.filter((c) => c !== 'device_id');
    if (!data.includes('ts')) data.unshift('ts'); // read for the page bound, left out of the output
    const exprs = data.map((c) => {
      const kind = columnDef(c)!.kind;
      if (kind === 'timestamp') return 'epoch_ms(ts)::DOUBLE';
      if (kind === 'number') return `coalesce(${c}, 'NaN'::DOUBLE)`;
      if (kind === 'text') return textCodeExpr(c, dictionary);
      return `coalesce(len(${c}), -1)::INTEGER`;
    });
    const params: unknown[] = [q.deviceId, lo, hi, limit + 1];
    const select = `SELECT ${exprs.join(', ')} FROM telemetry WHERE ${RANGE}`;
    const modes = data.map((c) => (['timestamp', 'number'].includes(columnDef(c)!.kind) ? 'double' : 'int') as ChunkColumnMode);
    // A range that fits in the page needs no sort in DuckDB: a clustered store scans it in time
    // order already (checked in one pass, sorted in JS otherwise). Only a range longer than the
    // page needs ORDER BY, to know which rows are the first `limit`.
    const capacity = Math.min(limit + 1, Math.max(1, q.rowsHint ?? device.rowCount));
    let read = await readChunkColumns(await conn.stream(`${select} LIMIT $4`, params as never), modes, capacity);
    if (read.length > limit) read = await readChunkColumns(await conn.stream(`${select} ORDER BY ts LIMIT $4`, params as never), modes, capacity);
    else read = inAscendingOrder(read);
    const doubles = new Map<ColumnName, Float64Array>();
    const ints = new Map<ColumnName, Int32Array>();
    let d = 0;
    let k = 0;
    data.forEach((c, i) => (modes[i] === 'double' ? doubles.set(c, read.doubles[d++]!) : ints.set(c, read.ints[k++]!)));
    let length = read.length;
    const tsAll = doubles.get('ts')!;
    const nextStartMs = length > limit ? tsAll[limit]! : undefined;
    length = Math.min(length, limit);
    const end = nextStartMs ?? hi;
    const numbers: TelemetryPage['numbers'] = {};
    const lists: TelemetryPage['lists'] = {};
    for (const c of data) {
      const kind = columnDef(c)!.kind;
      if (kind === 'number') numbers[c as NumberColumnName] = doubles.get(c)!.subarray(0, length);
      if (kind === 'text_list') lists[c as TextListColumnName] = await listValues(conn, c, ints.get(c)!.subarray(0, length), [q.deviceId, lo, end]);
    }
    return {
      deviceId: q.deviceId,
      columns,
      length,
      tsMs: tsAll.subarray(0, length),
      numbers,
      ...(wantsState ? { stateCodes: ints.get('state')!.subarray(0, length) } : {}),
      stateDictionary: dictionary,
      lists,
      nextStartMs,
    };
  } finally {
    await conn.run('COMMIT');
  }
}

/** A list column from its lengths (−1 = NULL) and, only when some row has values, those values in row order. */
async function listValues(conn: DuckDBConnection, column: ColumnName, lengths: Int32Array, range: unknown[]): Promise<(string[] | null)[]> {
  const out = new Array<string[] | null>(lengths.length).fill(null);
  const rows: number[] = [];
  for (let i = 0; i < lengths.length; i++) {
    if (lengths[i]! === 0) out[i] = [];
    else if (lengths[i]! > 0) rows.push(i);
  }
  if (rows.length === 0) return out;
  const reader = await conn.runAndReadAll(`SELECT ${column} FROM telemetry WHERE ${RANGE} AND len(${column}) > 0 ORDER BY ts`, range as never);
  const values = reader.getRowsJS();
  rows.forEach((i, k) => {
    out[i] = (values[k]?.[0] as string[] | undefined)?.map(String) ?? null;
  });
  return out;
}

/** Where the page that starts at the query's start ends: the first timestamp of the next page, if any. */
export async function nextPageStart(conn: DuckDBConnection, deviceId: string, lo: number, hi: number, limit: number): Promise<number | undefined> {
  const next = await firstValue(conn, `SELECT epoch_ms(ts)::DOUBLE FROM telemetry WHERE ${RANGE} ORDER BY ts LIMIT 1 OFFSET $4`, [deviceId, lo, hi, limit]);
  return next === undefined || next === null ? undefined : Number(next);
}

/** JSON text of one row, built by DuckDB: `ts` in ISO 8601 (UTC, ms) as the API has always answered. */
function rowJsonExpr(columns: readonly ColumnName[]): string {
  const fields = columns.map((c) => (c === 'ts' ? `ts := strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ')` : c));
  return fields.length ? `to_json(struct_pack(${fields.join(', ')}))::VARCHAR` : `'{}'`;
}

export interface TelemetryJsonPage {
  nextStartMs: number | undefined;
  /** `{count, bytes}` pieces: comma-separated JSON rows as UTF-8, in time order. */
  pieces: AsyncGenerator<{ count: number; bytes: Uint8Array }>;
}

/** Span of time one piece of JSON text covers: a few thousand rows at 1 Hz. */
const PIECE_MS = 4096 * 1000;

/**
 * One page as JSON row text made inside DuckDB (formatting a million numbers is C++ work there,
 * and a piece is one string for thousands of rows, not one JS value per row or per field). The
 * transaction stays open while the pieces are read: the caller must run the generator to its end
 * or `return()` it.
 */
export async function openTelemetryJsonPage(conn: DuckDBConnection, q: TelemetryPageQuery): Promise<TelemetryJsonPage> {
  const columns = exactColumns(q.columns);
  const { lo, hi, limit } = pageBounds(q);
  await conn.run('BEGIN TRANSACTION');
  try {
    const nextStartMs = await nextPageStart(conn, q.deviceId, lo, hi, limit);
    const result = await conn.stream(
      `SELECT count(*)::INTEGER, encode(string_agg(j, ',' ORDER BY ts)) FROM (
         SELECT ts, ${rowJsonExpr(columns)} AS j, (epoch_ms(ts) - $2) // ${PIECE_MS} AS piece FROM telemetry WHERE ${RANGE}
       ) GROUP BY piece ORDER BY piece`,
      [q.deviceId, lo, nextStartMs ?? hi],
    );
    // The text leaves DuckDB as bytes (a BLOB), so it is never decoded into a JS string only to be encoded again for the socket.
    async function* pieces(): AsyncGenerator<{ count: number; bytes: Uint8Array }> {
      try {
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const counts = chunk.getColumnVector(0);
          const texts = chunk.getColumnVector(1) as DuckDBBlobVector;
          for (let i = 0; i < chunk.rowCount; i++) yield { count: counts.getItem(i) as number, bytes: texts.getItemBytes(i)! };
        }
      } finally {
        await conn.run('COMMIT');
      }
    }
    return { nextStartMs, pieces: pieces() };
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
