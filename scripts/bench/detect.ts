/**
 * Detection benchmark: `npm run bench:detect [-- --devices 500 --seconds 20000 --seed 7]`.
 * Phases: a ≥ 10 M-row fleet (the seeded fleet generator) bulk-loaded into a DuckDB file →
 * (1) a plain DuckDB scan of the columns detection reads, device by device in time order, nothing
 * converted (the ceiling) → (2) the same rows read into domain series (readSeries) → (3) batch
 * detection: every device through detectDevice (read, all detectors, replace events) → ONNX
 * breakdown scoring rows/s at batch 1 and 4,096 → one JSON line.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectDevice } from '../../src/detect/detect-device.ts';
import { loadDetectors, MODELS_DIR } from '../../src/detect/load-detectors.ts';
import { BREAKDOWN_FEATURE_COUNT, BREAKDOWN_FEATURES } from '../../src/domain/detect/breakdown-features.ts';
import { loadBreakdownScorer } from '../../src/models/onnx-breakdown-scorer.ts';
import { writeOnnxMlp } from '../../src/models/onnx-mlp-writer.ts';
import { trainMlp } from '../../src/models/train-mlp.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { writeFleet } from '../fixtures/generate-fleet.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';
import { refreshLatestValues } from '../../src/store/device-span-repository.ts';
import { rebuildTelemetryMinutes } from '../../src/store/telemetry-minutes-repository.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '500' }, seconds: { type: 'string', default: '20000' }, seed: { type: 'string', default: '7' } } });
const devices = Number(values.devices);
const seconds = Number(values.seconds);
const seed = Number(values.seed);
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-detect-'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** The columns readSeries asks DuckDB for, so the scan reads exactly what detection reads. */
const SCAN_COLUMNS = 'epoch_ms(ts)::DOUBLE, speed_kph, soc_pct, range_km, battery_temp_c, outside_temp_c, cabin_setpoint_c, lat, lon, alt_m, odometer_km, power_kw, state, error_codes';

try {
  const tGen = performance.now();
  const parquet = join(dir, 'fleet.parquet');
  const rows = await writeFleet(parquet, { devices, seconds, seed });
  const store = await TelemetryStore.open(join(dir, 'detect.duckdb'));
  await store.db.run(`INSERT INTO telemetry BY NAME SELECT * FROM read_parquet('${parquet}')`);
  await store.db.run(`INSERT INTO devices (device_id, first_ts, last_ts, row_count, updated_at) SELECT device_id, min(ts), max(ts), count(*), now() FROM telemetry GROUP BY device_id`);
  await refreshLatestValues(store.db);
  await rebuildTelemetryMinutes(store.db);
  await store.db.run('CHECKPOINT');
  rmSync(parquet);
  const ids = (await store.db.runAndReadAll('SELECT device_id FROM devices ORDER BY device_id')).getRows().map((r) => String(r[0]));
  log(`store: ${fmt(rows)} rows, ${ids.length} devices (fleet generator seed ${seed}) built in ${((performance.now() - tGen) / 1000).toFixed(1)} s`);

  // (1) plain scan
  let t = performance.now();
  let scanned = 0;
  await store.withConnection(async (conn) => {
    for (const id of ids) {
      const result = await conn.stream(`SELECT ${SCAN_COLUMNS} FROM telemetry WHERE device_id = $1 ORDER BY ts`, [id]);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        scanned += chunk.rowCount;
      }
    }
  });
  const scanRowsPerS = scanned / ((performance.now() - t) / 1000);
  log(`(1) DuckDB scan, same columns      ${fmt(scanRowsPerS).padStart(12)} rows/s`);

  // (2) into domain series
  t = performance.now();
  let read = 0;
  await store.withConnection(async (conn) => {
    for (const id of ids) read += (await readSeries(conn, { deviceId: id })).length;
  });
  const readRowsPerS = read / ((performance.now() - t) / 1000);
  log(`(2) readSeries                     ${fmt(readRowsPerS).padStart(12)} rows/s   ${(readRowsPerS / scanRowsPerS).toFixed(2)} of (1)`);

  // (3) batch detection through the service's own function
  const warnings: string[] = [];
  const detectors = await loadDetectors({ onWarning: (m) => warnings.push(m) });
  for (const w of warnings) log(`warning: ${w}`);
  t = performance.now();
  let detected = 0;
  let events = 0;
  for (const id of ids) {
    const r = await detectDevice(store, id, {}, detectors);
    detected += r.rows;
    events += r.events.length;
  }
  const detectSeconds = (performance.now() - t) / 1000;
  const detectRowsPerS = detected / detectSeconds;
  log(`(3) batch detection (${detectors.map((d) => d.name).join(', ')}) ${fmt(detectRowsPerS).padStart(12)} rows/s   ${(detectRowsPerS / scanRowsPerS).toFixed(2)} of (1)   ${events} events   ${detectSeconds.toFixed(1)} s`);
  await store.close();

  // ONNX inference: the committed model, or (before `npm run train`) a same-shaped stand-in.
  let modelPath = join(MODELS_DIR, 'breakdown.onnx');
  let model = 'models/breakdown.onnx';
  if (!existsSync(modelPath)) {
    const rnd = mulberry32(1);
    const train = Array.from({ length: 256 }, () => BREAKDOWN_FEATURES.map(() => rnd()));
    const mlp = trainMlp(BREAKDOWN_FEATURES, train, train.map((r) => (r[0]! > 0.5 ? 1 : 0)), { hidden: 8, epochs: 20, learningRate: 0.02, l2: 1e-4, seed: 1, positiveWeight: 'balanced' });
    modelPath = join(dir, 'stand-in.onnx');
    writeFileSync(modelPath, writeOnnxMlp(mlp));
    model = 'stand-in MLP of the same shape (models/breakdown.onnx not present)';
  }
  const scorer = await loadBreakdownScorer(modelPath);
  const onnxRowsPerS = async (batch: number, total: number) => {
    const features = new Float32Array(batch * BREAKDOWN_FEATURE_COUNT).map((_, i) => (i % 7) / 7);
    await scorer.score(features, batch);
    const t0 = performance.now();
    for (let done = 0; done < total; done += batch) await scorer.score(features, batch);
    return total / ((performance.now() - t0) / 1000);
  };
  const onnxBatch1 = await onnxRowsPerS(1, 20_000);
  const onnxBatch4096 = await onnxRowsPerS(4096, 4096 * 200);
  log(`ONNX breakdown scorer (${model}): batch 1 ${fmt(onnxBatch1)} rows/s, batch 4,096 ${fmt(onnxBatch4096)} rows/s`);

  console.log(JSON.stringify({
    bench: 'detect', rows, devices: ids.length, seed, detectors: detectors.map((d) => d.name), warnings, events,
    duckdb_scan_rows_per_s: Math.round(scanRowsPerS), read_series_rows_per_s: Math.round(readRowsPerS),
    batch_detection_rows_per_s: Math.round(detectRowsPerS), batch_detection_s: Math.round(detectSeconds * 10) / 10,
    detection_vs_scan: Math.round((detectRowsPerS / scanRowsPerS) * 1000) / 1000,
    onnx_model: model, onnx_batch1_rows_per_s: Math.round(onnxBatch1), onnx_batch4096_rows_per_s: Math.round(onnxBatch4096),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
