import { DataType, RecordBatchReader, type RecordBatch, type Vector } from 'apache-arrow';
import { resolveMapping } from '../column-mapping.ts';
import { IngestError } from '../ingest-error.ts';
import type { ColumnName } from '../../domain/telemetry-schema.ts';
import type { SourceOptions, SourcePiece } from './source.ts';

function plainValue(value: unknown): unknown {
  if (value && typeof value === 'object' && 'toArray' in value && typeof (value as Vector).toArray === 'function') {
    return [...(value as Vector).toArray()] as unknown[];
  }
  if (value instanceof Date) return value.getTime();
  return value;
}

/** One Arrow column as a plain array; Float64 without nulls is taken without copying. */
function columnValues(vector: Vector): ArrayLike<unknown> {
  if (DataType.isFloat(vector.type) && vector.nullCount === 0 && vector.data.length === 1) {
    const values = vector.toArray();
    if (values instanceof Float64Array) return values;
  }
  const out = new Array<unknown>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = plainValue(vector.get(i));
  return out;
}

function rowAsText(batch: RecordBatch, i: number): string {
  const row = batch.get(i)?.toJSON() ?? {};
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : plainValue(v)));
}

function lastBytes(previous: Uint8Array, piece: Uint8Array, n: number): Uint8Array {
  if (piece.length >= n) return piece.slice(piece.length - n);
  const joined = new Uint8Array(previous.length + piece.length);
  joined.set(previous);
  joined.set(piece, previous.length);
  return joined.slice(Math.max(0, joined.length - n));
}

/** An IPC stream ends with 0xFFFFFFFF 0x00000000, a file with ARROW1 (the pre-0.15 4-byte marker is not taken: padding looks the same). */
function endsComplete(tail: Uint8Array): boolean {
  const hex = Buffer.from(tail).toString('hex');
  return hex.endsWith('ffffffff00000000') || Buffer.from(tail).toString('latin1').endsWith('ARROW1');
}

/** An Arrow IPC stream (or file); columns are mapped whole, rows are numbered across batches. */
export async function* readArrow(input: AsyncIterable<Uint8Array>, options: SourceOptions): AsyncGenerator<SourcePiece> {
  let bytes = 0;
  let seenBytes = false;
  // The last bytes seen: a complete stream ends with the end-of-stream marker (a file with ARROW1).
  let tail: Uint8Array = new Uint8Array(0);
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const piece of input) {
      bytes += piece.length;
      if (piece.length) seenBytes = true;
      tail = lastBytes(tail, piece, 8);
      options.onBytes?.(bytes);
      yield piece;
    }
  }
  let rowsSoFar = 0;
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(counted());
    await reader.open();
  } catch (err) {
    if (!seenBytes) throw new IngestError('EMPTY_INPUT', 'the input is empty');
    throw new IngestError('MALFORMED', `not an Arrow IPC stream: ${(err as Error).message}`);
  }
  if (!seenBytes) throw new IngestError('EMPTY_INPUT', 'the input is empty');
  const header = reader.schema?.fields.map((f) => f.name) ?? [];
  const mapping = resolveMapping(options.profile, options.overrides, header, options.fieldContext);
  options.onMapping?.(mapping);
  const iterator = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = await iterator.next();
    } catch (err) {
      // The file is one batch, stored whole or not at all: a broken stream refuses all of it.
      throw new IngestError('MALFORMED', `the Arrow stream is malformed or truncated after row ${rowsSoFar}: ${(err as Error).message}; nothing of it was stored`);
    }
    if (next.done) {
      if (!endsComplete(tail)) throw new IngestError('MALFORMED', `the Arrow stream is truncated after row ${rowsSoFar} (no end-of-stream marker); nothing of it was stored`);
      break;
    }
    const batch = next.value;
    const length = batch.numRows;
    if (length === 0) continue;
    const sources = new Map<string, ArrayLike<unknown>>();
    const source = (name: string): ArrayLike<unknown> | undefined => {
      if (!sources.has(name)) {
        const vector = batch.getChild(name);
        if (vector) sources.set(name, columnValues(vector));
      }
      return sources.get(name);
    };
    const columns: Partial<Record<ColumnName, ArrayLike<unknown>>> = {};
    for (const field of mapping.fields) {
      if (field.directSource !== undefined) {
        const values = source(field.directSource);
        if (values) columns[field.column] = values;
        continue;
      }
      const out = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = field.extract((name) => source(name)?.[i]);
      columns[field.column] = out;
    }
    const rowNumbers = new Float64Array(length);
    for (let i = 0; i < length; i++) rowNumbers[i] = rowsSoFar + i + 1;
    rowsSoFar += length;
    yield { chunk: { length, rowNumbers, columns, rawText: (i) => rowAsText(batch, i) }, rejections: [] };
  }
}
