import {
  NUMBER_COLUMN_NAMES,
  type NumberColumnName,
  type TextColumnName,
  type TextListColumnName,
} from './telemetry-schema.ts';

/**
 * Validated telemetry rows in columnar form, ready to be written. Missing numbers are NaN; missing
 * text is null; list columns hold their items joined by '|' (items never contain '|').
 */
export interface TelemetryBatch {
  length: number;
  /** Row number in the source (1-based, header excluded), for reports. */
  rowNumbers: Float64Array;
  deviceId: string[];
  tsMs: Float64Array;
  numbers: Record<NumberColumnName, Float64Array>;
  text: Record<TextColumnName, (string | null)[]>;
  lists: Record<TextListColumnName, (string | null)[]>;
}

export function emptyBatch(capacity: number): TelemetryBatch {
  const numbers = {} as Record<NumberColumnName, Float64Array>;
  for (const name of NUMBER_COLUMN_NAMES) numbers[name] = new Float64Array(capacity).fill(Number.NaN);
  return {
    length: 0,
    rowNumbers: new Float64Array(capacity),
    deviceId: new Array<string>(capacity),
    tsMs: new Float64Array(capacity),
    numbers,
    text: { state: new Array<string | null>(capacity).fill(null) },
    lists: {
      error_codes: new Array<string | null>(capacity).fill(null),
      flags: new Array<string | null>(capacity).fill(null),
    },
  };
}
