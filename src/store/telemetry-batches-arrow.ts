import { AsyncByteQueue, Dictionary, Int32, RecordBatch, RecordBatchStreamWriter, Struct, Utf8, makeData, vectorFromArray, type Data, type Field, type Schema, type Vector } from 'apache-arrow';
import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { telemetryArrowSchema } from './arrow-schema.ts';
import type { TelemetryBatch, TelemetryBatches } from './telemetry-batches-repository.ts';
import { dictionaryCodesData, listData } from './telemetry-page-arrow.ts';

/** Set bits among the first `length` of a bitmap: the rows present. */
function countSet(bitmap: Uint8Array, length: number): number {
  let set = 0;
  for (let i = 0; i < length; i++) set += (bitmap[i >> 3]! >> (i & 7)) & 1;
  return set;
}

type Dictionaries = { device: Vector<Utf8>; state: Vector<Utf8> };

/** Where the writer puts its messages: kept in order and taken after each batch, so nothing waits on a queue. */
class PieceSink extends AsyncByteQueue {
  private pieces: Uint8Array[] = [];
  override write(value: unknown): void {
    if (ArrayBuffer.isView(value) && value.byteLength > 0) this.pieces.push(value as Uint8Array);
  }
  /** What was written since the last call, as one buffer: one socket write per batch instead of ~30. */
  take(): Uint8Array {
    const taken = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    this.pieces = [];
    return taken;
  }
}

/**
 * A page as an Arrow IPC stream, one record batch per DuckDB chunk, each encoded as the socket
 * takes the one before: number columns are DuckDB's vectors and validity masks as they are
 * (Arrow's layout is the same), dictionaries are written once for the stream, and each batch's
 * messages go out as one buffer.
 */
export function* telemetryBatchesToArrowPieces(page: TelemetryBatches): Generator<Uint8Array> {
  const schema = telemetryArrowSchema(page.columns);
  const dictionaries: Dictionaries = {
    device: vectorFromArray([page.deviceId], new Utf8()),
    state: vectorFromArray([...page.stateDictionary], new Utf8()),
  };
  const sink = new PieceSink();
  const writer = new RecordBatchStreamWriter().reset(sink);
  let written = 0;
  for (const b of page.batches) {
    writer.write(recordBatch(schema, b, dictionaries));
    written++;
    yield sink.take();
  }
  if (written === 0) writer.write(recordBatch(schema, emptyBatch(page.columns), dictionaries));
  writer.finish();
  yield sink.take();
}

function recordBatch(schema: Schema, b: TelemetryBatch, dictionaries: Dictionaries): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.length, children: schema.fields.map((f) => columnData(f, b, dictionaries)), nullCount: 0 }));
}

function emptyBatch(columns: readonly ColumnName[]): TelemetryBatch {
  const numbers: TelemetryBatch['numbers'] = {};
  const lists: TelemetryBatch['lists'] = {};
  for (const c of columns) {
    const kind = columnDef(c)!.kind;
    if (kind === 'number') numbers[c as NumberColumnName] = { values: new Float64Array(0), validity: null };
    if (kind === 'text_list') lists[c as TextListColumnName] = [];
  }
  return { length: 0, tsMillis: new BigInt64Array(0), numbers, stateCodes: new Int32Array(0), lists };
}

function columnData(field: Field, b: TelemetryBatch, dictionaries: Dictionaries): Data {
  const n = b.length;
  switch (columnDef(field.name)!.kind) {
    case 'device':
      return makeData({ type: field.type as Dictionary<Utf8, Int32>, length: n, data: new Int32Array(n), dictionary: dictionaries.device });
    case 'timestamp':
      return makeData({ type: field.type, length: n, data: b.tsMillis } as never);
    case 'number': {
      const { values, validity } = b.numbers[field.name as NumberColumnName]!;
      return makeData({ type: field.type, length: n, data: values, nullBitmap: validity, nullCount: validity ? n - countSet(validity, n) : 0 } as never);
    }
    case 'text':
      return dictionaryCodesData(field.type, b.stateCodes!, dictionaries.state);
    case 'text_list':
      return listData(field.type, b.lists[field.name as TextListColumnName]!);
  }
}
