import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { exactColumns, pageBounds, RANGE, stateDictionary, textCodeExpr, type TelemetryPageQuery } from './telemetry-page-repository.ts';

/** A number column of one batch: DuckDB's own vector data and validity mask, not copied. */
export interface BatchNumbers {
  values: Float64Array;
  /** Bit set = value present (DuckDB's mask is Arrow's bitmap, LSB first); null = no NULL in the batch. */
  validity: Uint8Array | null;
}

/** One DuckDB result chunk (≤ 2,048 rows) of a page, its columns viewed in place. */
export interface TelemetryBatch {
  length: number;
  tsMs: Float64Array;
  numbers: Partial<Record<NumberColumnName, BatchNumbers>>;
  /** `state` as codes into the page's dictionary; −1 = NULL. */
  stateCodes?: Int32Array;
  /** List lengths as DuckDB returned them; −1 = NULL. */
  listLengths: Partial<Record<TextListColumnName, Int32Array>>;
  lists: Partial<Record<TextListColumnName, (string[] | null)[]>>;
  /** The chunk the views point into, held for as long as the batch lives (none for an empty page's batch). */
  chunk: DuckDBDataChunk | undefined;
}

/** A page of a device's telemetry as the chunks DuckDB returned, for replies that are columns per chunk (Arrow). */
export interface TelemetryBatches {
  deviceId: string;
  columns: readonly ColumnName[];
  length: number;
  stateDictionary: readonly string[];
  batches: TelemetryBatch[];
  nextStartMs: number | undefined;
}

interface RawChunk {
  chunk: DuckDBDataChunk;
  length: number;
  tsMs: Float64Array;
}

/** Every chunk of a result, with its ts column (always the first) viewed in place. */
async function readChunks(result: DuckDBResult): Promise<RawChunk[]> {
  const chunks: RawChunk[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    chunks.push({ chunk, length: chunk.rowCount, tsMs: (chunk.getColumnVector(0) as unknown as { items: Float64Array }).items });
  }
  return chunks;
}

function ascending(chunks: readonly RawChunk[]): boolean {
  let last = -Infinity;
  for (const { tsMs } of chunks) {
    for (let i = 0; i < tsMs.length; i++) {
      if (tsMs[i]! < last) return false;
      last = tsMs[i]!;
    }
  }
  return true;
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
 * The same page as `readTelemetryPage`, but left in DuckDB's result chunks: number columns keep
 * DuckDB's vectors and validity masks as they are, so a device-day costs no copy and no second
 * set of arrays (the garbage those made was a collection per request). In one snapshot; the range
 * is scanned without ORDER BY and checked (a clustered store scans it in time order), and read
 * again sorted only when it is not in order or longer than the page.
 */
export async function readTelemetryBatches(conn: DuckDBConnection, q: TelemetryPageQuery): Promise<TelemetryBatches> {
  const columns = exactColumns(q.columns);
  const { lo, hi, limit } = pageBounds(q);
  await conn.run('BEGIN TRANSACTION');
  try {
    const wantsState = columns.includes('state');
    const dictionary = wantsState ? await stateDictionary(conn, q.deviceId, lo, hi) : [];
    const data = columns.filter((c) => c !== 'device_id' && c !== 'ts');
    const exprs = data.map((c) => {
      const kind = columnDef(c)!.kind;
      if (kind === 'number') return c;
      if (kind === 'text') return textCodeExpr(c, dictionary);
      return `coalesce(len(${c}), -1)::INTEGER`;
    });
    const select = `SELECT epoch_ms(ts)::DOUBLE${exprs.map((e) => `, ${e}`).join('')} FROM telemetry WHERE ${RANGE}`;
    const params = [q.deviceId, lo, hi, limit + 1];
    let chunks = await readChunks(await conn.stream(`${select} LIMIT $4`, params as never));
    if (chunks.reduce((n, c) => n + c.length, 0) > limit || !ascending(chunks)) chunks = await readChunks(await conn.stream(`${select} ORDER BY ts LIMIT $4`, params as never));
    let nextStartMs: number | undefined;
    const batches: TelemetryBatch[] = [];
    let seen = 0;
    for (const raw of chunks) {
      const keep = Math.min(raw.length, limit - seen);
      if (keep < raw.length) nextStartMs = raw.tsMs[keep];
      if (keep > 0) batches.push(batchOf(raw, keep, data));
      seen += keep;
      if (seen >= limit) break;
    }
    for (const c of data) {
      if (columnDef(c)!.kind === 'text_list') await fillLists(conn, c as TextListColumnName, batches, [q.deviceId, lo, nextStartMs ?? hi]);
    }
    return { deviceId: q.deviceId, columns, length: seen, stateDictionary: dictionary, batches, nextStartMs };
  } finally {
    await conn.run('COMMIT');
  }
}

function batchOf(raw: RawChunk, length: number, data: readonly ColumnName[]): TelemetryBatch {
  const batch: TelemetryBatch = { length, tsMs: raw.tsMs.subarray(0, length), numbers: {}, listLengths: {}, lists: {}, chunk: raw.chunk };
  for (let k = 0; k < data.length; k++) {
    const c = data[k]!;
    const vector = raw.chunk.getColumnVector(k + 1);
    const items = (vector as unknown as { items: Float64Array | Int32Array }).items;
    const kind = columnDef(c)!.kind;
    if (kind === 'number') batch.numbers[c as NumberColumnName] = { values: (items as Float64Array).subarray(0, length), validity: validityBytes(vector, length) };
    else if (kind === 'text') batch.stateCodes = (items as Int32Array).subarray(0, length);
    else batch.listLengths[c as TextListColumnName] = (items as Int32Array).subarray(0, length);
  }
  return batch;
}

/**
 * A list column of every batch from its lengths (−1 = NULL) and, only when some row has values,
 * those values: one query over the page's range for just those rows (error codes and flags are rare).
 */
async function fillLists(conn: DuckDBConnection, column: TextListColumnName, batches: TelemetryBatch[], range: unknown[]): Promise<void> {
  const wanted: [TelemetryBatch, number][] = [];
  for (const batch of batches) {
    const lengths = batch.listLengths[column]!;
    const out = new Array<string[] | null>(lengths.length).fill(null);
    for (let i = 0; i < lengths.length; i++) {
      if (lengths[i]! === 0) out[i] = [];
      else if (lengths[i]! > 0) wanted.push([batch, i]);
    }
    batch.lists[column] = out;
  }
  if (wanted.length === 0) return;
  const reader = await conn.runAndReadAll(`SELECT ${column} FROM telemetry WHERE ${RANGE} AND len(${column}) > 0 ORDER BY ts`, range as never);
  const values = reader.getRowsJS();
  wanted.forEach(([batch, i], k) => {
    batch.lists[column]![i] = (values[k]?.[0] as string[] | undefined)?.map(String) ?? null;
  });
}
