/**
 * Scale benchmark, `npm run bench:scale` (flags: --rows N (default 10,000,000) --seed --reads --concurrency (appends in flight, default 2)).
 *
 * One seeded fleet (scripts/fixtures/fleet-generator.ts: ⌈rows / 86,400⌉ devices, each one day at
 * 1 Hz, one batch per device-day) appended through the storage contract into, in one run:
 *   - the embedded DuckDB backend (a temp file);
 *   - a 2-shard ClickHouse cluster (scripts/clickhouse/cluster.ts, Debian's clickhouse-server);
 *   - a 1-shard ClickHouse cluster, for how ingest grows from 1 to 2 shards.
 * Measured per backend: ingest rows/s (validated batches in, de-duplication check included; no
 * parsing; --concurrency appends in flight), one device-day read as columns (p50/p99 over --reads reads spread over the devices),
 * and a fleet-wide aggregation (rows, top speed and mean SoC per device over the whole range,
 * median of 5). For ClickHouse, storage from system.parts (compressed and uncompressed bytes per
 * row, after OPTIMIZE … FINAL); for DuckDB, the file size.
 *
 * Every shard runs on this one machine (2 cores, shared with other work): the shards compete for
 * the same cores and disk, so the 1 → 2 shard figure is a floor, not what two machines give. The
 * CPU seconds per million rows (servers from /proc/PID/stat, the client from process.cpuUsage)
 * do not depend on who else uses the machine as much: they are what docs/scale-out.md sizes with.
 * Prints a table on stderr, then ONE line of JSON on stdout.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { emptyBatch, type TelemetryBatch } from '../../src/domain/telemetry-batch.ts';
import { ClickHouseBackend } from '../../src/store/clickhouse/clickhouse-backend.ts';
import type { StoreBackend } from '../../src/store/contract/store-backend.ts';
import { DuckDbBackend } from '../../src/store/duckdb-backend.ts';
import { clickhouseServerBinary, startClickHouseCluster } from '../clickhouse/cluster.ts';
import { deviceName, generateDevice, type DeviceColumns } from '../fixtures/fleet-generator.ts';
import { T0, percentiles } from './bench-store.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    seed: { type: 'string', default: '11' },
    reads: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '2' },
  },
});
const rows = Number(values.rows);
const seed = Number(values.seed);
const reads = Number(values.reads);
const concurrency = Number(values.concurrency);
const devices = Math.max(1, Math.ceil(rows / 86_400));
const seconds = Math.min(86_400, Math.ceil(rows / devices));
const totalRows = devices * seconds;
const note = (line: string) => process.stderr.write(`${line}\n`);

function toBatch(c: DeviceColumns): TelemetryBatch {
  const n = c.tsMs.length;
  const b = emptyBatch(n);
  b.length = n;
  for (let i = 0; i < n; i++) b.rowNumbers[i] = i + 1;
  b.deviceId.fill(c.deviceId);
  b.tsMs.set(c.tsMs);
  const map: [keyof TelemetryBatch['numbers'], Float64Array][] = [
    ['speed_kph', c.speedKph], ['soc_pct', c.socPct], ['range_km', c.rangeKm], ['battery_temp_c', c.batteryTempC], ['outside_temp_c', c.outsideTempC],
    ['cabin_setpoint_c', c.cabinSetpointC], ['lat', c.lat], ['lon', c.lon], ['alt_m', c.altM], ['odometer_km', c.odometerKm], ['power_kw', c.powerKw],
  ];
  for (const [name, v] of map) b.numbers[name].set(v);
  for (let i = 0; i < n; i++) b.text.state[i] = c.state[i] ?? null;
  return b;
}

/**
 * The same batches for every backend, generated again each time (same seed, same rows), with
 * `concurrency` appends in flight (as that many uploads would be): a shard can only add to ingest
 * if the client keeps more than one busy. Rows/s is over the wall-clock time of the appends.
 */
async function ingestAll(backend: StoreBackend): Promise<{ rowsPerS: number; seconds: number; accepted: number }> {
  let accepted = 0;
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    for (let d = next++; d < devices; d = next++) {
      const batch = toBatch(generateDevice(d, { devices, seconds, seed, startMs: T0 }));
      // Awaited first: `accepted += await …` would read `accepted` before the other appends add to it.
      const r = await backend.telemetry.append(batch, [], { source: 'bench-scale', format: 'arrow' });
      accepted += r.accepted;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - t;
  if (accepted !== totalRows) throw new Error(`ingest accepted ${accepted} rows, expected ${totalRows}`);
  return { rowsPerS: Math.round(accepted / (wallMs / 1000)), seconds: Math.round(wallMs) / 1000, accepted };
}

async function timeline(backend: StoreBackend): Promise<{ p50: number; p99: number; rows: number }> {
  let n = 0;
  const times: number[] = [];
  for (let i = 0; i < reads + 3; i++) {
    const deviceId = deviceName((i * 7919) % devices);
    const t = performance.now();
    const cols = await backend.telemetry.readColumns({ deviceId, fromMs: T0, toMs: T0 + seconds * 1000, columns: ['speed_kph', 'soc_pct', 'power_kw', 'battery_temp_c'] });
    if (i >= 3) times.push(performance.now() - t); // the first reads warm caches
    n = cols.length;
  }
  const p = percentiles(times);
  return { p50: round(p.p50), p99: round(p.p99), rows: n };
}

async function fleetAggregation(backend: StoreBackend): Promise<{ medianMs: number; devices: number }> {
  const times: number[] = [];
  let seen = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const stats = await backend.telemetry.fleetStats(T0, T0 + seconds * 1000);
    times.push(performance.now() - t);
    seen = stats.length;
    if (stats.reduce((s, x) => s + x.rows, 0) !== totalRows) throw new Error(`fleet aggregation counted ${stats.reduce((s, x) => s + x.rows, 0)} rows, expected ${totalRows}`);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(times[2]!), devices: seen };
}

const round = (v: number) => Math.round(v * 10) / 10;

/** CPU seconds (user + system) a process has used, from /proc/PID/stat (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU spent per million rows by the servers and by this (client) process over `work`: what sizing needs on a shared machine. */
async function withCpu<T>(pids: readonly number[], work: () => Promise<T>): Promise<{ result: T; serverCpuS: number; clientCpuS: number }> {
  const before = pids.map(cpuSeconds);
  const client = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(client);
  return { result, serverCpuS: pids.reduce((s, pid, i) => s + cpuSeconds(pid) - before[i]!, 0), clientCpuS: (used.user + used.system) / 1e6 };
}

async function clickhouseStorage(backend: ClickHouseBackend): Promise<{ compressedBytesPerRow: number; uncompressedBytesPerRow: number; ratio: number; partsRows: number }> {
  let compressed = 0;
  let uncompressed = 0;
  let partRows = 0;
  for (let shard = 0; shard < backend.conn.shardCount; shard++) {
    await backend.conn.command(`OPTIMIZE TABLE ${backend.conn.database}.telemetry_local FINAL`, shard);
    const [r] = await backend.conn.rows<{ c: string; u: string; n: string }>(
      `SELECT sum(data_compressed_bytes) AS c, sum(data_uncompressed_bytes) AS u, sum(rows) AS n FROM system.parts
       WHERE active AND database = '${backend.conn.database}' AND table = 'telemetry_local'`,
      shard,
    );
    compressed += Number(r!.c);
    uncompressed += Number(r!.u);
    partRows += Number(r!.n);
  }
  return { compressedBytesPerRow: round(compressed / partRows), uncompressedBytesPerRow: round(uncompressed / partRows), ratio: round(uncompressed / compressed), partsRows: partRows };
}

async function main(): Promise<void> {
  note(`bench:scale — ${totalRows.toLocaleString('en')} rows: ${devices} devices × ${seconds} s at 1 Hz (seed ${seed}); ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
  const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-scale-'));
  const result: Record<string, unknown> = { bench: 'scale', rows: totalRows, devices, secondsPerDevice: seconds, seed, concurrency, cores: cpus().length, loadAvgAtStart: round(loadavg()[0]!) };
  try {
    const duck = await DuckDbBackend.open(join(dir, 'telltale.duckdb'));
    try {
      const { result: ingest, clientCpuS } = await withCpu([], () => ingestAll(duck));
      note(`duckdb          ingest ${ingest.rowsPerS.toLocaleString('en')} rows/s (${ingest.seconds} s); CPU per M rows (in process) ${round(clientCpuS / (totalRows / 1e6))} s`);
      const tl = await timeline(duck);
      note(`duckdb          device-day read p50 ${tl.p50} ms, p99 ${tl.p99} ms (${tl.rows} rows)`);
      const agg = await fleetAggregation(duck);
      note(`duckdb          fleet aggregation ${agg.medianMs} ms (${agg.devices} devices)`);
      await duck.store.db.run('CHECKPOINT');
      const bytes = statSync(join(dir, 'telltale.duckdb')).size;
      result.duckdb = { ingestRowsPerS: ingest.rowsPerS, cpuSPerMRows: round(clientCpuS / (totalRows / 1e6)), deviceDayReadMs: { p50: tl.p50, p99: tl.p99 }, fleetAggregationMs: agg.medianMs, fileBytesPerRow: round(bytes / totalRows) };
    } finally {
      await duck.close();
    }

    if (!clickhouseServerBinary()) {
      note('clickhouse-server is not installed (apt-get install -y clickhouse-server): the ClickHouse half is skipped');
      result.clickhouse = null;
    } else {
      for (const shards of [2, 1]) {
        const cluster = await startClickHouseCluster({ shards, dir: join(dir, `clickhouse-${shards}`) });
        const ch = await ClickHouseBackend.open(cluster.urls, 'telltale');
        try {
          const { result: ingest, serverCpuS, clientCpuS } = await withCpu(cluster.pids, () => ingestAll(ch));
          const perMillion = (cpuS: number) => round(cpuS / (totalRows / 1e6));
          note(`clickhouse ×${shards}   ingest ${ingest.rowsPerS.toLocaleString('en')} rows/s (${ingest.seconds} s); CPU per M rows: servers ${perMillion(serverCpuS)} s, client ${perMillion(clientCpuS)} s`);
          const entry: Record<string, unknown> = { ingestRowsPerS: ingest.rowsPerS, serverCpuSPerMRows: perMillion(serverCpuS), clientCpuSPerMRows: perMillion(clientCpuS) };
          if (shards === 2) {
            const tl = await timeline(ch);
            note(`clickhouse ×2   device-day read p50 ${tl.p50} ms, p99 ${tl.p99} ms (${tl.rows} rows, before merges)`);
            const agg = await fleetAggregation(ch);
            note(`clickhouse ×2   fleet aggregation ${agg.medianMs} ms (${agg.devices} devices, FINAL)`);
            const storage = await clickhouseStorage(ch);
            note(`clickhouse ×2   storage ${storage.compressedBytesPerRow} B/row compressed, ${storage.uncompressedBytesPerRow} B/row uncompressed (×${storage.ratio})`);
            const tlMerged = await timeline(ch);
            note(`clickhouse ×2   device-day read after OPTIMIZE p50 ${tlMerged.p50} ms, p99 ${tlMerged.p99} ms`);
            Object.assign(entry, {
              deviceDayReadMs: { p50: tl.p50, p99: tl.p99 }, deviceDayReadMergedMs: { p50: tlMerged.p50, p99: tlMerged.p99 }, fleetAggregationMs: agg.medianMs,
              compressedBytesPerRow: storage.compressedBytesPerRow, uncompressedBytesPerRow: storage.uncompressedBytesPerRow, compressionRatio: storage.ratio,
            });
          }
          result[`clickhouse${shards}Shard${shards > 1 ? 's' : ''}`] = entry;
        } finally {
          await ch.close();
          await cluster.stop();
        }
      }
      const two = (result.clickhouse2Shards as { ingestRowsPerS: number }).ingestRowsPerS;
      const one = (result.clickhouse1Shard as { ingestRowsPerS: number }).ingestRowsPerS;
      result.ingestGrowth1To2Shards = round(two / one);
      note(`ingest 1 → 2 shards: ×${result.ingestGrowth1To2Shards} (both shards on this one 2-core machine)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.loadAvgAtEnd = round(loadavg()[0]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
