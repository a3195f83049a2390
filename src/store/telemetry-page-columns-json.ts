import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import type { TelemetryPage } from './telemetry-page-repository.ts';

/** Rows per piece of text handed to the socket: big enough to amortise, small enough to stream. */
const PIECE_ROWS = 4096;

const num = (v: number): string => (v !== v ? 'null' : String(v)); // NaN is NULL

/** A writer of one column's value at row i as JSON text, with nothing built per row but the text. */
function valueWriter(c: ColumnName, page: TelemetryPage): (i: number) => string {
  switch (columnDef(c)!.kind) {
    case 'device': {
      const text = JSON.stringify(page.deviceId);
      return () => text;
    }
    case 'timestamp':
      return (i) => String(page.tsMs[i]);
    case 'number': {
      const values = page.numbers[c as NumberColumnName]!;
      return (i) => num(values[i]!);
    }
    case 'text': {
      const words = page.stateDictionary.map((s) => JSON.stringify(s));
      const codes = page.stateCodes!;
      return (i) => (codes[i]! < 0 ? 'null' : words[codes[i]!]!);
    }
    case 'text_list': {
      const values = page.lists[c as TextListColumnName]!;
      return (i) => (values[i] ? JSON.stringify(values[i]) : 'null');
    }
  }
}

/**
 * The columnar JSON shape (`?shape=columns`): one array per column, `ts` in epoch ms, written piece
 * by piece from the page's typed arrays, so a big page streams and no object is made per row.
 */
export function* telemetryPageColumnsJson(page: TelemetryPage, nextCursor: string | null): Generator<string> {
  const n = page.length;
  yield `{"deviceId":${JSON.stringify(page.deviceId)},"count":${n},"columns":{`;
  for (const [k, c] of page.columns.entries()) {
    const write = valueWriter(c, page);
    yield `${k === 0 ? '' : ','}"${c}":[`;
    for (let start = 0; start < n; start += PIECE_ROWS) {
      const end = Math.min(n, start + PIECE_ROWS);
      const parts = new Array<string>(end - start);
      for (let i = start; i < end; i++) parts[i - start] = write(i);
      yield (start === 0 ? '' : ',') + parts.join(',');
    }
    yield ']';
  }
  yield `},"nextCursor":${nextCursor === null ? 'null' : JSON.stringify(nextCursor)}}`;
}
