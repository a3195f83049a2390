/**
 * A seeded cohort-scale fleet written straight into the store's tables with DuckDB (no telemetry:
 * the cohort query reads only devices, sessions and events). Pseudo-random numbers are DuckDB's
 * hash of (seed, row, purpose), so the same seed writes the same rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface CohortFleetOptions {
  vehicles: number;
  drivesPerVehicle: number;
  seed: number;
  /** Drives spread over the year before this instant. */
  endMs: number;
}

const MODELS = ['Aster 40', 'Aster 60', 'Borealis 85', 'Cirrus 60'];
const FIRMWARES = ['4.1.0', '4.2.0', '4.2.1', '5.0.0', '5.0.2'];
/** Regions with their mean temperature (°C): the band of a drive follows region and season. */
const REGIONS: [string, number][] = [['nordic', -2], ['central', 9], ['atlantic', 12], ['south', 18]];

export async function writeCohortFleet(conn: DuckDBConnection, o: CohortFleetOptions): Promise<{ drives: number; events: number }> {
  const r = (purpose: number, id: string) => `((hash(${o.seed}, ${id}, ${purpose}) % 1000000)::DOUBLE / 1000000)`;
  const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
  await conn.run(`
    INSERT INTO devices (device_id, model, firmware, fleet, region, row_count)
    SELECT 'v' || lpad(i::VARCHAR, 5, '0'),
           ${list(MODELS)}[1 + (hash(${o.seed}, i, 1) % ${MODELS.length})::INTEGER],
           ${list(FIRMWARES)}[1 + (hash(${o.seed}, i, 2) % ${FIRMWARES.length})::INTEGER],
           'fleet-' || (i % 20)::VARCHAR,
           ${list(REGIONS.map(([n]) => n))}[1 + (i % ${REGIONS.length})::INTEGER],
           0
    FROM range(${o.vehicles}) t(i)`);
  const yearS = 365 * 86400;
  const startSql = `epoch_ms(${o.endMs - yearS * 1000}::BIGINT)`;
  await conn.run(`
    CREATE TEMP TABLE gen AS
    SELECT v, j, 'v' || lpad(v::VARCHAR, 5, '0') AS device_id,
           ${startSql} + to_seconds((j * ${Math.floor(yearS / o.drivesPerVehicle)} + ${r(3, 'v * 100000 + j')} * 36000)::BIGINT) AS start_ts,
           600 + ${r(4, 'v * 100000 + j')} * 5400 AS duration_s,
           ${r(5, 'v * 100000 + j')} AS u_road,
           ${r(6, 'v * 100000 + j')} AS u_event,
           ${r(7, 'v * 100000 + j')} AS u_temp,
           (${list(REGIONS.map(([, t]) => String(t)))}::DOUBLE[])[1 + (v % ${REGIONS.length})::INTEGER] AS region_temp
    FROM range(${o.vehicles}) a(v), range(${o.drivesPerVehicle}) b(j)`);
  await conn.run(`
    INSERT INTO sessions
    SELECT 's' || v || '-' || j, device_id, 'drive', start_ts, start_ts + to_seconds(duration_s::BIGINT),
           ('{"conditions":{"stretches":[{"roadClass":"' || road || '","startMs":' || epoch_ms(start_ts) || '}]}}')::JSON,
           duration_s, km,
           CASE road WHEN 'highway' THEN km ELSE 0 END, CASE road WHEN 'arterial' THEN km ELSE 0 END, CASE road WHEN 'city' THEN km ELSE 0 END,
           CASE road WHEN 'highway' THEN duration_s ELSE 0 END, CASE road WHEN 'arterial' THEN duration_s ELSE 0 END, CASE road WHEN 'city' THEN duration_s ELSE 0 END,
           temp,
           CASE WHEN temp < -10 THEN '<-10' WHEN temp < 0 THEN '-10..0' WHEN temp < 10 THEN '0..10' WHEN temp < 20 THEN '10..20' WHEN temp < 30 THEN '20..30' ELSE '>=30' END,
           CASE WHEN hour(start_ts) BETWEEN 7 AND 18 THEN 'day' ELSE 'night' END
    FROM (
      SELECT *, CASE WHEN u_road < 0.3 THEN 'highway' WHEN u_road < 0.6 THEN 'arterial' ELSE 'city' END AS road,
             duration_s / 3600 * CASE WHEN u_road < 0.3 THEN 95 WHEN u_road < 0.6 THEN 55 ELSE 28 END AS km,
             round(region_temp + 11 * cos(2 * pi() * (dayofyear(start_ts) - 200) / 365) + (u_temp - 0.5) * 12, 1) AS temp
      FROM gen
    )`);
  // Moments of truth: breakdowns likelier on highways and in the cold, on firmware 4.2.0; shortfalls in the cold.
  await conn.run(`
    INSERT INTO events
    SELECT 'e' || s.session_id || k.kind, s.device_id, k.kind, k.kind || '_bench', 'critical', 'bench@1',
           s.start_ts + to_seconds((s.duration_s / 2)::BIGINT), NULL, NULL, NULL, 'bench', NULL, '[]'::JSON, s.start_ts, s.start_ts
    FROM sessions s JOIN devices d USING (device_id) JOIN gen g ON g.device_id = s.device_id AND s.session_id = 's' || g.v || '-' || g.j,
         (VALUES ('breakdown'), ('charge_shortfall')) k(kind)
    WHERE s.kind = 'drive' AND CASE k.kind
      WHEN 'breakdown' THEN g.u_event < 0.004 * (CASE WHEN s.highway_s > 0 THEN 2 ELSE 1 END) * (CASE WHEN s.mean_outside_temp_c < 0 THEN 1.5 ELSE 1 END) * (CASE WHEN d.firmware = '4.2.0' THEN 1.6 ELSE 1 END)
      ELSE g.u_event > 1 - 0.006 * (CASE WHEN s.mean_outside_temp_c < 0 THEN 3 ELSE 1 END) END`);
  await conn.run('DROP TABLE gen');
  const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
  return { drives: await count("SELECT count(*) FROM sessions WHERE kind = 'drive'"), events: await count('SELECT count(*) FROM events') };
}
