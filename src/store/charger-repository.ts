import type { DuckDBConnection } from '@duckdb/node-api';
import type { Charger } from '../domain/chargers/charger.ts';
import { inTransaction } from './in-transaction.ts';
import { limitValue } from './keyset-sql.ts';

/** Every known charger, by id (detectors get the whole list: there are few). */
/** Chargers by id; `afterId` and `limit` page through them (keyset). */
export async function listChargers(conn: DuckDBConnection, page: { afterId?: string | undefined; limit?: number | undefined } = {}): Promise<Charger[]> {
  const reader = await conn.runAndReadAll('SELECT charger_id, name, lat, lon, power_kw FROM chargers WHERE ($1::VARCHAR IS NULL OR charger_id > $1) ORDER BY charger_id LIMIT $2', [
    page.afterId ?? null,
    limitValue(page.limit),
  ]);
  return reader.getRows().map((r) => ({
    chargerId: String(r[0]),
    name: String(r[1]),
    lat: Number(r[2]),
    lon: Number(r[3]),
    powerKw: r[4] === null ? null : Number(r[4]),
  }));
}

/**
 * Inserts or updates chargers by charger_id in one transaction (a charger keeps its first
 * `created_at`). Returns how many were new and how many replaced a stored one.
 */
export async function upsertChargers(
  conn: DuckDBConnection,
  chargers: readonly Charger[],
  source: string,
  nowMs: number,
): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  await inTransaction(conn, async () => {
    for (const c of chargers) {
      const exists = await conn.runAndReadAll('SELECT 1 FROM chargers WHERE charger_id = $1', [c.chargerId]);
      if (exists.getRows().length > 0) {
        await conn.run('UPDATE chargers SET name = $2, lat = $3, lon = $4, power_kw = $5, source = $6 WHERE charger_id = $1', [
          c.chargerId, c.name, c.lat, c.lon, c.powerKw, source,
        ]);
        updated++;
      } else {
        await conn.run('INSERT INTO chargers VALUES ($1, $2, $3, $4, $5, $6, epoch_ms(CAST($7 AS BIGINT)))', [
          c.chargerId, c.name, c.lat, c.lon, c.powerKw, source, nowMs,
        ]);
        created++;
      }
    }
  });
  return { created, updated };
}
