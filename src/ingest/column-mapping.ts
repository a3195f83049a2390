import { COLUMN_NAMES, isColumnName, type ColumnName } from '../domain/telemetry-schema.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { isUnitName, UNIT_CONVERSIONS, unitConversion, type UnitName } from '../domain/units.ts';
import type { FieldContext, FieldSpec, ImportProfile } from './import-profile.ts';
import { IngestError } from './ingest-error.ts';

export type SourceGetter = (sourceColumn: string) => unknown;

export interface ResolvedField {
  column: ColumnName;
  extract: (get: SourceGetter) => unknown;
  /** Set when the column is one source column unchanged, so columnar sources can take it whole. */
  directSource?: string;
}

export interface ResolvedMapping {
  fields: ResolvedField[];
  /** Source columns nothing reads, reported so a user sees what was left out. */
  ignoredColumns: string[];
}

/**
 * `unknownUnit`: the text after the last colon looked like a unit but is none we know. The source
 * keeps the whole text (a column may be named `Speed:furlongs`); if the file has no such column
 * the mapping fails naming the unit, not a column the user never meant.
 */
export type MapOverrides = Partial<Record<ColumnName, { source: string; unit?: UnitName; unknownUnit?: string }>>;

const UNIT_LIKE = /^[a-z][a-z/%]*$/i;

/** Parses `column=source[:unit]` options (CLI --map, HTTP ?map=). */
export function parseMapOptions(options: readonly string[]): MapOverrides {
  const out: MapOverrides = {};
  for (const option of options) {
    const eq = option.indexOf('=');
    if (eq <= 0) throw new IngestError('BAD_MAP', `--map ${option}: expected column=source or column=source:unit`);
    const column = option.slice(0, eq).trim();
    let source = option.slice(eq + 1).trim();
    let unit: UnitName | undefined;
    const colon = source.lastIndexOf(':');
    let unknownUnit: string | undefined;
    if (colon > 0 && isUnitName(source.slice(colon + 1))) {
      unit = source.slice(colon + 1).toLowerCase() as UnitName;
      source = source.slice(0, colon);
    } else if (colon > 0 && UNIT_LIKE.test(source.slice(colon + 1))) {
      unknownUnit = source.slice(colon + 1);
    }
    if (!isColumnName(column)) {
      throw new IngestError('BAD_MAP', `--map ${option}: '${column}' is not a telemetry column (columns: ${COLUMN_NAMES.join(', ')})`);
    }
    if (source === '') throw new IngestError('BAD_MAP', `--map ${option}: the source column is empty`);
    out[column] = unit ? { source, unit } : unknownUnit ? { source, unknownUnit } : { source };
  }
  return out;
}

function specSources(spec: FieldSpec): readonly string[] {
  if (typeof spec === 'string') return [spec];
  return 'source' in spec ? [spec.source] : spec.sources;
}

function compile(spec: FieldSpec, ctx: FieldContext): (get: SourceGetter) => unknown {
  if (typeof spec === 'string') return (get) => get(spec);
  if ('source' in spec) {
    const convert = spec.unit ? unitConversion(spec.unit) : undefined;
    const source = spec.source;
    if (!convert || spec.unit === 'kph') return (get) => get(source);
    return (get) => {
      const raw = get(source);
      if (raw === null || raw === undefined || raw === '') return raw;
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      return Number.isNaN(n) ? raw : convert(n); // a non-number is left for validation to reject
    };
  }
  const { sources, compute } = spec;
  return (get) => compute(sources.map((s) => get(s)), ctx);
}

/**
 * Decides where each schema column comes from: the profile's fields, then --map overrides, then any
 * source column that already has a schema name. `sourceColumns` is undefined when the source has no
 * header (NDJSON), in which case names cannot be checked up front.
 */
export function resolveMapping(
  profile: ImportProfile | undefined,
  overrides: MapOverrides,
  sourceColumns: readonly string[] | undefined,
  ctx: FieldContext,
): ResolvedMapping {
  const specs = new Map<ColumnName, FieldSpec>();
  const known = sourceColumns ? new Set(sourceColumns) : undefined;
  if (!profile) {
    for (const name of COLUMN_NAMES) if (!known || known.has(name)) specs.set(name, name);
  }
  for (const [column, spec] of Object.entries(profile?.columns ?? {}) as [ColumnName, FieldSpec][]) specs.set(column, spec);
  for (const [column, spec] of Object.entries(overrides) as [ColumnName, FieldSpec][]) specs.set(column, spec);

  if (known) {
    for (const [column, spec] of specs) {
      const missing = specSources(spec).filter((s) => !known.has(s));
      if (missing.length === 0) continue;
      const unknownUnit = overrides[column] === spec ? overrides[column]?.unknownUnit : undefined;
      if (unknownUnit !== undefined) {
        throw new IngestError('BAD_MAP', MESSAGES.unknownUnit(`${column}=${missing[0]}`, unknownUnit, Object.keys(UNIT_CONVERSIONS)));
      }
      if (profile?.columns[column] === spec || overrides[column] === spec) {
        throw new IngestError(
          'MISSING_COLUMN',
          `column '${missing[0]}' (for ${column}) is not in the file; its columns are: ${sourceColumns!.join(', ')}`,
        );
      }
      specs.delete(column);
    }
    if (!specs.has('ts')) {
      throw new IngestError(
        'MISSING_COLUMN',
        `no 'ts' column; the file's columns are: ${sourceColumns!.join(', ')}. Use --profile, or --map ts=<column>`,
      );
    }
  }
  const used = new Set<string>();
  for (const spec of specs.values()) for (const s of specSources(spec)) used.add(s);
  return {
    fields: [...specs].map(([column, spec]) => {
      const direct = typeof spec === 'string' ? spec : 'source' in spec && (!spec.unit || spec.unit === 'kph') ? spec.source : undefined;
      return direct === undefined ? { column, extract: compile(spec, ctx) } : { column, extract: compile(spec, ctx), directSource: direct };
    }),
    ignoredColumns: (sourceColumns ?? []).filter((c) => !used.has(c)),
  };
}
