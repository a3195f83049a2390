import type { ColumnName } from '../domain/telemetry-schema.ts';
import { exactColumns, type TelemetryPage } from './telemetry-page-repository.ts';
import type { TelemetryColumns } from './telemetry-repository.ts';

/**
 * A page in the shape the DuckDB page reader gives (exactly the requested columns, `state`
 * dictionary-coded), from columns a contract backend read with one row more than the page:
 * that extra row only says where the next page starts.
 */
export function telemetryPageFromColumns(read: TelemetryColumns, requested: readonly ColumnName[] | undefined, limit: number): TelemetryPage {
  const length = Math.min(limit, read.length);
  const columns = exactColumns(requested);
  const numbers: TelemetryPage['numbers'] = {};
  for (const [name, values] of Object.entries(read.numbers)) if (columns.includes(name as ColumnName)) numbers[name as keyof TelemetryPage['numbers']] = values.subarray(0, length);
  const lists: TelemetryPage['lists'] = {};
  for (const [name, values] of Object.entries(read.lists)) if (columns.includes(name as ColumnName)) lists[name as keyof TelemetryPage['lists']] = values.slice(0, length);
  let stateCodes: Int32Array | undefined;
  let stateDictionary: string[] = [];
  if (columns.includes('state')) {
    const states = (read.state ?? []).slice(0, length);
    stateDictionary = [...new Set(states.filter((s): s is string => s !== null))].sort();
    const code = new Map(stateDictionary.map((s, i) => [s, i]));
    stateCodes = Int32Array.from(states, (s) => (s === null ? -1 : code.get(s)!));
  }
  return {
    deviceId: read.deviceId,
    columns,
    length,
    tsMs: read.tsMs.subarray(0, length),
    numbers,
    ...(stateCodes ? { stateCodes } : {}),
    stateDictionary,
    lists,
    nextStartMs: read.length > limit ? read.tsMs[limit] : undefined,
  };
}
