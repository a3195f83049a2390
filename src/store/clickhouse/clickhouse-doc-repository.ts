import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { nextVersion } from './clickhouse-version.ts';

/**
 * Versioned JSON documents in a ReplacingMergeTree(ver) table with a `deleted` flag: a write is a
 * new row, a delete is a tombstone row. `latest` is exact before any merge: argMax(…, ver) per
 * key, filtered only on columns that never change for a key (`where` must keep to those), so an
 * older version can never stand in for a newer one that a filter would have excluded.
 */
export async function latestDocs<T>(conn: ClickHouseConnection, table: string, keyColumns: readonly string[], where = '1'): Promise<T[]> {
  const rows = await conn.rows<{ d: string }>(
    `SELECT argMax(doc, ver) AS d, argMax(deleted, ver) AS gone FROM ${conn.database}.${table} WHERE ${where} GROUP BY ${keyColumns.join(', ')} HAVING gone = 0`,
  );
  return rows.map((r) => JSON.parse(r.d) as T);
}

/** Writes documents (or tombstones, with `deleted`) as new versions; `keys` are the key columns' values. */
export async function writeDocs(
  conn: ClickHouseConnection,
  table: string,
  docs: readonly { keys: Record<string, string | number>; doc: unknown; deleted?: boolean }[],
): Promise<void> {
  await conn.insertRows(
    table,
    docs.map((d) => ({ ...d.keys, doc: JSON.stringify(d.doc ?? null), deleted: d.deleted ? 1 : 0, ver: nextVersion() })),
  );
}
