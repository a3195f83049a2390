import {
  Dictionary,
  Int32,
  RecordBatch,
  Struct,
  Table,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
  type Data,
  type DataType,
  type Field,
} from 'apache-arrow';
import { columnDef, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { telemetryArrowSchema } from './arrow-schema.ts';
import type { TelemetryColumns } from './telemetry-repository.ts';

/** Validity bitmap (bit set = value present) for a column with NaN as the missing marker. */
function validityOf(values: Float64Array): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap: nullCount ? bitmap : undefined, nullCount };
}

/** One-value dictionary: the device column of a single-device read costs an Int32Array of zeros. */
function constantDictionary(type: DataType, value: string, length: number): Data {
  return makeData({ type: type as Dictionary<Utf8, Int32>, length, data: new Int32Array(length), dictionary: vectorFromArray([value], new Utf8()) });
}

function dictionaryOf(type: DataType, values: readonly (string | null)[]): Data {
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nullCount++;
      return;
    }
    let code = index.get(v);
    if (code === undefined) index.set(v, (code = index.size));
    codes[i] = code;
    bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return makeData({
    type: type as Dictionary<Utf8, Int32>,
    length: values.length,
    data: codes,
    nullCount,
    nullBitmap: nullCount ? bitmap : null,
    dictionary: vectorFromArray([...index.keys()], new Utf8()),
  });
}

function columnData(field: Field, cols: TelemetryColumns): Data {
  const kind = columnDef(field.name)!.kind;
  const n = cols.length;
  switch (kind) {
    case 'device':
      return constantDictionary(field.type, cols.deviceId, n);
    case 'timestamp': {
      const ms = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ms[i] = BigInt(cols.tsMs[i]!);
      return makeData({ type: field.type, length: n, data: ms } as never);
    }
    case 'number': {
      const values = cols.numbers[field.name as NumberColumnName]!;
      const { bitmap, nullCount } = validityOf(values);
      return makeData({ type: field.type, length: n, data: values, nullCount, nullBitmap: bitmap ?? null } as never);
    }
    case 'text':
      return dictionaryOf(field.type, cols.state ?? new Array<string | null>(n).fill(null));
    case 'text_list':
      return vectorFromArray(cols.lists[field.name as TextListColumnName] ?? new Array<null>(n).fill(null), field.type).data[0]!;
  }
}

/** Telemetry columns as an Arrow table with the schema's types, built from the typed arrays directly. */
export function telemetryColumnsToArrow(cols: TelemetryColumns): Table {
  const schema = telemetryArrowSchema(cols.columns);
  const children = schema.fields.map((f) => columnData(f, cols));
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: cols.length, children, nullCount: 0 }));
  return new Table([batch]);
}

/** The IPC stream format: what `application/vnd.apache.arrow.stream` carries. */
export function arrowTableToIpcStream(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}
