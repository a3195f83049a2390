/**
 * One configuration through the path real data takes, so format problems show: the fleet written
 * as the project's CSV files (one DEVICE.csv.gz each, as `telltale simulate` writes them) →
 * `telltale chargers import` → `telltale ingest` into a DuckDB file → `telltale detect --all
 * --json` (the service's clock is "now": every series' end is long past) → the same scoring as
 * in-process. No device facts are registered (the CLI has no devices command), and detection
 * delays are not measured; thermal lead times use each event's start (the row that proved it).
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { seriesToCsv } from '../../src/simulate/series-to-csv.ts';
import { fleetChargers, simulateDevices } from '../../src/simulate/simulate-fleet.ts';
import type { ConfigRun, ScoredFleet } from './evaluate-config.ts';
import { drivingHours, isThermalFlag } from './score-detection.ts';

const run = promisify(execFile);

/** What the CLI reported: ingest and charger import counts (rejections and their first errors). */
export interface CliSummary {
  ingest: { accepted: number; duplicates: number; rejected: number; errors: unknown[] };
  chargers: { created: number; updated: number; rejected: number; errors: unknown[] };
}
const csvText = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function runConfigViaCli(root: string, cfg: ConfigRun): Promise<ScoredFleet & { cli: CliSummary }> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), `telltale-eval-${cfg.config}-`));
  const db = join(dir, 'eval.duckdb');
  const cli = (...args: string[]) => run(process.execPath, [join(root, 'src/cli/main.ts'), ...args], { cwd: root, maxBuffer: 1 << 30, env: { ...process.env, TELLTALE_DB: db } });
  const options = { seed: cfg.seed, devices: cfg.devices, days: cfg.days, config: cfg.config };
  const out: ScoredFleet = { run: cfg, rows: 0, hours: 0, labels: [], legs: [], events: [], breakdownDelaysS: [], thermalLeadsS: [], seconds: 0, detectSeconds: 0 };
  try {
    const csvDir = join(dir, 'fleet');
    await writeFile(join(dir, 'chargers.csv'), `charger_id,name,lat,lon,power_kw\n${fleetChargers(options).map((c) => `${csvText(c.chargerId)},${csvText(c.name)},${c.lat},${c.lon},${c.powerKw ?? ''}`).join('\n')}\n`);
    await mkdir(csvDir);
    for (const sim of simulateDevices(options)) {
      const d = sim.device;
      await pipeline(Readable.from(seriesToCsv(d.deviceId, d.series)), createGzip({ level: 1 }), createWriteStream(join(csvDir, `${d.deviceId}.csv.gz`)));
      out.rows += d.series.length;
      out.hours += drivingHours(d.series);
      out.labels.push(...sim.labels);
      out.legs.push(...sim.legs);
    }
    const files = (await readdir(csvDir)).sort().map((f) => join(csvDir, f));
    const chargers = JSON.parse((await cli('chargers', 'import', join(dir, 'chargers.csv'), '--json')).stdout) as CliSummary['chargers'];
    const ingest = JSON.parse((await cli('ingest', ...files, '--json')).stdout) as CliSummary['ingest'];
    const t = performance.now();
    const detected = JSON.parse((await cli('detect', '--all', '--json')).stdout) as { events: DetectedEvent[] };
    out.detectSeconds = (performance.now() - t) / 1000;
    out.events = detected.events;
    for (const l of out.labels.filter((x) => x.subkind === 'thermal_fault' && x.shutdownMs !== undefined)) {
      const flags = out.events.filter((e) => e.deviceId === l.deviceId && isThermalFlag(e) && e.startMs >= l.startMs - 30 * 60_000 && e.startMs <= l.endMs);
      const first = flags.reduce((m, e) => Math.min(m, e.startMs), Infinity);
      out.thermalLeadsS.push(Number.isFinite(first) ? (l.shutdownMs! - first) / 1000 : null);
    }
    out.seconds = (performance.now() - t0) / 1000;
    const first = (xs: unknown[]) => xs.slice(0, 5);
    return { ...out, cli: { ingest: { accepted: ingest.accepted, duplicates: ingest.duplicates, rejected: ingest.rejected, errors: first(ingest.errors) }, chargers: { created: chargers.created, updated: chargers.updated, rejected: chargers.rejected, errors: first(chargers.errors) } } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
