import { existsSync } from 'node:fs';
import { MESSAGES } from '../../domain/errors/error-catalogue.ts';
import type { ColumnName } from '../../domain/telemetry-schema.ts';
import { describeParquet, streamParquetColumns } from '../../store/parquet-repository.ts';
import type { StoreConnection } from '../../store/telemetry-store.ts';
import { resolveMapping } from '../column-mapping.ts';
import { IngestError } from '../ingest-error.ts';
import type { SourceOptions, SourcePiece } from './source.ts';

/**
 * A Parquet file, read by DuckDB in vector-sized chunks (never whole) and handed to the same
 * mapping and validation as every other format.
 */
export async function* readParquet(path: string, conn: StoreConnection, options: SourceOptions): AsyncGenerator<SourcePiece> {
  if (!existsSync(path)) throw new IngestError('FILE_NOT_FOUND', MESSAGES.noSuchFile(path));
  let schema;
  try {
    schema = await describeParquet(conn, path);
  } catch (err) {
    throw new IngestError('MALFORMED', `${path} is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`);
  }
  const header = schema.map((c) => c.name);
  const mapping = resolveMapping(options.profile, options.overrides, header, options.fieldContext);
  options.onMapping?.(mapping);
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
  for await (const chunk of streamParquetColumns(conn, path, schema)) {
    pending.push({ columns: chunk.columns, length: chunk.rowCount });
    pendingRows += chunk.rowCount;
    options.onBytes?.(rowsSoFar + pendingRows);
    if (pendingRows >= target) yield flush();
  }
  if (pendingRows > 0) yield flush();
}
