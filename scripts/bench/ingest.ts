/**
 * Ingest throughput, `npm run bench:ingest` (flags: --devices --seconds --seed --concurrency
 * --small-devices --quick). A seeded fleet (default 1,000 devices × 10,000 s at 1 Hz = 10 M rows)
 * goes into a fresh DuckDB file three ways, in one run:
 *   (a) the HTTP Arrow path: `telltale serve` as a child process, rows POSTed as Arrow IPC streams
 *       by a few concurrent clients, as fleet gateways upload their devices' logs: each upload
 *       carries --devices-per-upload devices (default 16, ~160 k rows). It is run again with one
 *       device (10 k rows) per upload, where per-commit costs (WAL write and fsync) dominate;
 *   (b) the CLI on the fleet as one Parquet file, and on --csv-devices of its devices as one CSV
 *       file per device (all files in one `telltale ingest` run), live work included in both;
 *   (c) the ceiling: DuckDB's own INSERT … SELECT FROM read_parquet into the same table.
 * (a) runs again on a smaller fleet to show whether peak RSS grows with the input.
 * Each of (a) and (b) is timed twice in the same run: "ingest only" ends at the last commit (the
 * last HTTP reply; the CLI's last `committed` line), "live work included" ends when the process
 * has worked off the derived pipeline behind those commits (the CLI exits; the server, sent
 * SIGTERM after the last reply, finishes its queued work and exits).
 * Prints a table, then one line of JSON with every figure and the load average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CSV_HEADER, deviceName, deviceToCsv, devicesToArrowIpc, generateDevice } from '../fixtures/fleet-generator.ts';
import { writeFleet } from '../fixtures/generate-fleet.ts';
import { PeakRss } from './process-watch.ts';
import { machineLoad } from './machine-load.ts';

const ROOT = join(import.meta.dirname, '../..');
const NODE = process.execPath;

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '4' },
    'small-devices': { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', description: 'a, b or c: one path only (while optimising)' },
    'devices-per-upload': { type: 'string', default: '16' },
    'csv-devices': { type: 'string', default: '100' },
  },
});
const quick = values.quick;
const devices = quick ? 40 : Number(values.devices);
const seconds = quick ? 2000 : Number(values.seconds);
const smallDevices = quick ? 10 : Number(values['small-devices']);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const perUpload = Number(values['devices-per-upload']);
const csvDevices = quick ? 10 : Number(values['csv-devices']);
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-ingest-'));

/** A path's figures: rows/s up to the last commit, and up to the end of the live work behind it. */
interface PathResult {
  rows: number;
  ingestOnlyRowsPerS: number;
  liveIncludedRowsPerS: number;
  peakRssMb: number;
}

function run(args: string[], onStderr?: (text: string) => void): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(NODE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function rawLoad(parquet: string): Promise<{ rowsPerS: number; peakRssMb: number; rows: number }> {
  const { child, done } = run(['scripts/bench/raw-load.ts', parquet, join(dir, 'raw.duckdb')]);
  const rss = new PeakRss(child.pid!);
  const out = await done;
  const peakRssMb = rss.stop();
  if (out.code !== 0) throw new Error(`raw load failed: ${out.stderr}`);
  const { rows, seconds: s } = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { rows: number; seconds: number };
  return { rowsPerS: rows / s, peakRssMb, rows };
}

async function cliFiles(files: string[], db: string): Promise<PathResult> {
  const t0 = performance.now();
  // Not a terminal: the CLI writes a `committed` line per file; the last one ends the ingest proper.
  let lastCommitAt = Number.NaN;
  const { child, done } = run(['src/cli/main.ts', 'ingest', ...files, '--db', join(dir, db), '--json'], (stderr) => {
    if (Number.isNaN(lastCommitAt) && (stderr.match(/: committed, /g)?.length ?? 0) >= files.length) lastCommitAt = performance.now();
  });
  const rss = new PeakRss(child.pid!);
  const out = await done;
  const elapsed = (performance.now() - t0) / 1000;
  const peakRssMb = rss.stop();
  if (out.code !== 0) throw new Error(`CLI ingest failed: ${out.stderr}`);
  if (Number.isNaN(lastCommitAt)) throw new Error(`CLI ingest printed no committed line per file: ${out.stderr}`);
  const summary = JSON.parse(out.stdout) as { accepted: number };
  const rows = summary.accepted;
  return { rows, ingestOnlyRowsPerS: rows / ((lastCommitAt - t0) / 1000), liveIncludedRowsPerS: rows / elapsed, peakRssMb };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The real server as a child process, ready once /healthz answers. */
async function startServer(db: string): Promise<{ url: string; child: ChildProcess; done: Promise<unknown>; key: string }> {
  const port = await freePort();
  const keyFile = `${db}.key`;
  const { child, done } = run(['src/cli/main.ts', 'serve', '--db', db, '--port', String(port), '--admin-key-file', keyFile]);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error('server exited before it was ready');
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { url, child, done, key: readFileSync(keyFile, 'utf8').trim() };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready in 30 s');
}

async function httpArrow(deviceCount: number, perUpload: number, label: string): Promise<PathResult> {
  // Uploads are built before the clock starts: the generator is not what is measured.
  const bodies: Uint8Array[] = [];
  for (let d = 0; d < deviceCount; d += perUpload) {
    const group = [];
    for (let k = d; k < Math.min(deviceCount, d + perUpload); k++) group.push(generateDevice(k, { devices: deviceCount, seconds, seed }));
    bodies.push(devicesToArrowIpc(group));
  }
  const server = await startServer(join(dir, `http-${label}.duckdb`));
  const rss = new PeakRss(server.child.pid!);
  let next = 0;
  let rows = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(`${server.url}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream', authorization: `Bearer ${server.key}` }, body });
        const summary = (await res.json()) as { accepted: number };
        if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${JSON.stringify(summary)}`);
        rows += summary.accepted;
      }
    }),
  );
  const ingestOnly = (performance.now() - t0) / 1000;
  // On SIGTERM the server finishes the derived work its commits queued, then exits.
  server.child.kill('SIGTERM');
  const out = (await server.done) as { code: number | null; stderr: string };
  const liveIncluded = (performance.now() - t0) / 1000;
  if (out.code !== 0) throw new Error(`server exited with ${out.code}: ${out.stderr}`);
  return { rows, ingestOnlyRowsPerS: rows / ingestOnly, liveIncludedRowsPerS: rows / liveIncluded, peakRssMb: rss.stop() };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (x: number, of: number) => Number((x / of).toFixed(3));
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
try {
  const loadAtStart = load();
  const parquet = join(dir, 'fleet.parquet');
  const tGen = performance.now();
  const total = await writeFleet(parquet, { devices, seconds, seed });
  console.error(`generated ${fmt(total)} rows (${devices} devices × ${seconds} s, seed ${seed}) in ${((performance.now() - tGen) / 1000).toFixed(1)} s; load ${loadAtStart.join(' ')}`);

  const only = values.only;
  const skipped: PathResult = { rows: 0, ingestOnlyRowsPerS: Number.NaN, liveIncludedRowsPerS: Number.NaN, peakRssMb: Number.NaN };
  // The ceiling is always measured: every figure is reported against it.
  const c = await rawLoad(parquet);
  console.error(`(c) DuckDB bulk load             ${fmt(c.rowsPerS).padStart(10)} rows/s   peak RSS ${c.peakRssMb} MB   load ${load().join(' ')}`);
  const line = (label: string, r: PathResult) =>
    console.error(`${label.padEnd(32)}${fmt(r.ingestOnlyRowsPerS).padStart(10)} rows/s = ${(r.ingestOnlyRowsPerS / c.rowsPerS).toFixed(2)} of (c) ingest only, ` +
      `${fmt(r.liveIncludedRowsPerS).padStart(10)} rows/s = ${(r.liveIncludedRowsPerS / c.rowsPerS).toFixed(2)} live work included   peak RSS ${r.peakRssMb} MB   load ${load().join(' ')}`);
  const b = !only || only === 'b' ? await cliFiles([parquet], 'cli.duckdb') : skipped;
  line('(b) CLI, Parquet file', b);
  let bCsv = skipped;
  if (!only || only === 'b' || only === 'bcsv') {
    const csvDir = join(dir, 'per-device');
    mkdirSync(csvDir);
    const files: string[] = [];
    for (let d = 0; d < Math.min(devices, csvDevices); d++) {
      const file = join(csvDir, `${deviceName(d)}.csv`);
      writeFileSync(file, `${CSV_HEADER}\n${deviceToCsv(generateDevice(d, { devices, seconds, seed }))}`);
      files.push(file);
    }
    bCsv = await cliFiles(files, 'cli-csv.duckdb');
  }
  line(`(b) CLI, ${Math.min(devices, csvDevices)} per-device CSVs`, bCsv);
  const a = !only || only === 'a' ? await httpArrow(devices, perUpload, 'full') : skipped;
  line(`(a) HTTP Arrow, ${concurrency}×${perUpload} dev/upload`, a);
  const aOne = !only || only === 'a1' ? await httpArrow(devices, 1, 'one') : skipped;
  line('(a) one device per upload', aOne);
  const aSmall = !only || only === 'a' ? await httpArrow(smallDevices, perUpload, 'small') : skipped;
  line(`(a) on ${fmt(aSmall.rows)} rows`, aSmall);
  const loadAtEnd = load();

  const figures = (prefix: string, r: PathResult) => ({
    [`${prefix}_rows_stored`]: r.rows,
    [`${prefix}_ingest_only_rows_per_s`]: Math.round(r.ingestOnlyRowsPerS),
    [`${prefix}_ingest_only_over_c`]: ratio(r.ingestOnlyRowsPerS, c.rowsPerS),
    [`${prefix}_live_included_rows_per_s`]: Math.round(r.liveIncludedRowsPerS),
    [`${prefix}_live_included_over_c`]: ratio(r.liveIncludedRowsPerS, c.rowsPerS),
    [`${prefix}_peak_rss_mb`]: r.peakRssMb,
  });
  console.log(
    JSON.stringify({
      bench: 'ingest',
      seed,
      devices,
      seconds_per_device: seconds,
      rows: total,
      concurrency,
      load_avg_start: loadAtStart,
      load_avg_end: loadAtEnd,
      c_duckdb_bulk_rows_per_s: Math.round(c.rowsPerS),
      c_peak_rss_mb: c.peakRssMb,
      c_rows_stored: c.rows,
      // The targets: (a) HTTP Arrow >= 0.8 of (c), (b) both CLI paths >= 0.5 of (c), live work included.
      ...figures('a', a),
      a_devices_per_upload: perUpload,
      ...figures('a_one', aOne),
      ...figures('a_small', aSmall),
      ...figures('b', b),
      b_csv_files: Math.min(devices, csvDevices),
      ...figures('b_csv', bCsv),
      // The figures under their earlier names (HTTP: up to the last reply; CLI: up to its exit).
      a_http_arrow_rows_per_s: Math.round(a.ingestOnlyRowsPerS),
      a_over_c: ratio(a.ingestOnlyRowsPerS, c.rowsPerS),
      b_cli_parquet_rows_per_s: Math.round(b.liveIncludedRowsPerS),
      b_over_c: ratio(b.liveIncludedRowsPerS, c.rowsPerS),
      b_csv_rows_per_s: Math.round(bCsv.liveIncludedRowsPerS),
      b_csv_over_c: ratio(bCsv.liveIncludedRowsPerS, c.rowsPerS),
      ...machineLoad(),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
