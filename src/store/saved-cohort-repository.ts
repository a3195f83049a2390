import type { DuckDBConnection } from '@duckdb/node-api';
import type { SavedCohort, SavedCohortBody } from '../domain/cohorts/cohort-watch.ts';

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;

export async function upsertSavedCohort(conn: DuckDBConnection, name: string, body: SavedCohortBody, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO saved_cohorts VALUES ($1, $2, ${ts('$3')}, ${ts('$3')})
     ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
    [name, JSON.stringify(body), nowMs],
  );
}

const SELECT = `SELECT name, body::VARCHAR, epoch_ms(created_at)::DOUBLE, epoch_ms(updated_at)::DOUBLE FROM saved_cohorts`;
const toSaved = (row: unknown[]): SavedCohort => ({
  name: String(row[0]),
  ...(JSON.parse(String(row[1])) as SavedCohortBody),
  createdAtMs: Number(row[2]),
  updatedAtMs: Number(row[3]),
});

export async function listSavedCohorts(conn: DuckDBConnection): Promise<SavedCohort[]> {
  return (await conn.runAndReadAll(`${SELECT} ORDER BY name`)).getRows().map(toSaved);
}

export async function getSavedCohort(conn: DuckDBConnection, name: string): Promise<SavedCohort | undefined> {
  const row = (await conn.runAndReadAll(`${SELECT} WHERE name = $1`, [name])).getRows()[0];
  return row ? toSaved(row) : undefined;
}

export async function deleteSavedCohort(conn: DuckDBConnection, name: string): Promise<boolean> {
  const r = await conn.run('DELETE FROM saved_cohorts WHERE name = $1', [name]);
  return r.rowsChanged > 0;
}
