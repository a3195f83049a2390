/**
 * Read benchmark, `npm run bench:reads` (flags: --devices --seconds --seed --requests --store PATH --no-postgres).
 *
 * On a seeded store (default 116 devices × one day at 1 Hz ≈ 10 M rows, bulk-loaded in (device, ts)
 * order) served by `telltale serve` in a child process, one device-day (86,400 rows) read over
 * HTTP from this process, warm, p50/p99 over --requests requests spread over the devices:
 *   - GET …/telemetry as Arrow (target ≤ 60 ms; through fetch, and through node:http to show the server apart from the client), as JSON rows (target ≤ 3× Arrow) and as JSON columns;
 *   - GET …/timeline?maxPoints=2000 (target p50 < 20 ms, p99 < 50 ms), JSON and Arrow;
 *   - the baseline: the clustered DuckDB scan of the same device-days in this process (every
 *     column, chunks fetched and dropped), once the server has stopped, in the same run.
 * Beside it, in the same run, PostgreSQL (Debian's package, a private cluster in a temp folder
 * on a local port) holding the same rows with an index on (device_id, ts), read through node-pg
 * (rows as objects, then the same rows as JSON text). Skipped with a note when PostgreSQL cannot
 * be installed. Prints a table on stderr, then ONE line of JSON on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { deviceName } from '../fixtures/fleet-generator.ts';
import { T0, authHeaders, benchStore, percentiles, startServer } from './bench-store.ts';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';
import { machineLoad } from './machine-load.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '116' },
    seconds: { type: 'string', default: '86400' },
    seed: { type: 'string', default: '11' },
    requests: { type: 'string', default: '100' },
    store: { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const devices = Number(values.devices);
const seconds = Number(values.seconds);
const seed = Number(values.seed);
const requests = Number(values.requests);
const DAY_MS = Math.min(seconds, 86_400) * 1000;
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-reads-'));
const pgDir = mkdtempSync(join(tmpdir(), 'telltale-bench-pg-'));
const note = (line: string) => console.error(line);
/** What must be stopped whatever happens. */
const cleanup: (() => unknown)[] = [];

/** Warm p50/p99 of `read(k)` over requests spread over devices, after one untimed pass over a few of them. */
async function timed(read: (k: number) => Promise<number>): Promise<{ p50: number; p99: number; max: number; bytes: number }> {
  let bytes = 0;
  for (let k = 0; k < Math.min(10, requests); k++) await read(k);
  const times: number[] = [];
  for (let k = 0; k < requests; k++) {
    const t = performance.now();
    bytes = await read(k);
    times.push(performance.now() - t);
  }
  return { ...percentiles(times), bytes };
}

const device = (k: number) => deviceName((k * 7) % devices); // a different device on each request, none twice in a row

async function httpRead(url: string, accept?: string): Promise<number> {
  const res = await fetch(url, { headers: { ...authHeaders(), ...(accept ? { accept } : {}) } });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${res.status} ${url}`);
  return body.byteLength;
}

const agent = new http.Agent({ keepAlive: true });

/** The same GET through node:http, the body counted and dropped: the server's time without fetch's own (~10 ms per 10 MB here). */
function nodeHttpRead(url: string, accept: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { ...authHeaders(), accept } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${res.statusCode} ${url}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The same rows, from DuckDB's file, as CSV for PostgreSQL's COPY (before the server locks the file). */
async function exportCsv(db: string, csv: string): Promise<void> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    await conn.run(
      `COPY (SELECT device_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, speed_kph, soc_pct, range_km, battery_temp_c, outside_temp_c, cabin_setpoint_c,
                    lat, lon, alt_m, odometer_km, power_kw, state, array_to_string(error_codes, '|') AS error_codes, array_to_string(flags, '|') AS flags
             FROM telemetry ORDER BY device_id, ts) TO '${csv.replaceAll("'", "''")}' (HEADER)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The baseline: one device-day scanned by DuckDB itself, every column, chunks fetched and not converted. */
async function clusteredScan(db: string): Promise<{ p50: number; p99: number; max: number; bytes: number }> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    return await timed(async (k) => {
      const result = await conn.stream(
        'SELECT * FROM telemetry WHERE device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT)) ORDER BY ts',
        [device(k), T0, T0 + DAY_MS] as never,
      );
      let rows = 0;
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) rows += chunk.rowCount;
      return rows;
    });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function loadPostgres(postgres: PrivatePostgres, csv: string): Promise<number> {
  const t = performance.now();
  postgres.psql(`CREATE TABLE telemetry (device_id text NOT NULL, ts timestamptz NOT NULL, speed_kph double precision, soc_pct double precision,
    range_km double precision, battery_temp_c double precision, outside_temp_c double precision, cabin_setpoint_c double precision,
    lat double precision, lon double precision, alt_m double precision, odometer_km double precision, power_kw double precision,
    state text, error_codes text, flags text)`);
  postgres.psql(`\\copy telemetry FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  postgres.psql('CREATE INDEX telemetry_device_ts ON telemetry (device_id, ts)');
  postgres.psql('VACUUM ANALYZE telemetry');
  // Dirty buffers written now, not while PostgreSQL is being timed.
  postgres.psql('CHECKPOINT');
  return (performance.now() - t) / 1000;
}

try {
  const t0 = performance.now();
  const db = await benchStore(dir, { devices, seconds, seed, reuse: values.store });
  note(`store: ${(devices * seconds).toLocaleString('en-US')} rows (${devices} devices × ${seconds} s, seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // The rows for PostgreSQL are exported first (the server locks the file), and PostgreSQL is
  // started and loaded only after DuckDB's reads: its checkpoints after a 10 M-row COPY would
  // otherwise compete with them for the disk.
  const csv = join(pgDir, 'telemetry.csv');
  if (!values['no-postgres']) await exportCsv(db, csv);

  const server = await startServer(db);
  cleanup.push(() => server.stop());
  const range = `from=${T0}&to=${T0 + DAY_MS}`;
  const telemetry = (k: number) => `${server.url}/v1/devices/${device(k)}/telemetry?${range}&limit=100000`;
  const timeline = (k: number) => `${server.url}/v1/devices/${device(k)}/timeline?${range}&maxPoints=2000`;
  const ARROW = 'application/vnd.apache.arrow.stream';
  const arrow = await timed((k) => httpRead(telemetry(k), ARROW));
  const arrowNodeHttp = await timed((k) => nodeHttpRead(telemetry(k), ARROW));
  const jsonRows = await timed((k) => httpRead(telemetry(k)));
  const jsonColumns = await timed((k) => httpRead(`${telemetry(k)}&shape=columns`));
  const timelineJson = await timed((k) => httpRead(timeline(k)));
  const timelineArrow = await timed((k) => httpRead(timeline(k), ARROW));
  agent.destroy();
  await server.stop();
  const scan = await clusteredScan(db);

  let postgres: PrivatePostgres | undefined;
  let pgLoadS: number | undefined;
  let pgNote = '';
  if (!values['no-postgres']) {
    try {
      postgres = await startPrivatePostgres(pgDir, note);
      if (!postgres) pgNote = 'PostgreSQL not available (no /usr/lib/postgresql and apt-get failed or not root): skipped';
    } catch (err) {
      pgNote = `PostgreSQL could not start: ${(err as Error).message.split('\n')[0]}`;
    }
    if (postgres) {
      const started = postgres;
      cleanup.push(() => started.stop());
      pgLoadS = await loadPostgres(postgres, csv);
      rmSync(csv, { force: true });
      note(`PostgreSQL ${postgres.version}: loaded with COPY and indexed on (device_id, ts) in ${pgLoadS.toFixed(0)} s`);
    } else note(pgNote);
  }

  let pgRows: { p50: number; p99: number; max: number } | undefined;
  let pgJson: { p50: number; p99: number; max: number; bytes: number } | undefined;
  if (postgres) {
    const client = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    const sql = 'SELECT * FROM telemetry WHERE device_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts';
    const args = (k: number) => [device(k), new Date(T0).toISOString(), new Date(T0 + DAY_MS).toISOString()];
    pgRows = await timed(async (k) => (await client.query(sql, args(k))).rowCount ?? 0);
    pgJson = await timed(async (k) => Buffer.byteLength(JSON.stringify((await client.query(sql, args(k))).rows)));
    await client.end();
  }

  const row = (name: string, f: { p50: number; p99: number; max: number }, extra = '') => note(`${name.padEnd(46)} p50 ${String(f.p50).padStart(7)} ms   p99 ${String(f.p99).padStart(7)} ms   max ${String(f.max).padStart(7)} ms ${extra}`);
  note(`one device-day (${(DAY_MS / 1000).toLocaleString('en-US')} rows), warm, ${requests} requests each; ${machineLoad().machine}, load ${loadavg()[0]!.toFixed(1)} at the end`);
  row('baseline: clustered DuckDB scan, in process', scan, `${scan.bytes.toLocaleString('en-US')} rows`);
  row('GET telemetry, Arrow (target ≤ 60 ms)', arrow, `${(arrow.bytes / 1e6).toFixed(1)} MB, ${(arrow.p50 / scan.p50).toFixed(2)}× the scan`);
  row('  … the same through node:http, not fetch', arrowNodeHttp);
  row(`GET telemetry, JSON rows (target ≤ 3× Arrow)`, jsonRows, `${(jsonRows.bytes / 1e6).toFixed(1)} MB, ${(jsonRows.p50 / arrow.p50).toFixed(2)}× Arrow`);
  row('GET telemetry, JSON columns', jsonColumns, `${(jsonColumns.bytes / 1e6).toFixed(1)} MB`);
  row('GET timeline?maxPoints=2000, JSON (p50<20, p99<50)', timelineJson);
  row('GET timeline?maxPoints=2000, Arrow', timelineArrow);
  if (pgRows && pgJson) {
    row(`PostgreSQL ${postgres!.version} via node-pg, rows`, pgRows);
    row(`PostgreSQL ${postgres!.version} via node-pg, rows → JSON`, pgJson, `${(pgJson.bytes / 1e6).toFixed(1)} MB`);
  }
  console.log(
    JSON.stringify({
      bench: 'reads',
      seed,
      rows: devices * seconds,
      devices,
      rows_per_read: DAY_MS / 1000,
      requests,
      ...machineLoad(),
      baseline_clustered_scan_p50_ms: scan.p50,
      baseline_clustered_scan_p99_ms: scan.p99,
      telemetry_arrow_p50_ms: arrow.p50,
      arrow_over_scan_p50: Number((arrow.p50 / scan.p50).toFixed(2)),
      telemetry_arrow_p99_ms: arrow.p99,
      telemetry_arrow_max_ms: arrow.max,
      telemetry_arrow_node_http_p50_ms: arrowNodeHttp.p50,
      telemetry_arrow_node_http_p99_ms: arrowNodeHttp.p99,
      telemetry_json_p50_ms: jsonRows.p50,
      telemetry_json_p99_ms: jsonRows.p99,
      json_over_arrow_p50: Number((jsonRows.p50 / arrow.p50).toFixed(2)),
      telemetry_json_columns_p50_ms: jsonColumns.p50,
      telemetry_json_columns_p99_ms: jsonColumns.p99,
      timeline_json_p50_ms: timelineJson.p50,
      timeline_json_p99_ms: timelineJson.p99,
      timeline_json_max_ms: timelineJson.max,
      timeline_arrow_p50_ms: timelineArrow.p50,
      timeline_arrow_p99_ms: timelineArrow.p99,
      timeline_arrow_max_ms: timelineArrow.max,
      postgres: pgRows
        ? { version: postgres!.version, load_s: Number(pgLoadS!.toFixed(1)), rows_p50_ms: pgRows.p50, rows_p99_ms: pgRows.p99, json_p50_ms: pgJson!.p50, json_p99_ms: pgJson!.p99 }
        : { skipped: pgNote || 'disabled with --no-postgres' },
    }),
  );
} finally {
  for (const stop of cleanup.reverse()) {
    try {
      await stop();
    } catch (err) {
      note(`cleanup: ${(err as Error).message}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(pgDir, { recursive: true, force: true });
}
