import type { DuckDBConnection } from '@duckdb/node-api';
import type { QuarantinedRow } from './contract/telemetry-log.ts';

/** The rows a batch kept aside, by row number. */
export async function readQuarantine(conn: DuckDBConnection, batchId: string): Promise<QuarantinedRow[]> {
  const reader = await conn.runAndReadAll(
    'SELECT batch_id, source, row_number, field, reason, raw_text FROM quarantine WHERE batch_id = $1 ORDER BY row_number, field',
    [batchId],
  );
  return reader.getRows().map((r) => ({
    batchId: String(r[0]), source: String(r[1]), rowNumber: r[2] === null ? null : Number(r[2]),
    field: r[3] === null ? null : String(r[3]), reason: String(r[4]), rawText: r[5] === null ? null : String(r[5]),
  }));
}
