import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { LegLabel, MomentLabel } from '../simulate/moment-label.ts';
import { seriesToCsv } from '../simulate/series-to-csv.ts';
import { fleetChargers, simulateDevices, type SimulateFleetOptions } from '../simulate/simulate-fleet.ts';

export interface SimulateCommandOptions {
  seed: number;
  devices: number;
  days: number;
  out: string;
  json?: boolean;
  /** Named simulator configuration (default `train`). */
  config?: string;
}

/** A labelled synthetic fleet written as `telltale ingest` input plus its ground truth. */
export interface SimulateSummary {
  devices: number;
  days: number;
  config: string;
  rows: number;
  breakdowns: number;
  shortfalls: number;
  lookalikes: number;
  legs: number;
  chargers: number;
  out: string;
}

const csvText = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * `telltale simulate`: one gzipped CSV per device (DEVICE.csv.gz), then labels.json, legs.json,
 * chargers.csv and devices.json. Devices are simulated and written one at a time, so memory stays
 * at one device's series.
 */
export async function runSimulateCommand(options: SimulateCommandOptions): Promise<SimulateSummary> {
  const sim: SimulateFleetOptions = { seed: options.seed, devices: options.devices, days: options.days, ...(options.config ? { config: options.config } : {}) };
  // Never mix two fleets: stale device files from an earlier run would be ingested with this one's.
  const existing = await readdir(options.out).catch(() => []);
  if (existing.length) throw new Error(`--out ${options.out} is not empty; give a new directory`);
  await mkdir(options.out, { recursive: true });
  const progress = process.stderr.isTTY && !options.json;
  const labels: MomentLabel[] = [];
  const legs: LegLabel[] = [];
  const devices: Record<string, unknown>[] = [];
  let rows = 0;
  for (const run of simulateDevices(sim)) {
    const d = run.device;
    await pipeline(Readable.from(seriesToCsv(d.deviceId, d.series)), createGzip({ level: 3 }), createWriteStream(join(options.out, `${d.deviceId}.csv.gz`)));
    rows += d.series.length;
    labels.push(...run.labels);
    legs.push(...run.legs);
    devices.push({ id: d.deviceId, model: d.model, fleet: d.fleet, climate: d.climate, batteryKwh: d.batteryKwh, heatPump: d.heatPump, cutoffSocPct: d.cutoffSocPct, registered: d.registered, quirks: d.quirks });
    if (progress) process.stderr.write(`\rsimulated ${devices.length}/${options.devices} devices, ${rows} rows`);
  }
  if (progress) process.stderr.write('\n');
  const chargers = fleetChargers(sim);
  await writeFile(join(options.out, 'labels.json'), `${JSON.stringify(labels, null, 1)}\n`);
  await writeFile(join(options.out, 'legs.json'), `${JSON.stringify(legs, null, 1)}\n`);
  await writeFile(join(options.out, 'devices.json'), `${JSON.stringify(devices, null, 1)}\n`);
  const chargerLines = chargers.map((c) => `${csvText(c.chargerId)},${csvText(c.name)},${c.lat},${c.lon},${c.powerKw ?? ''}`);
  await writeFile(join(options.out, 'chargers.csv'), `charger_id,name,lat,lon,power_kw\n${chargerLines.join('\n')}\n`);
  const summary: SimulateSummary = {
    devices: devices.length,
    days: options.days,
    config: options.config ?? 'train',
    rows,
    breakdowns: labels.filter((l) => l.kind === 'breakdown').length,
    shortfalls: labels.filter((l) => l.kind === 'charge_shortfall').length,
    lookalikes: labels.filter((l) => l.kind === 'lookalike').length,
    legs: legs.length,
    chargers: chargers.length,
    out: options.out,
  };
  const line = options.json
    ? JSON.stringify(summary)
    : `simulated ${summary.devices} devices × ${summary.days} days: ${summary.rows} rows, ${summary.breakdowns} breakdowns, ${summary.shortfalls} charge shortfalls, ${summary.lookalikes} look-alikes, ${summary.legs} legs → ${summary.out}`;
  const ok = process.stdout.write(`${line}\n`);
  if (!ok) await once(process.stdout, 'drain');
  return summary;
}
