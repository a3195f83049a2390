import type { DuckDBConnection, DuckDBDataChunk, DuckDBListValue, DuckDBMaterializedResult } from '@duckdb/node-api';
import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { deviceScanFacts, exactColumns, nextPageStart, pageBounds, RANGE, stateDictionary, textCodeExpr, type TelemetryPageQuery } from './telemetry-page-repository.ts';

/** A number column of one batch: DuckDB's vector data and validity mask as the binding hands them over (one copy, no conversion). */
export interface BatchNumbers {
  values: Float64Array;
  /** Bit set = value present (DuckDB's mask is Arrow's bitmap, LSB first); null = no NULL in the batch. */
  validity: Uint8Array | null;
}

/** One DuckDB result chunk (≤ 2,048 rows) of a page. */
export interface TelemetryBatch {
  length: number;
  /** Epoch ms as DuckDB's BIGINT vector: Arrow's timestamp layout, sent as it is. */
  tsMillis: BigInt64Array;
  numbers: Partial<Record<NumberColumnName, BatchNumbers>>;
  /** `state` as codes into the page's dictionary; −1 = NULL. */
  stateCodes?: Int32Array;
  lists: Partial<Record<TextListColumnName, (string[] | null)[]>>;
}

/**
 * A page of a device's telemetry as the chunks DuckDB returned, for replies that are columns per
 * chunk (Arrow), taken out of DuckDB in full before the reply starts: the read's transaction and
 * connection are let go before the first byte, whatever the client's speed.
 */
export interface TelemetryBatches {
  deviceId: string;
  columns: readonly ColumnName[];
  stateDictionary: readonly string[];
  nextStartMs: number | undefined;
  length: number;
  /** In time order. */
  batches: TelemetryBatch[];
}

/** DuckDB's validity mask of a vector as bytes, or null when the vector has no NULL. */
function validityBytes(vector: unknown, length: number): Uint8Array | null {
  const data = (vector as { validity: { data: BigUint64Array | null } }).validity.data;
  if (!data) return null;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, (length + 7) >> 3);
  // A mask may exist with every bit set: that is no NULL at all.
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] !== 0xff) return bytes;
  const tail = length & 7;
  const lastFull = tail === 0 ? 0xff : (1 << tail) - 1;
  return (bytes[bytes.length - 1]! & lastFull) === lastFull ? null : bytes;
}

/**
 * A page of a device's telemetry as DuckDB's result chunks; undefined when there is no such
 * device. In one snapshot: the device's record first (row count, whether its rows are stored in
 * time order, its state values as the dictionary; every commit keeps it, see `upsertDeviceSpans`),
 * then the page's end (the first timestamp past `limit`, looked up only when the device holds more
 * rows than that), then the rows of [start, end) scanned as they are stored when that is time
 * order. The chunks are checked as they are taken; a range that is not in time order after all
 * (or not recorded as such) is read again sorted by DuckDB.
 */
export async function readTelemetryBatches(conn: DuckDBConnection, q: TelemetryPageQuery): Promise<TelemetryBatches | undefined> {
  const columns = exactColumns(q.columns);
  const { lo, hi, limit } = pageBounds(q);
  await conn.run('BEGIN TRANSACTION');
  try {
    const device = await deviceScanFacts(conn, q.deviceId);
    if (!device) return undefined;
    // The device's state values (kept by every commit) are the dictionary: a superset of the
    // range's, read with the record instead of a scan of the range.
    const dictionary = !columns.includes('state') ? [] : (device.states ?? (await stateDictionary(conn, q.deviceId, lo, hi)));
    const nextStartMs = device.rowCount > limit ? await nextPageStart(conn, q.deviceId, lo, hi, limit) : undefined;
    const data = columns.filter((c) => c !== 'device_id' && c !== 'ts');
    const exprs = data.map((c) => (columnDef(c)!.kind === 'text' ? textCodeExpr(c, dictionary) : c));
    const select = `SELECT epoch_ms(ts)${exprs.map((e) => `, ${e}`).join('')} FROM telemetry WHERE ${RANGE}`;
    const params = [q.deviceId, lo, nextStartMs ?? hi] as never;
    // Materialized, not streamed: DuckDB scans with all its threads at once, and the chunks are then
    // taken without a round trip each (43 awaited fetches cost more than the whole parallel scan).
    let batches = device.tsOrdered ? batchesInOrder(await conn.run(select, params), data) : undefined;
    batches ??= batchesInOrder(await conn.run(`${select} ORDER BY ts`, params), data)!;
    const length = batches.reduce((n, b) => n + b.length, 0);
    if (length > limit) throw new Error(`page of ${q.deviceId} holds ${length} rows, more than its limit of ${limit}`);
    return { deviceId: q.deviceId, columns, stateDictionary: dictionary, nextStartMs, length, batches };
  } finally {
    await conn.run('COMMIT');
  }
}

/** Every chunk of a result as a batch, or undefined as soon as one breaks time order. */
function batchesInOrder(result: DuckDBMaterializedResult, data: readonly ColumnName[]): TelemetryBatch[] | undefined {
  const batches: TelemetryBatch[] = [];
  let last = -Infinity;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    if (chunk.rowCount === 0) continue;
    const batch = batchOf(chunk, data);
    last = lastIfAscending(batch.tsMillis, last);
    if (Number.isNaN(last)) return undefined;
    batches.push(batch);
  }
  return batches;
}

/**
 * The last of epoch ms that keep rising from `last`, NaN at the first that does not; read as two
 * 32-bit halves (little-endian, within ±2^53), not a BigInt per row.
 */
function lastIfAscending(millis: BigInt64Array, last: number): number {
  const halves = new Int32Array(millis.buffer, millis.byteOffset, millis.length * 2);
  for (let i = 0; i < millis.length; i++) {
    const ms = halves[2 * i + 1]! * 4294967296 + (halves[2 * i]! >>> 0);
    if (ms < last) return Number.NaN;
    last = ms;
  }
  return last;
}

function batchOf(chunk: DuckDBDataChunk, data: readonly ColumnName[]): TelemetryBatch {
  const length = chunk.rowCount;
  const ts = chunk.getColumnVector(0) as unknown as { items: BigInt64Array };
  const batch: TelemetryBatch = { length, tsMillis: ts.items.subarray(0, length), numbers: {}, lists: {} };
  for (let k = 0; k < data.length; k++) {
    const c = data[k]!;
    const vector = chunk.getColumnVector(k + 1);
    const kind = columnDef(c)!.kind;
    if (kind === 'number') batch.numbers[c as NumberColumnName] = { values: (vector as unknown as { items: Float64Array }).items.subarray(0, length), validity: validityBytes(vector, length) };
    else if (kind === 'text') batch.stateCodes = (vector as unknown as { items: Int32Array }).items.subarray(0, length);
    else batch.lists[c as TextListColumnName] = listsOf(vector, length);
  }
  return batch;
}

/**
 * A list column of a chunk: NULL, [] or the strings. Lengths and NULLs are read straight from the
 * vector's entries and validity mask (a BigInt per row would cost more than the scan); only rows
 * with values build a JS value (error codes and flags are rare).
 */
function listsOf(vector: unknown, length: number): (string[] | null)[] {
  const v = vector as { entryData: BigUint64Array; getItem(i: number): DuckDBListValue | null };
  // (offset, length) pairs of u64, little-endian: a length is the low word at 4i + 2.
  const entries = new Uint32Array(v.entryData.buffer, v.entryData.byteOffset, length * 4);
  const mask = validityBytes(vector, length);
  const out = new Array<string[] | null>(length);
  for (let i = 0; i < length; i++) {
    if (mask && ((mask[i >> 3]! >> (i & 7)) & 1) === 0) out[i] = null;
    else if (entries[i * 4 + 2] === 0 && entries[i * 4 + 3] === 0) out[i] = [];
    else out[i] = v.getItem(i)!.items.map(String);
  }
  return out;
}
