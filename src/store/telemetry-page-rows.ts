import { columnDef, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import type { TelemetryPage } from './telemetry-page-repository.ts';

/**
 * A small page (a reduced timeline: a few thousand rows at most) as JSON row objects, `ts` in
 * ISO 8601 and NULLs as null. Bulk reads never come here: they stream text made by DuckDB.
 */
export function telemetryPageToRows(page: TelemetryPage): Record<string, unknown>[] {
  const rows = new Array<Record<string, unknown>>(page.length);
  for (let i = 0; i < page.length; i++) {
    const row: Record<string, unknown> = {};
    for (const c of page.columns) {
      switch (columnDef(c)!.kind) {
        case 'device':
          row[c] = page.deviceId;
          break;
        case 'timestamp':
          row[c] = new Date(page.tsMs[i]!).toISOString();
          break;
        case 'number': {
          const v = page.numbers[c as NumberColumnName]![i]!;
          row[c] = Number.isNaN(v) ? null : v;
          break;
        }
        case 'text': {
          const code = page.stateCodes![i]!;
          row[c] = code < 0 ? null : page.stateDictionary[code];
          break;
        }
        case 'text_list':
          row[c] = page.lists[c as TextListColumnName]![i] ?? null;
      }
    }
    rows[i] = row;
  }
  return rows;
}
