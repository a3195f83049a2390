import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { DRIVE_DIMENSIONS, type CohortDimension, type Experience, type ResolvedCohortQuery } from '../domain/cohorts/cohort-query.ts';

/** One row of the aggregation: a group's key, its exposure, and the count of one kind of moment (null kind: none). */
export interface CohortAggregateRow {
  key: Partial<Record<CohortDimension, string>>;
  vehicles: number;
  drivingHours: number;
  drivingKm: number;
  kind: string | null;
  count: number;
}

const KEY_COLUMN: Record<CohortDimension, string> = {
  model: 'model',
  firmware: 'firmware',
  fleet: 'fleet',
  region: 'region',
  tempBand: 'temp_band',
  daylight: 'daylight',
  roadClass: 'road_class',
  inCohort: 'in_cohort',
};

const SEVERITY_RANK = `CASE severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END`;
const RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };
/** A breakdown is where the car stopped: the last road stretch before it, if the drive ended at most this long before. */
const EVENT_AFTER_DRIVE_S = 300;

class Params {
  readonly values: DuckDBValue[] = [];
  add(v: DuckDBValue): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function experienceWhere(e: Experience, p: Params, toMs: number): string {
  const where = [`kind = ${p.add(e.kind)}`, `start_ts < epoch_ms(${p.add(toMs)}::BIGINT)`];
  if (e.subkind !== undefined) where.push(`subkind = ${p.add(e.subkind)}`);
  if (e.minSeverity !== undefined) where.push(`${SEVERITY_RANK} >= ${p.add(RANK[e.minSeverity]!)}`);
  if (e.roadClass !== undefined) where.push(`road_class = ${p.add(e.roadClass)}`);
  if (e.belowTempC !== undefined) where.push(`temp_c < ${p.add(e.belowTempC)}`);
  if (e.atOrAboveTempC !== undefined) where.push(`temp_c >= ${p.add(e.atOrAboveTempC)}`);
  if (e.withinDays !== undefined) where.push(`start_ts >= epoch_ms(${p.add(Math.round(toMs - e.withinDays * 86_400_000))}::BIGINT)`);
  return where.join(' AND ');
}

interface CohortCtes {
  p: Params;
  /** `WITH dev0 …, ev …, dev1 …, dev …,` ready for more CTEs. */
  with: string;
  from: string;
  to: string;
  keys: CohortDimension[];
  keyCols: string[];
  keyNames: string[];
  experiences: string[];
}

/**
 * The CTEs every cohort statement starts from: dev0 (vehicles by metadata) → ev (their events,
 * each with the conditions of the period holding it) → dev1 (cohort membership from the
 * experiences) → dev (the selected vehicles).
 */
function cohortCtes(q: ResolvedCohortQuery): CohortCtes {
  const p = new Params();
  const from = `epoch_ms(${p.add(q.fromMs)}::BIGINT)`;
  const to = `epoch_ms(${p.add(q.toMs)}::BIGINT)`;
  const devWhere: string[] = [];
  const inList = (col: string, values: readonly string[] | undefined) => {
    if (values) devWhere.push(`list_contains(${p.add(listValue([...values]))}, ${col})`);
  };
  inList('fleet', q.fleets);
  inList('model', q.models);
  inList('firmware', q.firmwares);
  inList('region', q.regions);
  inList('device_id', q.deviceIds);
  const experiences = (q.experienced ?? []).map((e) => experienceWhere(e, p, q.toMs));
  const inCohort = experiences.length > 0 ? experiences.map((w) => `device_id IN (SELECT device_id FROM ev WHERE ${w})`).join(' AND ') : 'true';
  const keys = q.groupBy;
  const keyCols = ["'all' AS _all", ...keys.map((k) => KEY_COLUMN[k])];
  const keyNames = ['_all', ...keys.map((k) => KEY_COLUMN[k])];
  // Each event takes the conditions of the period holding it (a hash join on the device, then the
  // time range: cheaper than an ASOF join, which sorts every session) and only when asked for.
  const needPeriod = keys.includes('tempBand') || keys.includes('daylight') || (q.experienced ?? []).some((e) => e.belowTempC !== undefined || e.atOrAboveTempC !== undefined);
  const needDrive = keys.includes('roadClass') || (q.experienced ?? []).some((e) => e.roadClass !== undefined);
  const sql = `
WITH dev0 AS (
  SELECT device_id, coalesce(model, '(none)') AS model, coalesce(firmware, '(none)') AS firmware,
         coalesce(fleet, '(none)') AS fleet, coalesce(region, '(none)') AS region
  FROM devices ${devWhere.length ? `WHERE ${devWhere.join(' AND ')}` : ''}
),
ev AS (
  SELECT e.device_id, e.kind, e.subkind, e.severity, e.start_ts,
         ${needPeriod ? `coalesce(a.temp_band, 'unknown')` : 'NULL::VARCHAR'} AS temp_band,
         ${needPeriod ? `coalesce(a.daylight, 'unknown')` : 'NULL::VARCHAR'} AS daylight,
         ${needPeriod ? 'a.mean_outside_temp_c' : 'NULL::DOUBLE'} AS temp_c,
         ${needDrive ? `list_filter(from_json(json_extract(d.period, '$.conditions.stretches'), '[{"roadClass":"VARCHAR","startMs":"DOUBLE"}]'),
                       x -> x.startMs <= epoch_ms(e.start_ts))[-1].roadClass` : 'NULL::VARCHAR'} AS road_class
  FROM (SELECT * FROM events WHERE device_id IN (SELECT device_id FROM dev0) AND start_ts < ${to}${experiences.length === 0 ? ` AND start_ts >= ${from}` : ''}) e
  ${needPeriod ? `LEFT JOIN (SELECT device_id, start_ts, end_ts, temp_band, daylight, mean_outside_temp_c FROM sessions WHERE kind <> 'gap') a
    ON e.device_id = a.device_id AND e.start_ts >= a.start_ts AND e.start_ts < a.end_ts` : ''}
  ${needDrive ? `LEFT JOIN (SELECT device_id, start_ts, end_ts, period FROM sessions WHERE kind = 'drive') d
    ON e.device_id = d.device_id AND e.start_ts >= d.start_ts AND e.start_ts <= d.end_ts + INTERVAL ${EVENT_AFTER_DRIVE_S} SECOND` : ''}
),
dev1 AS (SELECT *, (${inCohort}) AS in_cohort FROM dev0),
dev AS (SELECT * FROM dev1 ${q.split || experiences.length === 0 ? '' : 'WHERE in_cohort'}),`;
  return { p, with: sql, from, to, keys, keyCols, keyNames, experiences };
}

/**
 * The cohort aggregation as one DuckDB statement: the shared CTEs → drv (the vehicles' drives in
 * the window, unpivoted by road class when grouped by it) → exposure and counts per group → one
 * long result.
 */
export function cohortAggregateSql(q: ResolvedCohortQuery): { sql: string; params: DuckDBValue[]; keys: CohortDimension[] } {
  const { p, with: ctes, from, to, keys, keyCols, keyNames } = cohortCtes(q);
  const byRoad = keys.includes('roadClass');
  const byDrive = keys.some((k) => DRIVE_DIMENSIONS.has(k));
  const kinds = p.add(listValue([...q.kinds]));
  const drives = byRoad
    ? `SELECT device_id, start_ts, temp_band, daylight, road_class, s, km FROM sessions,
         (VALUES ('highway'), ('arterial'), ('city')) AS rc(road_class),
         LATERAL (SELECT CASE road_class WHEN 'highway' THEN highway_s WHEN 'arterial' THEN arterial_s ELSE city_s END AS s,
                         CASE road_class WHEN 'highway' THEN highway_km WHEN 'arterial' THEN arterial_km ELSE city_km END AS km)
       WHERE kind = 'drive' AND start_ts >= ${from} AND start_ts < ${to}`
    : `SELECT device_id, start_ts, temp_band, daylight, NULL::VARCHAR AS road_class, duration_s AS s, distance_km AS km FROM sessions
       WHERE kind = 'drive' AND start_ts >= ${from} AND start_ts < ${to}`;
  const sql = `${ctes}
drv AS (${drives}),
exposure AS (
  SELECT ${keyCols.join(', ')}, count(DISTINCT device_id) AS vehicles, coalesce(sum(s), 0) / 3600 AS hours, coalesce(sum(km), 0) AS km
  FROM dev ${byDrive ? 'JOIN' : 'LEFT JOIN'} drv USING (device_id)
  GROUP BY ALL
),
counts AS (
  SELECT ${keyCols.join(', ')}, kind, count(*) AS n
  FROM dev JOIN ev USING (device_id)
  WHERE ev.start_ts >= ${from} AND list_contains(${kinds}, kind)
  GROUP BY ALL
)
SELECT ${keyNames.slice(1).map((k) => `${k}::VARCHAR`).join(', ')}${keys.length ? ',' : ''}
       coalesce(vehicles, 0)::DOUBLE, coalesce(hours, 0)::DOUBLE, coalesce(km, 0)::DOUBLE, kind, coalesce(n, 0)::DOUBLE
FROM exposure FULL OUTER JOIN counts USING (${keyNames.join(', ')})
ORDER BY ALL`;
  return { sql, params: p.values, keys };
}

export interface CohortNpsRow {
  key: Partial<Record<CohortDimension, string>>;
  responses: number;
  promoters: number;
  detractors: number;
}

/**
 * NPS answers per group in the window (vehicle-level groups only: an answer belongs to no drive).
 * A vehicle in the experience cohort counts only answers given at or after its first matching
 * experience: "NPS of drivers after a breakdown".
 */
export async function readCohortNps(conn: DuckDBConnection, q: ResolvedCohortQuery): Promise<CohortNpsRow[]> {
  const { p, with: ctes, from, to, keys, keyCols, keyNames, experiences } = cohortCtes(q);
  const since = experiences.length > 0
    ? `SELECT device_id, min(start_ts) AS since_ts FROM ev WHERE ${experiences[0]} GROUP BY device_id`
    : 'SELECT NULL::VARCHAR AS device_id, NULL::TIMESTAMP AS since_ts WHERE false';
  const sql = `${ctes}
since AS (${since}),
fb AS (
  SELECT f.device_id, f.score FROM feedback f JOIN dev USING (device_id) LEFT JOIN since USING (device_id)
  WHERE f.kind = 'nps' AND f.ts >= ${from} AND f.ts < ${to} AND (NOT dev.in_cohort OR since.since_ts IS NULL OR f.ts >= since.since_ts)
)
SELECT ${keyNames.slice(1).map((k) => `${k}::VARCHAR`).join(', ')}${keys.length ? ',' : ''}
       count(*)::DOUBLE, count(*) FILTER (WHERE score >= 9)::DOUBLE, count(*) FILTER (WHERE score <= 6)::DOUBLE
FROM (SELECT ${keyCols.join(', ')}, fb.score FROM dev JOIN fb USING (device_id))
GROUP BY ALL ORDER BY ALL`;
  const rows = (await conn.runAndReadAll(sql, p.values)).getRows();
  return rows.map((row) => {
    const key: Partial<Record<CohortDimension, string>> = {};
    keys.forEach((k, i) => (key[k] = row[i] === null ? '(none)' : String(row[i])));
    return { key, responses: Number(row[keys.length]), promoters: Number(row[keys.length + 1]), detractors: Number(row[keys.length + 2]) };
  });
}

export async function readCohortAggregate(conn: DuckDBConnection, q: ResolvedCohortQuery): Promise<CohortAggregateRow[]> {
  const { sql, params, keys } = cohortAggregateSql(q);
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getRows().map((row) => {
    const key: Partial<Record<CohortDimension, string>> = {};
    keys.forEach((k, i) => (key[k] = row[i] === null ? '(none)' : String(row[i])));
    const at = keys.length;
    return {
      key,
      vehicles: Number(row[at]),
      drivingHours: Number(row[at + 1]),
      drivingKm: Number(row[at + 2]),
      kind: row[at + 3] === null ? null : String(row[at + 3]),
      count: Number(row[at + 4]),
    };
  });
}

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * Writes flat cohort rows (already aggregated: tens to hundreds) as Parquet with DuckDB, reading
 * them from an NDJSON file with explicit column types so an all-null column keeps its type.
 */
export async function writeRowsAsParquet(
  conn: DuckDBConnection,
  ndjsonPath: string,
  columns: readonly (readonly [name: string, type: 'VARCHAR' | 'DOUBLE' | 'BOOLEAN'])[],
  outPath: string,
): Promise<void> {
  const spec = `{${columns.map(([n, t]) => `${sqlString(n)}: ${sqlString(t)}`).join(', ')}}`;
  await conn.run(
    `COPY (SELECT * FROM read_json(${sqlString(ndjsonPath)}, format = 'newline_delimited', columns = ${spec})) TO ${sqlString(outPath)} (FORMAT parquet)`,
  );
}
