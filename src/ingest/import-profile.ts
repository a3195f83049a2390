import type { ColumnName } from '../domain/telemetry-schema.ts';
import type { UnitName } from '../domain/units.ts';

export interface FieldContext {
  /** Wall-clock time (as if UTC) to real UTC ms, in the file's zone. */
  localToUtc: (wallClockAsUtcMs: number) => number;
  /** --start/?start=: the ts column counts from this instant (relative time), in seconds unless mapped with a unit. */
  startMs?: number | undefined;
}

/** Where a schema column comes from: a source column (optionally in another unit) or a computation. */
export type FieldSpec =
  | string
  | { source: string; unit?: UnitName; factors?: readonly string[]; negate?: boolean }
  | { sources: readonly string[]; compute: (values: unknown[], ctx: FieldContext) => unknown };

/** How a real-world file's columns, units and time zone map onto the telemetry schema. */
export interface ImportProfile {
  name: string;
  description: string;
  /** Zone of wall-clock times in the file, unless --tz/?tz= says otherwise. */
  defaultTz?: string;
  columns: Partial<Record<ColumnName, FieldSpec>>;
}
