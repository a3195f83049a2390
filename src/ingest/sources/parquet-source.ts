import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnName } from '../../domain/telemetry-schema.ts';
import { resolveMapping } from '../column-mapping.ts';
import { IngestError } from '../ingest-error.ts';
import type { SourceOptions, SourcePiece } from './source.ts';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Each Parquet column as a plain JS value: times as epoch ms, lists joined by '|'. */
function columnExpression(name: string, type: string): string {
  const id = quoteIdent(name);
  if (/^TIMESTAMP|^DATE/i.test(type)) return `epoch_ms(CAST(${id} AS TIMESTAMP))::DOUBLE AS ${id}`;
  if (/\[\]$/.test(type)) return `array_to_string(${id}, '|') AS ${id}`;
  if (/INT|DECIMAL|FLOAT|DOUBLE|REAL/i.test(type)) return `CAST(${id} AS DOUBLE) AS ${id}`;
  return `CAST(${id} AS VARCHAR) AS ${id}`;
}

/**
 * A Parquet file, read by DuckDB in vector-sized chunks (never whole) and handed to the same
 * mapping and validation as every other format.
 */
export async function* readParquet(path: string, conn: DuckDBConnection, options: SourceOptions): AsyncGenerator<SourcePiece> {
  if (!existsSync(path)) throw new IngestError('FILE_NOT_FOUND', `${path}: no such file`);
  let described;
  try {
    described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(path)})`);
  } catch (err) {
    throw new IngestError('MALFORMED', `${path} is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`);
  }
  const schema = described.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  const header = schema.map((c) => c.name);
  const mapping = resolveMapping(options.profile, options.overrides, header, options.fieldContext);
  options.onMapping?.(mapping);
  // DuckDB's messages quote the query they failed in; only their first line (the reason) is shown.
  const unreadable = (err: unknown) => new IngestError('MALFORMED', `${path}: the columns cannot be read (${(err as Error).message.split('\n')[0]}); nothing of the file was stored`);
  let result;
  try {
    result = await conn.stream(`SELECT ${schema.map((c) => columnExpression(c.name, c.type)).join(', ')} FROM read_parquet(${quoteLiteral(path)})`);
  } catch (err) {
    throw unreadable(err);
  }
  let rowsSoFar = 0;
  const target = options.chunkRows ?? 16_384;
  let pending: { columns: unknown[][]; length: number }[] = [];
  let pendingRows = 0;
  const flush = (): SourcePiece => {
    const columnsBySource = new Map<string, unknown[]>();
    header.forEach((name, ix) => columnsBySource.set(name, pending.flatMap((p) => p.columns[ix]!)));
    const length = pendingRows;
    const columns: Partial<Record<ColumnName, ArrayLike<unknown>>> = {};
    for (const field of mapping.fields) {
      if (field.directSource !== undefined) {
        columns[field.column] = columnsBySource.get(field.directSource)!;
        continue;
      }
      const out = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = field.extract((name) => columnsBySource.get(name)?.[i]);
      columns[field.column] = out;
    }
    const rowNumbers = new Float64Array(length);
    for (let i = 0; i < length; i++) rowNumbers[i] = rowsSoFar + i + 1;
    rowsSoFar += length;
    pending = [];
    pendingRows = 0;
    const rawText = (i: number): string =>
      JSON.stringify(Object.fromEntries(header.map((name) => [name, columnsBySource.get(name)?.[i] ?? null])));
    return { chunk: { length, rowNumbers, columns, rawText }, rejections: [] };
  };
  for (;;) {
    let chunk;
    try {
      chunk = await result.fetchChunk();
    } catch (err) {
      throw unreadable(err);
    }
    if (!chunk || chunk.rowCount === 0) break;
    pending.push({ columns: chunk.getColumns() as unknown[][], length: chunk.rowCount });
    pendingRows += chunk.rowCount;
    options.onBytes?.(rowsSoFar + pendingRows);
    if (pendingRows >= target) yield flush();
  }
  if (pendingRows > 0) yield flush();
}
