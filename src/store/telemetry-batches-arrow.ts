import { Dictionary, Int32, RecordBatch, RecordBatchStreamWriter, Struct, Utf8, makeData, vectorFromArray, type Data, type Field, type Vector } from 'apache-arrow';
import { columnDef, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { telemetryArrowSchema } from './arrow-schema.ts';
import type { TelemetryBatch, TelemetryBatches } from './telemetry-batches-repository.ts';
import { dictionaryCodesData, int64Millis, listData } from './telemetry-page-arrow.ts';

/** Set bits among the first `length` of a bitmap: the rows present. */
function countSet(bitmap: Uint8Array, length: number): number {
  let set = 0;
  for (let i = 0; i < length; i++) set += (bitmap[i >> 3]! >> (i & 7)) & 1;
  return set;
}

/**
 * A page as an Arrow IPC stream, one record batch per DuckDB chunk: number columns are DuckDB's
 * vectors and validity masks as they are (Arrow's layout is the same), dictionaries are written
 * once for the stream. The pieces are Arrow's messages and views of those buffers, never joined.
 */
export function telemetryBatchesToArrowPieces(page: TelemetryBatches): AsyncIterable<Uint8Array> {
  const schema = telemetryArrowSchema(page.columns);
  const dictionaries = {
    device: vectorFromArray([page.deviceId], new Utf8()),
    state: vectorFromArray([...page.stateDictionary], new Utf8()),
  };
  const batches = page.batches.map((b) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.length, children: schema.fields.map((f) => columnData(f, b, dictionaries)), nullCount: 0 })));
  if (batches.length === 0) batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, children: schema.fields.map((f) => columnData(f, emptyBatch(page), dictionaries)), nullCount: 0 })));
  return RecordBatchStreamWriter.writeAll(batches);
}

function emptyBatch(page: TelemetryBatches): TelemetryBatch {
  const numbers: TelemetryBatch['numbers'] = {};
  const lists: TelemetryBatch['lists'] = {};
  for (const c of page.columns) {
    const kind = columnDef(c)!.kind;
    if (kind === 'number') numbers[c as NumberColumnName] = { values: new Float64Array(0), validity: null };
    if (kind === 'text_list') lists[c as TextListColumnName] = [];
  }
  return { length: 0, tsMs: new Float64Array(0), numbers, stateCodes: new Int32Array(0), listLengths: {}, lists, chunk: undefined };
}

function columnData(field: Field, b: TelemetryBatch, dictionaries: { device: Vector<Utf8>; state: Vector<Utf8> }): Data {
  const n = b.length;
  switch (columnDef(field.name)!.kind) {
    case 'device':
      return makeData({ type: field.type as Dictionary<Utf8, Int32>, length: n, data: new Int32Array(n), dictionary: dictionaries.device });
    case 'timestamp':
      return makeData({ type: field.type, length: n, data: int64Millis(b.tsMs) } as never);
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
