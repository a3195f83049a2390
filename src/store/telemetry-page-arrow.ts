import { Dictionary, Int32, List, RecordBatch, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray, type Data, type DataType, type Field, type Vector } from 'apache-arrow';
import { columnDef, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { telemetryArrowSchema } from './arrow-schema.ts';
import type { TelemetryPage } from './telemetry-page-repository.ts';

/**
 * A telemetry page as an Arrow IPC stream, every column built straight from the page's typed
 * arrays: no value goes through Arrow's generic builders except the few list entries.
 */
export function telemetryPageToArrowIpc(page: TelemetryPage): Uint8Array {
  return tableToIPC(pageTable(page), 'stream');
}

function pageTable(page: TelemetryPage): Table {
  const schema = telemetryArrowSchema(page.columns);
  const children = schema.fields.map((f) => columnData(f, page));
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: page.length, children, nullCount: 0 }))]);
}

function validity(n: number, isNull: (i: number) => boolean): { nullBitmap: Uint8Array | null; nullCount: number } {
  let nullCount = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (isNull(i)) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: nullCount ? bitmap : null, nullCount };
}

/** Epoch ms as int64 without a BigInt per row: written as two 32-bit halves (little-endian). */
function int64Millis(ts: Float64Array): BigInt64Array {
  const halves = new Int32Array(ts.length * 2);
  for (let i = 0; i < ts.length; i++) {
    const ms = ts[i]!;
    const hi = Math.floor(ms / 4294967296);
    halves[2 * i] = ms - hi * 4294967296;
    halves[2 * i + 1] = hi;
  }
  return new BigInt64Array(halves.buffer);
}

/** Codes into `dictionary` (−1 = NULL) as Arrow dictionary data; a NULL slot still gets a valid index. */
export function dictionaryCodesData(type: DataType, codes: Int32Array, dictionary: Vector<Utf8>): Data {
  const nulls = validity(codes.length, (i) => codes[i]! < 0);
  const data = nulls.nullCount ? codes.map((c) => (c < 0 ? 0 : c)) : codes;
  return makeData({ type: type as Dictionary<Utf8, Int32>, length: codes.length, data, ...nulls, dictionary });
}

export function listData(type: DataType, values: (string[] | null)[]): Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const flat: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v) for (const s of v) flat.push(s);
    offsets[i + 1] = flat.length;
  }
  const child = vectorFromArray(flat, new Utf8()).data[0]!;
  return makeData({ type: type as List<Utf8>, length: n, valueOffsets: offsets, child, ...validity(n, (i) => !values[i]) });
}

function columnData(field: Field, page: TelemetryPage): Data {
  const n = page.length;
  switch (columnDef(field.name)!.kind) {
    case 'device':
      return makeData({ type: field.type as Dictionary<Utf8, Int32>, length: n, data: new Int32Array(n), dictionary: vectorFromArray([page.deviceId], new Utf8()) });
    case 'timestamp':
      return makeData({ type: field.type, length: n, data: int64Millis(page.tsMs) } as never);
    case 'number': {
      const values = page.numbers[field.name as NumberColumnName]!;
      return makeData({ type: field.type, length: n, data: values, ...validity(n, (i) => Number.isNaN(values[i]!)) } as never);
    }
    case 'text':
      return dictionaryCodesData(field.type, page.stateCodes!, vectorFromArray([...page.stateDictionary], new Utf8()));
    case 'text_list':
      return listData(field.type, page.lists[field.name as TextListColumnName]!);
  }
}
