/**
 * Where a device-day read spends its time, step by step, in process (no HTTP): the store's own
 * functions and the SQL pieces they are made of, warm p50/p99 over --requests device-days.
 *   node scripts/bench/read-steps.ts --store STORE.duckdb [--requests 30] [--explain]
 * STEPS=name,name runs only the steps whose names contain one of those. Run it with no server
 * holding the store. Prints a table on stderr and ONE line of JSON on stdout.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { deviceName } from '../fixtures/fleet-generator.ts';
import { T0, percentiles } from './bench-store.ts';
import { readTelemetryPage } from '../../src/store/telemetry-page-repository.ts';
import { telemetryPageToArrowIpc } from '../../src/store/telemetry-page-arrow.ts';
import { readTimeline } from '../../src/store/timeline-repository.ts';
import { readTelemetryBatches } from '../../src/store/telemetry-batches-repository.ts';
import { telemetryBatchesToArrowPieces } from '../../src/store/telemetry-batches-arrow.ts';
import { getDevice } from '../../src/store/telemetry-repository.ts';
import { readChunkColumns } from '../../src/store/chunk-columns.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    requests: { type: 'string', default: '30' },
    devices: { type: 'string', default: '116' },
    threads: { type: 'string' },
    explain: { type: 'boolean', default: false },
  },
});
if (!values.store) throw new Error('--store STORE.duckdb is required');
const requests = Number(values.requests);
const devices = Number(values.devices);
const DAY_MS = 86_400_000;
const device = (k: number) => deviceName((k * 7) % devices);
const instance = await DuckDBInstance.create(values.store, { access_mode: 'READ_ONLY', ...(values.threads ? { threads: values.threads } : {}) });
const conn = await instance.connect();
const RANGE = 'device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT))';
const args = (k: number) => [device(k), T0, T0 + DAY_MS];

async function drain(c: DuckDBConnection, sql: string, params: unknown[]): Promise<number> {
  const result = await c.stream(sql, params as never);
  let rows = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) rows += chunk.rowCount;
  return rows;
}

const steps: Record<string, (k: number) => Promise<unknown>> = {
  connect: async () => (await instance.connect()).closeSync(),
  getDevice: (k) => getDevice(conn, device(k)),
  'scan *': (k) => drain(conn, `SELECT * FROM telemetry WHERE ${RANGE}`, args(k)),
  'scan * ORDER BY ts': (k) => drain(conn, `SELECT * FROM telemetry WHERE ${RANGE} ORDER BY ts`, args(k)),
  'scan * ORDER BY ts LIMIT': (k) => drain(conn, `SELECT * FROM telemetry WHERE ${RANGE} ORDER BY ts LIMIT 100001`, args(k)),
  'scan ts': (k) => drain(conn, `SELECT ts FROM telemetry WHERE ${RANGE}`, args(k)),
  'state dictionary': (k) => drain(conn, `SELECT list(DISTINCT state ORDER BY state) FILTER (WHERE state IS NOT NULL) FROM telemetry WHERE ${RANGE}`, args(k)),
  'numbers as doubles': async (k) => {
    const result = await conn.stream(`SELECT epoch_ms(ts)::DOUBLE, coalesce(speed_kph, 'NaN'::DOUBLE), coalesce(soc_pct, 'NaN'::DOUBLE), coalesce(lat, 'NaN'::DOUBLE) FROM telemetry WHERE ${RANGE} ORDER BY ts`, args(k) as never);
    return readChunkColumns(result, ['double', 'double', 'double', 'double'], 100_000);
  },
  'Arrow IPC of a page read before': async () => telemetryPageToArrowIpc(pageBefore!),
  'page query, unordered': async (k) => {
    const result = await conn.stream(`SELECT epoch_ms(ts)::DOUBLE, ${NUMS.map((c) => `coalesce(${c}, 'NaN'::DOUBLE)`).join(', ')} FROM telemetry WHERE ${RANGE} LIMIT 100001`, args(k) as never);
    return readChunkColumns(result, ['double', ...NUMS.map(() => 'double' as const)], 100_001);
  },
  'page query, ordered': async (k) => {
    const result = await conn.stream(`SELECT epoch_ms(ts)::DOUBLE, ${NUMS.map((c) => `coalesce(${c}, 'NaN'::DOUBLE)`).join(', ')} FROM telemetry WHERE ${RANGE} ORDER BY ts LIMIT 100001`, args(k) as never);
    return readChunkColumns(result, ['double', ...NUMS.map(() => 'double' as const)], 100_001);
  },
  'list lengths + values': (k) => drain(conn, `SELECT error_codes FROM telemetry WHERE ${RANGE} AND len(error_codes) > 0 ORDER BY ts`, args(k)),
  readTelemetryPage: (k) => readTelemetryPage(conn, { deviceId: device(k), fromMs: T0, toMs: T0 + DAY_MS, limit: 100_000 }),
  'readTelemetryPage + Arrow IPC': async (k) => telemetryPageToArrowIpc((await readTelemetryPage(conn, { deviceId: device(k), fromMs: T0, toMs: T0 + DAY_MS, limit: 100_000 }))!),
  readTelemetryBatches: (k) => readTelemetryBatches(conn, { deviceId: device(k), fromMs: T0, toMs: T0 + DAY_MS, limit: 100_000 }),
  'readTelemetryBatches + Arrow pieces (the Arrow route)': async (k) => {
    let bytes = 0;
    for (const piece of telemetryBatchesToArrowPieces((await readTelemetryBatches(conn, { deviceId: device(k), fromMs: T0, toMs: T0 + DAY_MS, limit: 100_000 }))!)) bytes += piece.byteLength;
    return bytes;
  },
  readTimeline: (k) => readTimeline(conn, { deviceId: device(k), fromMs: T0, toMs: T0 + DAY_MS, columns: ['device_id', 'ts', 'speed_kph', 'soc_pct', 'outside_temp_c', 'battery_temp_c'], maxPoints: 2000 }),
};

const NUMS = ['speed_kph', 'soc_pct', 'range_km', 'battery_temp_c', 'outside_temp_c', 'cabin_setpoint_c', 'lat', 'lon', 'alt_m', 'odometer_km', 'power_kw'];
const pageBefore = await readTelemetryPage(conn, { deviceId: device(1), fromMs: T0, toMs: T0 + DAY_MS, limit: 100_000 });
const figures: Record<string, { p50: number; p99: number }> = {};
const only = process.env.STEPS?.split(',');
for (const [name, step] of Object.entries(steps)) {
  if (only && !only.some((o) => name.includes(o))) continue;
  for (let k = 0; k < Math.min(5, requests); k++) await step(k);
  const times: number[] = [];
  for (let k = 0; k < requests; k++) {
    const t = performance.now();
    await step(k);
    times.push(performance.now() - t);
  }
  figures[name] = percentiles(times);
  console.error(`${name.padEnd(34)} p50 ${String(figures[name].p50).padStart(7)} ms   p99 ${String(figures[name].p99).padStart(7)} ms`);
}
if (values.explain) {
  for (const sql of [`SELECT * FROM telemetry WHERE ${RANGE} ORDER BY ts LIMIT 100001`]) {
    const reader = await conn.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, args(3) as never);
    console.error(reader.getRows().map((r) => String(r[1])).join('\n'));
  }
}
conn.closeSync();
instance.closeSync();
console.log(JSON.stringify({ bench: 'read-steps', requests, load_avg_1m: Number(loadavg()[0]!.toFixed(2)), steps: figures }));
