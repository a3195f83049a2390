import { DOUBLE, type DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import { NUMBER_COLUMN_NAMES, TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';

/**
 * The layout of an ingest batch's stage (StagedIngest): rows are appended as DOUBLE vectors with
 * repeated strings as dictionary indexes, then selected back as telemetry columns.
 */
export const VECTOR_SIZE = 2048;
/** Rejections appended between two turns of the event loop. */
export const REJECTS_PER_YIELD = 1024;
/** Repeated strings are staged as indexes into a per-batch dictionary: one native call per value is the cost otherwise. */
export const DICTIONARY_COLUMNS = ['device_id', 'state'] as const;
/** Every staged column is a DOUBLE (NaN = missing), so a vector is filled by copying a typed array. */
export const STAGE_SQL = `CREATE TEMP TABLE stage (row_no DOUBLE, device_ix DOUBLE, ts_ms DOUBLE, ${NUMBER_COLUMN_NAMES.map((n) => `${n} DOUBLE`).join(', ')}, state_ix DOUBLE)`;
export const STAGE_TYPES: DuckDBType[] = [DOUBLE, DOUBLE, DOUBLE, ...NUMBER_COLUMN_NAMES.map(() => DOUBLE), DOUBLE];

/**
 * Copies a slice of doubles into a chunk's vector in one go. DuckDBDoubleVector.setItem costs a
 * BigInt validity update per value (about half of all ingest time in a profile); missing values
 * travel as NaN instead and become NULL in SQL.
 */
export function writeDoubles(chunk: DuckDBDataChunk, col: number, values: Float64Array): void {
  const vector = chunk.getColumnVector(col);
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length === values.length) {
    items.set(values);
  } else {
    for (let i = 0; i < values.length; i++) vector.setItem(i, values[i]!);
  }
  vector.flush();
}

/** The telemetry columns selected back from the stage and its dictionaries (s, dd, sd, and l when lists were staged). */
export function telemetrySelectFromStage(withLists: boolean): string {
  return TELEMETRY_COLUMNS.map((c) => {
    switch (c.name) {
      case 'device_id':
        return 'dd.value AS device_id';
      case 'ts':
        return 'epoch_ms(CAST(s.ts_ms AS BIGINT)) AS ts';
      case 'state':
        return 'sd.value AS state';
      case 'error_codes':
      case 'flags':
        return withLists ? `CASE WHEN l.${c.name} IS NULL THEN NULL ELSE string_split(l.${c.name}, '|') END AS ${c.name}` : `NULL::VARCHAR[] AS ${c.name}`;
      default:
        return `CASE WHEN isnan(s.${c.name}) THEN NULL ELSE s.${c.name} END AS ${c.name}`;
    }
  }).join(',\n    ');
}
