/**
 * Detection evaluation on held-out simulator configurations:
 *   npm run eval                                   # every held-out configuration at its default size
 *   npm run eval -- --config holdout-cold --devices 10 --days 2   # a quick run of one
 *   npm run eval -- --via-cli --config holdout-cold                # through CSV files, ingest and detect --all
 *   npm run eval -- --no-facts --config holdout-cold               # in-process, no device's facts registered (as on the CLI path)
 * Phases: load the detectors the service loads → per configuration (never used for fitting or
 * thresholds: the models are fitted and tuned on `train`): simulate, detect in-process, score per
 * kind and per shape (evaluate-config.ts) → the Model S 2013 fixture and every real twizy-rsk
 * trip (real-fixtures.ts) → a targets table beside the issue's targets → one JSON line.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDetectors } from '../../src/detect/load-detectors.ts';
import { HELD_OUT_CONFIG_NAMES, simulatorConfig, TRAIN_CONFIG_NAME } from '../../src/simulate/simulator-configs.ts';
import { runConfig, scoreFleet, type ConfigReport, type ConfigRun } from './evaluate-config.ts';
import { targetRows, type TargetRow } from './eval-targets.ts';
import { runConfigViaCli, type CliSummary } from './evaluate-via-cli.ts';
import { runRealChecks } from './real-fixtures.ts';

const ROOT = join(import.meta.dirname, '../..');
/** Default sizes and seeds: like the independent fleet (70 + 40 devices × 3 days, mixed and cold), seeds never used for training. */
const DEFAULT_RUNS: Record<string, { seed: number; devices: number; days: number }> = {
  'holdout-mixed': { seed: 1101, devices: 70, days: 3 },
  'holdout-cold': { seed: 1202, devices: 40, days: 3 },
  // Like the independent fleet's size; its own seed. Never read while changing rules.
  'holdout-unseen': { seed: 1303, devices: 70, days: 3 },
  train: { seed: 2, devices: 40, days: 3 },
};

const { values: args } = parseArgs({
  options: { config: { type: 'string', multiple: true }, devices: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' }, 'skip-real': { type: 'boolean', default: false }, 'via-cli': { type: 'boolean', default: false }, 'no-facts': { type: 'boolean', default: false } },
});
const names = (args.config ?? [...HELD_OUT_CONFIG_NAMES]).flatMap((c) => c.split(',')).filter(Boolean);
const runs: ConfigRun[] = names.map((config) => {
  simulatorConfig(config);
  const d = DEFAULT_RUNS[config] ?? { seed: 3, devices: 40, days: 3 };
  return { config, seed: args.seed ? Number(args.seed) : d.seed, devices: args.devices ? Number(args.devices) : d.devices, days: args.days ? Number(args.days) : d.days, noFacts: args['no-facts'] };
});
const out = (line = '') => process.stdout.write(`${line}\n`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const fracs = (rec: Record<string, { labels: number; found: number }>) =>
  Object.entries(rec)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v.found}/${v.labels}`)
    .join(', ') || 'none';

const warnings: string[] = [];
const detectors = await loadDetectors({ onWarning: (m) => warnings.push(m) });
out(`Detection evaluation on held-out simulator configurations (models fitted and thresholds tuned on '${TRAIN_CONFIG_NAME}' only)`);
const viaCli = args['via-cli'];
out(
  viaCli
    ? `Mode: the real path — each fleet written as the project's CSV files, \`telltale chargers import\`, \`telltale ingest\` into a DuckDB file, \`telltale detect --all --json\` (no device facts registered; no delay measurement); detectors: ${detectors.map((d) => d.name).join(', ')}`
    : `Mode: batch detection in-process on each device's whole simulated series (no store), "now" = the end of the window, ${args['no-facts'] ? 'no device facts' : "registered devices' facts"}; detectors: ${detectors.map((d) => d.name).join(', ')}`,
);
for (const w of warnings) out(`warning: ${w}`);

const reports: ConfigReport[] = [];
for (const run of runs) {
  if (run.config === TRAIN_CONFIG_NAME) out(`note: '${TRAIN_CONFIG_NAME}' is the fitting configuration — its figures say nothing about generalisation`);
  const fleet = viaCli ? await runConfigViaCli(ROOT, run) : await runConfig(detectors, run);
  const report = { ...scoreFleet(fleet), ...('cli' in fleet ? { cli: (fleet as { cli: CliSummary }).cli } : {}) };
  reports.push(report);
  const c = simulatorConfig(run.config);
  out();
  out(`== ${run.config} (seed ${run.seed}, ${run.devices} devices × ${run.days} days): ${c.description}`);
  out(`   ${report.rows.toLocaleString('en')} rows, ${report.drivingHours} driving h; ${report.labels.breakdown} breakdowns, ${report.labels.charge_shortfall} shortfalls (${report.strandings.labels} strandings), ${report.labels.lookalike} look-alikes, ${report.labels.legs} legs (${report.departures.departureShortLegs} departure-short); ${report.seconds} s (detection ${report.detectSeconds} s)`);
  if ('cli' in fleet) {
    const cli = (fleet as { cli: CliSummary }).cli;
    out(`   CLI: chargers import ${JSON.stringify(cli.chargers)}; ingest ${JSON.stringify(cli.ingest)}`);
  }
  out(`   breakdown recall by kind: ${fracs(report.breakdown.bySubkind)}`);
  out(`   breakdown recall by shape: ${fracs(report.breakdown.byShape)}`);
  out(`   breakdowns: ${report.breakdown.events} events, precision ${pct(report.breakdown.precision)}, median detection delay ${report.breakdown.medianDetectionDelayS === null ? 'n/a' : `${report.breakdown.medianDetectionDelayS.toFixed(0)} s`}`);
  const cf = report.confusion;
  out('   breakdown/stranding confusion (truth → events inside the moment):   breakdown  stranded  both  neither');
  out(`     breakdown ${String(cf.breakdown.breakdown).padStart(60)} ${String(cf.breakdown.stranded).padStart(9)} ${String(cf.breakdown.both).padStart(5)} ${String(cf.breakdown.neither).padStart(8)}`);
  out(`     stranding ${String(cf.stranding.breakdown).padStart(60)} ${String(cf.stranding.stranded).padStart(9)} ${String(cf.stranding.both).padStart(5)} ${String(cf.stranding.neither).padStart(8)}`);
  out(`   strandings reported as stranded, by kind and shape: ${fracs(report.strandings.byShape)}`);
  out(`   charge shortfall recall by kind (any shortfall event): ${fracs(report.shortfall.bySubkind)}; ${report.shortfall.events} events, false alarms ${report.shortfall.falseAlarmsPer1000DrivingHours.toFixed(2)} / 1,000 h`);
  out(`   departure warnings: median first warning ${report.departures.medianFirstWarningAfterDepartureMin === null ? 'n/a' : `${report.departures.medianFirstWarningAfterDepartureMin.toFixed(1)} min`} after departure; all stranded legs warned ≥ 10 min: ${report.strandedLegs.strandedWarned10Min}/${report.strandedLegs.strandedLegs}`);
  out(`   thermal: ${report.thermal.faults} faults, median lead before shutdown ${report.thermal.medianLeadS === null ? 'n/a' : `${report.thermal.medianLeadS.toFixed(0)} s`}`);
  out(`   anomalies: ${report.anomalies.total} (${Object.entries(report.anomalies.bySubkind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}); outside any moment: ${Object.entries(report.anomalies.outsideMoments).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  out(`   look-alikes that fired: ${Object.entries(report.lookalikes.bySubkind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
}

const real = args['skip-real'] ? null : await runRealChecks(ROOT, detectors);
out();
for (const line of real?.lines ?? ['Model S and twizy-rsk checks skipped (--skip-real)']) out(line);

// ── the targets table ─────────────────────────────────────────────────────────────────────────
const rowsBy = reports.map((r) => targetRows(r));
const measureW = 52;
const colW = Math.max(26, ...rowsBy.flat().map((x) => x.figure.length + 6));
out();
out(`${'measure'.padEnd(measureW)} ${reports.map((r) => r.config.padEnd(colW)).join(' ')} target`);
const mark = (x: TargetRow) => (x.met === null ? '' : x.met ? ' ✓' : ' ✗');
for (let i = 0; i < (rowsBy[0]?.length ?? 0); i++) {
  out(`${rowsBy[0]![i]!.measure.padEnd(measureW)} ${rowsBy.map((rows) => `${rows[i]!.figure}${mark(rows[i]!)}`.padEnd(colW)).join(' ')} ${rowsBy[0]![i]!.target}`);
}
const norwich = real?.modelS?.norwichWarnedBeforeLeg ?? null;
const modelSOk = real?.modelS ? real.modelS.allLabelsFound && norwich === true : null;
out(`${'Model S 2013: labels found, Norwich warned before the leg'.padEnd(measureW)} ${real?.modelS ? `${real.modelS.labels.filter((l) => l.found).length}/${real.modelS.labels.length} found, Norwich ${norwich ? 'warned' : 'NOT warned'}${modelSOk ? ' ✓' : ' ✗'}` : 'n/a'}  as now`);
out(`${'twizy-rsk real trips: events'.padEnd(measureW)} ${real ? `${real.twizy.events}${real.twizy.events === 0 ? ' ✓' : ' ✗'}` : 'n/a'}  0`);
out('(✓ met, ✗ not met; rows without a mark are parts of the recall above)');

const targets: Record<string, Record<string, boolean | null>> = {};
reports.forEach((r, k) => {
  targets[r.config] = Object.fromEntries(rowsBy[k]!.filter((x) => x.met !== null).map((x) => [x.measure, x.met]));
});
const allMet = Object.values(targets).every((t) => Object.values(t).every((m) => m !== false)) && modelSOk !== false && (real?.twizy.events ?? 0) === 0;
out(
  JSON.stringify({
    eval: 'detection',
    mode: viaCli ? 'csv files → telltale ingest → telltale detect --all' : args['no-facts'] ? 'in-process batch, no device facts' : 'in-process batch',
    trainingConfig: TRAIN_CONFIG_NAME,
    detectors: detectors.map((d) => d.name),
    warnings,
    configs: reports,
    modelS: real?.modelS ?? null,
    twizy: real?.twizy ?? null,
    targets,
    allTargetsMet: allMet,
  }),
);
