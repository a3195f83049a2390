import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The one way the store runs a transaction: `work` on `conn` between BEGIN and COMMIT, rolled back
 * when it throws (the rollback's own failure, e.g. on a connection DuckDB already aborted, must not
 * hide the error that caused it). The connection stays the caller's to close.
 */
export async function inTransaction<T>(conn: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await conn.run('COMMIT');
  return result;
}
