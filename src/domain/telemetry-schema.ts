/**
 * The telemetry columns, declared once. The DuckDB DDL (store/telemetry-ddl.ts), the Arrow schema
 * (store/arrow-schema.ts), the HTTP/NDJSON row schema (http/schemas/telemetry-row.ts) and the
 * ingest validation (domain/validate-row.ts) are all derived from this list.
 */

export type ColumnKind = 'device' | 'timestamp' | 'number' | 'text' | 'text_list';

export interface ColumnDef {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly unit?: string;
  readonly required?: boolean;
  /** Inclusive bounds; a value outside is rejected with its row and field. */
  readonly min?: number;
  readonly max?: number;
  readonly description: string;
}

export const TELEMETRY_COLUMNS = [
  { name: 'device_id', kind: 'device', required: true, description: 'Device identifier' },
  { name: 'ts', kind: 'timestamp', unit: 'UTC, ms', required: true, description: 'Sample time, UTC, millisecond precision' },
  { name: 'speed_kph', kind: 'number', unit: 'km/h', min: 0, max: 500, description: 'Vehicle speed' },
  { name: 'soc_pct', kind: 'number', unit: '%', min: 0, max: 100, description: 'Battery state of charge' },
  { name: 'range_km', kind: 'number', unit: 'km', min: 0, max: 5000, description: 'Range the vehicle displays' },
  { name: 'battery_temp_c', kind: 'number', unit: '°C', min: -60, max: 120, description: 'Battery (pack) temperature' },
  { name: 'outside_temp_c', kind: 'number', unit: '°C', min: -70, max: 70, description: 'Outside air temperature' },
  { name: 'cabin_setpoint_c', kind: 'number', unit: '°C', min: 0, max: 40, description: 'Cabin climate set-point' },
  { name: 'lat', kind: 'number', unit: 'degrees', min: -90, max: 90, description: 'GPS latitude (WGS84)' },
  { name: 'lon', kind: 'number', unit: 'degrees', min: -180, max: 180, description: 'GPS longitude (WGS84)' },
  { name: 'alt_m', kind: 'number', unit: 'm', min: -500, max: 9000, description: 'Altitude above sea level' },
  { name: 'odometer_km', kind: 'number', unit: 'km', min: 0, max: 5_000_000, description: 'Odometer' },
  { name: 'power_kw', kind: 'number', unit: 'kW', min: -1000, max: 1000, description: 'Battery power; positive = drawing from the battery' },
  { name: 'state', kind: 'text', description: 'Vehicle state (driving/charging/parked/off) or gear (D/N/R/P)' },
  { name: 'error_codes', kind: 'text_list', description: 'Active error codes' },
  { name: 'flags', kind: 'text_list', description: 'Data-quality flags set at import (e.g. gps_invalid): the value was not trusted' },
] as const satisfies readonly ColumnDef[];

export type TelemetryColumn = (typeof TELEMETRY_COLUMNS)[number];
export type ColumnName = TelemetryColumn['name'];
export type NumberColumnName = Extract<TelemetryColumn, { kind: 'number' }>['name'];
export type TextColumnName = Extract<TelemetryColumn, { kind: 'text' }>['name'];
export type TextListColumnName = Extract<TelemetryColumn, { kind: 'text_list' }>['name'];

export const COLUMN_NAMES: readonly ColumnName[] = TELEMETRY_COLUMNS.map((c) => c.name);
export const NUMBER_COLUMNS = TELEMETRY_COLUMNS.filter((c) => c.kind === 'number') as readonly Extract<
  TelemetryColumn,
  { kind: 'number' }
>[];
export const NUMBER_COLUMN_NAMES: readonly NumberColumnName[] = NUMBER_COLUMNS.map((c) => c.name);
export const TEXT_COLUMN_NAMES: readonly TextColumnName[] = ['state'];
export const TEXT_LIST_COLUMN_NAMES: readonly TextListColumnName[] = ['error_codes', 'flags'];

const byName = new Map<string, ColumnDef>(TELEMETRY_COLUMNS.map((c) => [c.name, c]));

export function columnDef(name: string): ColumnDef | undefined {
  return byName.get(name);
}

export function isColumnName(name: string): name is ColumnName {
  return byName.has(name);
}

/** Timestamps later than now + this are rejected: a device clock that far ahead is wrong. */
export const MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000;
/** Earliest plausible sample (2000-01-01T00:00:00Z); older values are a unit or clock error. */
export const MIN_TS_MS = Date.UTC(2000, 0, 1);
