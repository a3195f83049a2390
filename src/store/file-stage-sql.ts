import { MAX_FUTURE_SKEW_MS, MIN_TS_MS, TELEMETRY_COLUMNS, type TelemetryColumn } from '../domain/telemetry-schema.ts';

/** A file in the schema's own columns, read by DuckDB's own reader. */
export interface SchemaFile {
  path: string;
  format: 'csv' | 'parquet';
  /** The file's columns with their DuckDB types (CSV: every column VARCHAR, from its header; Parquet: read from the file). */
  columns: readonly { name: string; type: string }[];
  /** Device for a file without a device_id column (--device). */
  deviceId?: string | undefined;
  nowMs: number;
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * Text the streaming validator would keep exactly as it is: printable ASCII with no space at
 * either end (its trim is then a no-op and its length check agrees with DuckDB's). Anything else
 * (other scripts, padding, control characters) goes the streaming way, where the rules live.
 */
const PLAIN_TEXT = (max: number) => `'[\\x21-\\x7E]([\\x20-\\x7E]{0,${max - 2}}[\\x21-\\x7E])?'`;
const CODES = `'[\\x21-\\x7B\\x7D\\x7E]{1,64}(\\|[\\x21-\\x7B\\x7D\\x7E]{1,64})*'`;
const NUMERIC = `'[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?'`;
const NULL_TEXT = `('', 'null', 'NULL', 'NA', 'N/A', 'nan', 'NaN')`;
const isNumericType = (type: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/i.test(type);
const isTimeType = (type: string) => /^(TIMESTAMP|DATE)/i.test(type);

interface ColumnSql {
  /** The stored value (the telemetry column's type). */
  value: string;
  /** True exactly when the streaming validator would accept the value unchanged; false or NULL otherwise. */
  valid: string;
}

/**
 * For one schema column, the SQL that computes its stored value from the file's column and the
 * SQL that says whether the streaming validator (validate-chunk.ts) would accept it and store the
 * same value. It is conservative: `undefined` (a type it does not handle) or a row it cannot vouch
 * for sends the whole file the streaming way, which quarantines bad rows with their reasons.
 */
function columnSql(def: TelemetryColumn, source: { name: string; type: string } | undefined, file: SchemaFile): ColumnSql | undefined {
  if (!source) {
    if (def.name === 'device_id') {
      if (file.deviceId === undefined || !/^[\x21-\x7E]([\x20-\x7E]{0,126}[\x21-\x7E])?$/.test(file.deviceId)) return undefined;
      return { value: quoteLiteral(file.deviceId), valid: 'true' };
    }
    if (def.name === 'ts') return undefined;
    const type = def.kind === 'text_list' ? 'VARCHAR[]' : def.kind === 'number' ? 'DOUBLE' : 'VARCHAR';
    return { value: `NULL::${type}`, valid: 'true' };
  }
  const c = quoteIdent(source.name);
  const text = /^VARCHAR$/i.test(source.type);
  switch (def.kind) {
    case 'device':
      if (!text) return undefined;
      return { value: c, valid: `regexp_full_match(${c}, ${PLAIN_TEXT(128)})` };
    case 'timestamp': {
      let ms: string;
      if (text) {
        // Epoch milliseconds, or ISO 8601 in UTC with 'Z': the forms both readers parse alike.
        ms = `CASE WHEN regexp_full_match(${c}, '[0-9]{1,16}') THEN TRY_CAST(${c} AS BIGINT)
                   WHEN regexp_full_match(${c}, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?Z') THEN epoch_ms(TRY_CAST(${c} AS TIMESTAMPTZ)) END`;
      } else if (isNumericType(source.type)) {
        ms = `CAST(round(CAST(${c} AS DOUBLE)) AS BIGINT)`;
      } else if (isTimeType(source.type)) {
        ms = `CAST(epoch_ms(CAST(${c} AS TIMESTAMP)) AS BIGINT)`;
      } else {
        return undefined;
      }
      const max = file.nowMs + MAX_FUTURE_SKEW_MS;
      return { value: `epoch_ms(${ms})`, valid: `(${ms}) BETWEEN ${MIN_TS_MS} AND ${max}` };
    }
    case 'number': {
      const { min, max } = def as { min: number; max: number };
      if (text) {
        const n = `TRY_CAST(${c} AS DOUBLE)`;
        return {
          value: `CASE WHEN regexp_full_match(${c}, ${NUMERIC}) THEN ${n} END`,
          valid: `(${c} IS NULL OR ${c} IN ${NULL_TEXT} OR (regexp_full_match(${c}, ${NUMERIC}) AND ${n} BETWEEN ${min} AND ${max}))`,
        };
      }
      if (!isNumericType(source.type)) return undefined;
      const n = `CAST(${c} AS DOUBLE)`;
      return { value: `CASE WHEN isnan(${n}) THEN NULL ELSE ${n} END`, valid: `(${c} IS NULL OR isnan(${n}) OR ${n} BETWEEN ${min} AND ${max})` };
    }
    case 'text':
      if (!text) return undefined;
      return { value: `nullif(${c}, '')`, valid: `(${c} IS NULL OR ${c} = '' OR regexp_full_match(${c}, ${PLAIN_TEXT(64)}))` };
    case 'text_list': {
      let s: string;
      if (text) s = c;
      else if (/^VARCHAR\[\]$/i.test(source.type)) s = `array_to_string(${c}, '|')`;
      else return undefined;
      return { value: `CASE WHEN ${s} IS NULL OR ${s} = '' THEN NULL ELSE string_split(${s}, '|') END`, valid: `(${s} IS NULL OR ${s} = '' OR regexp_full_match(${s}, ${CODES}))` };
    }
  }
}

/** DuckDB's own reader over the file: read_parquet, or read_csv with the dialect the streaming reader assumes. */
export function readerSql(file: SchemaFile): string {
  if (file.format === 'parquet') return `read_parquet(${quoteLiteral(file.path)})`;
  return csvReaderSql([file.path], file.columns, false);
}

/** read_csv over one or several files of one header, in that dialect; `filename` adds the column saying which file a row is from. */
export function csvReaderSql(paths: readonly string[], header: SchemaFile['columns'], filename: boolean): string {
  const columns = header.map((col) => `${quoteLiteral(col.name)}: 'VARCHAR'`).join(', ');
  const files = paths.length === 1 ? quoteLiteral(paths[0]!) : `[${paths.map(quoteLiteral).join(', ')}]`;
  return `read_csv(${files}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {${columns}}, strict_mode = true, null_padding = false, compression = 'auto'${filename ? ', filename = true' : ''})`;
}

/** The SELECT list producing telemetry rows (the table's column order) and the validity test; undefined: not this way. */
export function fileStageSql(file: SchemaFile): { select: string; valid: string } | undefined {
  const byName = new Map(file.columns.map((c) => [c.name, c]));
  const parts: string[] = [];
  const checks: string[] = [];
  for (const def of TELEMETRY_COLUMNS) {
    const sql = columnSql(def, byName.get(def.name), file);
    if (!sql) return undefined;
    parts.push(`${sql.value} AS ${def.name}`);
    checks.push(`coalesce(${sql.valid}, false)`);
  }
  return { select: parts.join(',\n  '), valid: checks.join(' AND ') };
}
