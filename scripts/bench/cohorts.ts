/**
 * Cohort benchmark: `npm run bench:cohorts [-- --vehicles 5000 --drives 200 --seed 14 --runs 5]`.
 * Phases: a seeded fleet of vehicles × drives (sessions and events written directly, see
 * cohort-fleet-sql.ts) in a DuckDB file → (1) the cohort service's query grouped by model ×
 * firmware × temperature band over the whole year (SQL, rates, intervals, ratios) → (2) the same
 * aggregation as one plain DuckDB query (exposure and event counts per group, each event banded
 * by the drive it happened in), in the same run, runs interleaved → medians → one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CohortService } from '../../src/cohorts/cohort-service.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { writeCohortFleet } from './cohort-fleet-sql.ts';

const { values } = parseArgs({
  options: { vehicles: { type: 'string', default: '5000' }, drives: { type: 'string', default: '200' }, seed: { type: 'string', default: '14' }, runs: { type: 'string', default: '5' } },
});
const vehicles = Number(values.vehicles);
const drivesPerVehicle = Number(values.drives);
const runs = Number(values.runs);
const END_MS = Date.UTC(2026, 11, 1);
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const PLAIN = `
WITH ev AS (
  SELECT e.device_id, e.kind, coalesce(a.temp_band, 'unknown') AS temp_band
  FROM events e LEFT JOIN (SELECT device_id, start_ts, end_ts, temp_band FROM sessions WHERE kind <> 'gap') a
    ON e.device_id = a.device_id AND e.start_ts >= a.start_ts AND e.start_ts < a.end_ts
  WHERE e.start_ts >= $1 AND e.start_ts < $2 AND e.kind IN ('breakdown', 'charge_shortfall')
),
exposure AS (
  SELECT d.model, d.firmware, s.temp_band, count(DISTINCT s.device_id) AS vehicles, sum(s.duration_s) / 3600 AS hours, sum(s.distance_km) AS km
  FROM sessions s JOIN devices d USING (device_id)
  WHERE s.kind = 'drive' AND s.start_ts >= $1 AND s.start_ts < $2
  GROUP BY ALL
),
counts AS (
  SELECT d.model, d.firmware, ev.temp_band, ev.kind, count(*) AS n FROM ev JOIN devices d USING (device_id) GROUP BY ALL
)
SELECT * FROM exposure FULL OUTER JOIN counts USING (model, firmware, temp_band)`;

const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-cohorts-'));
try {
  const store = await TelemetryStore.open(join(dir, 'bench.duckdb'), { now: () => END_MS });
  let t = performance.now();
  const fleet = await store.withConnection((conn) => writeCohortFleet(conn, { vehicles, drivesPerVehicle, seed: Number(values.seed), endMs: END_MS }));
  await store.withConnection((conn) => conn.run('CHECKPOINT'));
  log(`fleet: ${vehicles} vehicles, ${fleet.drives.toLocaleString('en')} drives, ${fleet.events.toLocaleString('en')} events in ${Math.round(performance.now() - t)} ms`);
  const service = new CohortService(store);
  const fromIso = new Date(END_MS - 366 * 86_400_000).toISOString();
  const toIso = new Date(END_MS).toISOString();
  const query = { groupBy: ['model', 'firmware', 'tempBand'] as ('model' | 'firmware' | 'tempBand')[], from: fromIso, to: toIso };
  const cohortMs: number[] = [];
  const plainMs: number[] = [];
  let groups = 0;
  let plainRows = 0;
  // One warm-up of each, then interleaved runs so both see the same machine load.
  await service.query(query);
  const plainSql = PLAIN.replaceAll('$1', `'${fromIso}'::TIMESTAMPTZ::TIMESTAMP`).replaceAll('$2', `'${toIso}'::TIMESTAMPTZ::TIMESTAMP`);
  await store.withConnection((conn) => conn.runAndReadAll(plainSql));
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const result = await service.query(query);
    cohortMs.push(performance.now() - t);
    groups = result.groups.length;
    t = performance.now();
    plainRows = (await store.withConnection((conn) => conn.runAndReadAll(plainSql))).getRows().length;
    plainMs.push(performance.now() - t);
    log(`run ${i + 1}: cohort ${cohortMs[i]!.toFixed(0)} ms, plain ${plainMs[i]!.toFixed(0)} ms`);
  }
  const sample = await service.query({ ...query, groupBy: ['firmware'] });
  await store.close();
  const cohort = median(cohortMs);
  const plain = median(plainMs);
  console.log(JSON.stringify({
    bench: 'cohorts',
    vehicles,
    drives: fleet.drives,
    events: fleet.events,
    groupBy: query.groupBy,
    groups,
    plainRows,
    runs,
    cohortQueryMs: Math.round(cohort),
    plainDuckDbMs: Math.round(plain),
    ratio: Math.round((cohort / plain) * 100) / 100,
    targetRatio: 1.5,
    underOneSecond: cohort < 1000,
    breakdownsPer1000hByFirmware: Object.fromEntries(sample.groups.map((g) => [g.key.firmware, g.moments[0]!.perThousandHours?.rate ?? null])),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
