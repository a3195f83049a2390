import type { DuckDBConnection } from '@duckdb/node-api';
import type { KnownPlace } from '../domain/chart/place-visits.ts';

/** Every known charger as a place a chart can mark (the chargers table is small: read it whole). */
export async function listChargerPlaces(conn: DuckDBConnection): Promise<KnownPlace[]> {
  const reader = await conn.runAndReadAll('SELECT name, lat, lon FROM chargers ORDER BY charger_id');
  return reader.getRows().map(([name, lat, lon]) => ({ name: String(name), lat: Number(lat), lon: Number(lon), kind: 'charger' as const }));
}
