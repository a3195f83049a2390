/**
 * `npm run notebooks`: executes notebooks/*.ipynb headless against a real Telltale and saves them
 * with their outputs. Phases: a seeded simulated fleet (src/simulate) → ingested through the
 * services (sessions, conditions and events derived as on any upload) → device metadata and
 * seeded customer feedback → the HTTP API on a free port → `jupyter nbconvert --execute --inplace`
 * with Deno's kernel (TELLTALE_URL points the notebooks at the server) → shutdown → one JSON line.
 *
 * Needs jupyter-nbconvert and python3-ipykernel (apt) and the Deno kernel: `npx deno jupyter --install`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../src/http/app.ts';
import { composeServices } from '../../src/services/compose-services.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';
import { seriesToCsv } from '../../src/simulate/series-to-csv.ts';
import { DEFAULT_START_MS, fleetChargers, simulateDevices } from '../../src/simulate/simulate-fleet.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '5' }, devices: { type: 'string', default: '12' }, days: { type: 'string', default: '3' }, only: { type: 'string' } } });
const seed = Number(values.seed);
const sim = { seed, devices: Number(values.devices), days: Number(values.days) };
const ROOT = join(import.meta.dirname, '../..');
const NOTEBOOKS = join(ROOT, 'notebooks');
const log = (line: string) => process.stderr.write(`${line}\n`);
const FIRMWARES = ['7.1.0', '7.2.0', '7.2.1'];
const started = performance.now();

const dir = mkdtempSync(join(tmpdir(), 'telltale-notebooks-'));
// The store's clock is the end of the simulated days, so "the last 90 days" covers the fleet and every run saves the same outputs.
const endMs = DEFAULT_START_MS + sim.days * 86_400_000;
const store = await TelemetryStore.open(join(dir, 'notebooks.duckdb'), { now: () => endMs });
const services = await composeServices(store, { detectors: 'load' });
let exitCode = 0;
try {
  await services.start();
  await services.chargers.upsert(fleetChargers(sim), 'simulation');
  const rnd = mulberry32(seed * 7919 + 1);
  const feedback: string[] = ['device_id,ts,kind,score,channel,text'];
  let rows = 0;
  for (const run of simulateDevices(sim)) {
    const d = run.device;
    await services.ingest.ingest({ input: [Buffer.from([...seriesToCsv(d.deviceId, d.series)].join(''))], format: 'csv', source: `${d.deviceId}.csv` });
    rows += d.series.length;
    await services.devices.setMetadata(d.deviceId, { model: d.model, fleet: d.fleet, region: d.climate, firmware: FIRMWARES[Math.floor(rnd() * FIRMWARES.length)] });
    // Feedback as it tends to go: a survey answer a day after a breakdown is mostly a detractor's.
    const breakdowns = run.labels.filter((l) => l.kind === 'breakdown');
    for (const b of breakdowns) {
      feedback.push(`${d.deviceId},${new Date(b.endMs + 86_400_000).toISOString()},nps,${Math.floor(rnd() * 7)},app survey,after the tow`);
      if (rnd() < 0.5) feedback.push(`${d.deviceId},${new Date(b.endMs + 3_600_000).toISOString()},ticket,,phone,car stopped while driving`);
    }
    if (rnd() < 0.8) feedback.push(`${d.deviceId},${new Date(DEFAULT_START_MS + rnd() * sim.days * 86_400_000).toISOString()},nps,${6 + Math.floor(rnd() * 5)},app survey,`);
  }
  const fb = await services.feedback.import({ text: feedback.join('\n'), format: 'csv', source: 'seeded-feedback.csv' });
  await services.pipeline.idle();
  log(`fleet: ${sim.devices} devices × ${sim.days} days, ${rows.toLocaleString('en')} rows, ${fb.accepted} feedback answers (${Math.round(performance.now() - started)} ms)`);

  const app = await buildApp({ store, services });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  // The notebooks are an analyst's: a key of that role, as a real one would hold.
  const key = (await services.keys.create({ role: 'analyst', label: 'notebooks' })).token;
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb') && (!values.only || f.includes(values.only))).sort();
  const run = (file: string) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--inplace', '--ExecutePreprocessor.kernel_name=deno', '--ExecutePreprocessor.timeout=180', ...(process.env.NOTEBOOKS_ALLOW_ERRORS ? ['--allow-errors'] : []), join(NOTEBOOKS, file)], {
        cwd: NOTEBOOKS, env: { ...process.env, TELLTALE_URL: url, TELLTALE_KEY: key, NO_COLOR: '1' }, stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', (err) => reject(new Error(`cannot run jupyter (apt-get install jupyter-nbconvert python3-ipykernel; npx deno jupyter --install): ${err.message}`)));
      child.on('close', (code) => resolve(code ?? 1));
    });
  const results: Record<string, number> = {};
  for (const file of files) {
    const t = performance.now();
    const code = await run(file);
    results[file] = Math.round(performance.now() - t);
    if (code !== 0) exitCode = 1;
    log(`${file}: ${code === 0 ? 'executed' : `FAILED (exit ${code})`} in ${results[file]} ms`);
  }
  await app.close();
  console.log(JSON.stringify({ notebooks: files.length, failed: exitCode, devices: sim.devices, days: sim.days, rows, msPerNotebook: results, totalMs: Math.round(performance.now() - started) }));
} finally {
  await services.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = exitCode;
