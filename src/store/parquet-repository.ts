import type { DuckDBConnection } from '@duckdb/node-api';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export interface ParquetColumn {
  name: string;
  /** DuckDB's name for the column's type, e.g. TIMESTAMP, DOUBLE, VARCHAR[]. */
  type: string;
}

/** Each Parquet column as a plain JS value: times as epoch ms, lists joined by '|'. */
function columnExpression(name: string, type: string): string {
  const id = quoteIdent(name);
  if (/^TIMESTAMP|^DATE/i.test(type)) return `epoch_ms(CAST(${id} AS TIMESTAMP))::DOUBLE AS ${id}`;
  if (/\[\]$/.test(type)) return `array_to_string(${id}, '|') AS ${id}`;
  if (/INT|DECIMAL|FLOAT|DOUBLE|REAL/i.test(type)) return `CAST(${id} AS DOUBLE) AS ${id}`;
  return `CAST(${id} AS VARCHAR) AS ${id}`;
}

/** The columns of a Parquet file (DuckDB reads only its footer); throws DuckDB's error for a file that is not Parquet. */
export async function describeParquet(conn: DuckDBConnection, path: string): Promise<ParquetColumn[]> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(path)})`);
  return described.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
}

/** The file's rows in DuckDB's vector-sized chunks (never whole), column by column, in `columns`' order. */
export async function* streamParquetColumns(conn: DuckDBConnection, path: string, columns: readonly ParquetColumn[]): AsyncGenerator<{ columns: unknown[][]; rowCount: number }> {
  const result = await conn.stream(`SELECT ${columns.map((c) => columnExpression(c.name, c.type)).join(', ')} FROM read_parquet(${quoteLiteral(path)})`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield { columns: chunk.getColumns() as unknown[][], rowCount: chunk.rowCount };
  }
}
