/**
 * Fits the energy model and writes models/energy-model.json and its model card.
 *   simulate the fleet (`train` reported at 1 Hz, train-physics-config.ts, seed 1: the only world fitted on) → cut drives into windows → least squares per source →
 *   read the real twizy-rsk trips (import profile, :memory: store) → fit them in %/km →
 *   write JSON + card (or, with --check, compare with the committed files).
 *
 *   npm run train:energy                 fit and write
 *   npm run train:energy -- --check      exit 1 if a fit would change the committed files
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { driveWindows, type DriveWindow } from '../../src/domain/energy/drive-windows.ts';
import { buildEnergyModel, fitSource } from '../../src/domain/energy/fit-energy-model.ts';
import type { EnergyModel } from '../../src/domain/energy/energy-model.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { simulateFleet } from '../../src/simulate/simulate-fleet.ts';
import { TRAIN_PHYSICS_CONFIG } from '../../src/simulate/train-physics-config.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { energyModelCard } from './energy-model-card.ts';
import { simulatorSourceHash } from './simulator-source-hash.ts';

const ROOT = join(import.meta.dirname, '../..');
const TWIZY_DIR = join(ROOT, 'fixtures/twizy-rsk');

const { values: args } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'models/energy-model.json') },
    card: { type: 'string', default: join(ROOT, 'models/energy-model.model-card.md') },
    devices: { type: 'string', default: '12' },
    days: { type: 'string', default: '10' },
  },
});
const devices = Number(args.devices);
const days = Number(args.days);
const SIM_WINDOW_KM = 3;
const TWIZY_WINDOW_KM = 2;

function simulatorWindows(): { windows: DriveWindow[]; vehicleOf: string[]; vehicles: number } {
  const fleet = simulateFleet({ seed: 1, devices, days, config: TRAIN_PHYSICS_CONFIG });
  const windows: DriveWindow[] = [];
  const vehicleOf: string[] = [];
  for (const d of fleet.devices) {
    for (const w of driveWindows(d.series, { windowKm: SIM_WINDOW_KM })) {
      if (!Number.isFinite(w.energyKwh)) continue;
      windows.push(w);
      vehicleOf.push(d.deviceId);
    }
  }
  return { windows, vehicleOf, vehicles: fleet.devices.length };
}

async function twizyWindows(): Promise<{ windows: DriveWindow[]; files: string[] }> {
  const files = readdirSync(TWIZY_DIR).filter((f) => /\.csv(\.gz)?$/.test(f)).sort();
  const store = await TelemetryStore.open(':memory:', { now: () => Date.UTC(2030, 0, 1) });
  const windows: DriveWindow[] = [];
  try {
    for (const file of files) {
      await ingest(store, { input: { path: join(TWIZY_DIR, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' });
      const series = await store.withConnection((conn) => readSeries(conn, { deviceId: file }));
      windows.push(...driveWindows(series, { windowKm: TWIZY_WINDOW_KM }));
    }
  } finally {
    await store.close();
  }
  return { windows, files };
}

async function fit(): Promise<EnergyModel> {
  const sim = simulatorWindows();
  const simulator = fitSource({
    name: 'simulator',
    unit: 'kwh_per_km',
    description: `simulateFleet({ seed: 1, devices: ${devices}, days: ${days}, config: '${TRAIN_PHYSICS_CONFIG.name}' (train reported at 1 Hz) }): ${sim.vehicles} vehicles, battery power integrated over ${SIM_WINDOW_KM} km windows of driving`,
    windows: sim.windows,
    vehicles: sim.vehicleOf,
    features: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'],
  });
  const twizy = await twizyWindows();
  // The Twizy logs SoC but no power, no cabin set-point and no pack temperature, in 17–28 °C:
  // only the terms that data can identify are fitted, in %/km of its own battery.
  const twizyFit = fitSource({
    name: 'twizy-rsk',
    unit: 'pct_per_km',
    description: `real Renault Twizy trips (fixtures/twizy-rsk, ${twizy.files.length} files): SoC drop over ${TWIZY_WINDOW_KM} km windows; no power channel`,
    windows: twizy.windows,
    features: ['rolling', 'aero', 'aux', 'grade'],
  });
  return buildEnergyModel(simulator, [twizyFit], {
    script: 'scripts/training/fit-energy-model.ts',
    simulatorConfig: TRAIN_PHYSICS_CONFIG.name,
    simulatorSeed: 1,
    simulatorSourceSha1: simulatorSourceHash(ROOT),
    simulatorDevices: devices,
    simulatorDays: days,
    simulatorWindowKm: SIM_WINDOW_KM,
    twizyWindowKm: TWIZY_WINDOW_KM,
    twizyFiles: twizy.files,
  });
}

const model = await fit();
const json = `${JSON.stringify(model, null, 2)}\n`;
const card = energyModelCard(model);
if (args.check) {
  const stale = [
    [args.out, json],
    [args.card, card],
  ].filter(([path, text]) => !existsSync(path!) || readFileSync(path!, 'utf8') !== text).map(([path]) => path);
  console.log(JSON.stringify({ check: stale.length === 0 ? 'ok' : 'differs', stale, rmseKwhPerKm: model.error.rmsePerKm, r2: model.error.r2 }));
  process.exit(stale.length === 0 ? 0 : 1);
}
writeFileSync(args.out, json);
writeFileSync(args.card, card);
const twizy = model.sources.find((s) => s.name === 'twizy-rsk')!;
console.log(JSON.stringify({
  out: args.out,
  simulatorWindows: model.error.windows,
  simulatorKm: model.error.distanceKm,
  rmseKwhPerKm: model.error.rmsePerKm,
  maeKwhPerKm: model.error.maePerKm,
  r2: model.error.r2,
  band: [model.band.lowRatio, model.band.highRatio],
  twizyWindows: twizy.error.windows,
  twizyRmsePctPerKm: twizy.error.rmsePerKm,
  twizyR2: twizy.error.r2,
}));
