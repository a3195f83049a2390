/**
 * Detection evaluation: `npm run eval [-- --devices N --days N]`.
 * Phases: simulate a labelled fleet (seed 2; the models were trained and the thresholds tuned on
 * seed 1) device by device → batch detection in-process on each device's whole series (the
 * detectors the service loads, no store in between) → score moments, delays and predictive
 * warnings → the Model S 2013 fixture → every real twizy-rsk trip → one JSON line of all figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseChargersCsv } from '../../src/chargers/parse-chargers-csv.ts';
import { loadDetectors } from '../../src/detect/load-detectors.ts';
import type { Detector } from '../../src/domain/detect/detector.ts';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import type { LegLabel, MomentLabel } from '../../src/simulate/moment-label.ts';
import { fleetChargers, simulateDevices } from '../../src/simulate/simulate-fleet.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { drivingHours, firstSeenMs, MATCH_SLACK_MS, matches, scoreKind, scorePredictive } from './score-detection.ts';

const ROOT = join(import.meta.dirname, '../..');
const { values: args } = parseArgs({ options: { devices: { type: 'string', default: '100' }, days: { type: 'string', default: '7' }, seed: { type: 'string', default: '2' } } });
const SEED = Number(args.seed);
const DEVICES = Number(args.devices);
const DAYS = Number(args.days);
const iso = (ms: number | null) => (ms === null ? '…' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));
const out = (line = '') => process.stdout.write(`${line}\n`);

async function runAll(detectors: readonly Detector[], series: TelemetrySeries, deviceId: string, chargers: readonly Charger[]): Promise<DetectedEvent[]> {
  const events: DetectedEvent[] = [];
  for (const d of detectors) events.push(...(await d.detect(series, { deviceId, chargers, fromMs: -8.64e15 })));
  return events.sort((a, b) => a.startMs - b.startMs);
}

const warnings: string[] = [];
const detectors = await loadDetectors({ onWarning: (m) => warnings.push(m) });
const byName = new Map(detectors.map((d) => [d.name, d]));
out(`Detection evaluation — simulated fleet seed ${SEED} (the breakdown model was trained and thresholds tuned on seed 1), ${DEVICES} devices × ${DAYS} days`);
out(`Mode: batch detection in-process on each device's whole simulated series (no store); detectors: ${detectors.map((d) => d.name).join(', ')}`);
for (const w of warnings) out(`warning: ${w}`);

// ── simulated fleet ────────────────────────────────────────────────────────────────────────────
const t0 = performance.now();
const chargers = fleetChargers({ seed: SEED, devices: DEVICES, days: DAYS });
const labels: MomentLabel[] = [];
const legs: LegLabel[] = [];
const events: DetectedEvent[] = [];
const delays: Record<'breakdown' | 'charge_shortfall', number[]> = { breakdown: [], charge_shortfall: [] };
let rows = 0;
let hours = 0;
let detectMs = 0;
for (const run of simulateDevices({ seed: SEED, devices: DEVICES, days: DAYS })) {
  const { series, deviceId } = run.device;
  rows += series.length;
  hours += drivingHours(series);
  labels.push(...run.labels);
  legs.push(...run.legs);
  const t = performance.now();
  const found = await runAll(detectors, series, deviceId, chargers);
  detectMs += performance.now() - t;
  events.push(...found);
  // Delay: from the labelled start to the first moment live detection would have reported it.
  for (const e of found) {
    if ((e.kind !== 'breakdown' && e.kind !== 'charge_shortfall') || e.subkind === 'predicted_shortfall') continue;
    const label = run.labels.find((l) => l.kind === e.kind && matches(e, l));
    if (!label) continue;
    const seen = await firstSeenMs(byName.get(e.detector)!, series, e, chargers);
    if (seen !== null) delays[e.kind].push(Math.max(0, seen - label.startMs) / 1000);
  }
}
const deviceDays = DEVICES * DAYS;
const count = (kind: string) => labels.filter((l) => l.kind === kind).length;
out(`Simulated ${deviceDays} device-days, ${rows.toLocaleString('en')} rows, ${hours.toFixed(0)} driving hours, ${count('breakdown')} breakdowns, ${count('charge_shortfall')} shortfalls, ${count('lookalike')} look-alikes, ${legs.length} legs (${((performance.now() - t0) / 1000).toFixed(0)} s; detection ${(detectMs / 1000).toFixed(1)} s)`);
out();
const kinds = { breakdown: scoreKind('breakdown', labels, events, hours, delays.breakdown), charge_shortfall: scoreKind('charge_shortfall', labels, events, hours, delays.charge_shortfall) };
out('kind               labels  found  recall    events  precision  false/1000 h  median delay  look-alikes hit');
for (const [kind, s] of Object.entries(kinds)) {
  out(`${kind.padEnd(18)} ${String(s.labels).padStart(6)} ${String(s.found).padStart(6)}  ${pct(s.recall).padStart(7)}  ${String(s.events).padStart(7)}  ${pct(s.precision).padStart(9)}  ${num(s.falseAlarmsPer1000DrivingHours).padStart(12)}  ${(s.medianDetectionDelayS === null ? 'n/a' : `${s.medianDetectionDelayS.toFixed(0)} s`).padStart(12)}  ${String(s.lookalikesTriggered).padStart(15)}`);
}
out('(recall counts any event of the kind inside the labelled moment; precision and false alarms leave predictive warnings out — they are scored on legs below)');
const bySubkind: Record<string, { labels: number; found: number }> = {};
for (const l of labels.filter((x) => x.kind !== 'lookalike')) {
  const k = `${l.kind}/${l.subkind}`;
  bySubkind[k] ??= { labels: 0, found: 0 };
  bySubkind[k].labels++;
  if (events.some((e) => e.kind === l.kind && matches(e, l))) bySubkind[k].found++;
}
out(`recall by subkind: ${Object.entries(bySubkind).map(([k, v]) => `${k} ${v.found}/${v.labels}`).join(', ')}`);
const predictive = scorePredictive(legs, events);
out();
out(`Predictive shortfall: ${predictive.strandedWarned10Min}/${predictive.strandedLegs} stranded legs warned ≥ 10 min before stranding (${pct(predictive.shareStrandedWarned10Min)}), median lead ${num(predictive.medianLeadTimeMin, 1)} min; ${predictive.arrivingWarned}/${predictive.arrivingLegs} arriving legs warned (${pct(predictive.shareArrivingWarned)})`);
const anomalies: Record<string, number> = {};
for (const e of events.filter((x) => x.kind === 'anomaly')) anomalies[e.subkind] = (anomalies[e.subkind] ?? 0) + 1;
const anomaliesAtMoments = events.filter((e) => e.kind === 'anomaly' && labels.some((l) => l.kind !== 'lookalike' && matches(e, l))).length;
const anomalyTotal = Object.values(anomalies).reduce((a, b) => a + b, 0);
out(`Channel anomalies: ${anomalyTotal} (${Object.entries(anomalies).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), ${((anomalyTotal / hours) * 1000).toFixed(1)} per 1,000 driving hours, ${anomaliesAtMoments} inside a labelled breakdown or shortfall`);

// ── Model S 2013 fixture ───────────────────────────────────────────────────────────────────────
out();
const store = await TelemetryStore.open(':memory:');
const msDir = join(ROOT, 'fixtures/model-s-2013');
let modelS: Record<string, unknown> | null = null;
try {
  readdirSync(msDir);
  await ingest(store, { input: { path: join(msDir, 'telemetry.csv.gz') }, format: 'csv', source: 'model-s', deviceId: 'model-s-2013' });
  const msChargers = parseChargersCsv(readFileSync(join(msDir, 'chargers.csv'), 'utf8')).chargers;
  const series = await store.withConnection((c) => readSeries(c, { deviceId: 'model-s-2013' }));
  const found = await runAll(detectors, series, 'model-s-2013', msChargers);
  const msLabels = JSON.parse(readFileSync(join(msDir, 'labels.json'), 'utf8')) as { kind: string; subkind: string; start: string; end: string; warnBy?: string }[];
  out(`Model S 2013 fixture (${series.length} rows): ${found.length} events`);
  for (const e of found) out(`  ${iso(e.startMs)} → ${iso(e.endMs)}  ${e.severity.padEnd(8)} ${e.kind}/${e.subkind}  ${e.summary}`);
  const labelResults = msLabels.map((l) => {
    const start = Date.parse(l.start);
    const end = Date.parse(l.end);
    const hit = found.find((e) => e.kind === l.kind && e.startMs >= start - MATCH_SLACK_MS && e.startMs <= end + MATCH_SLACK_MS);
    const warnBy = l.warnBy ? Date.parse(l.warnBy) : null;
    const warned = warnBy === null ? null : found.some((e) => e.subkind === 'predicted_shortfall' && e.startMs >= start - 60 * 60_000 && e.startMs <= warnBy);
    out(`  label ${l.kind}/${l.subkind} ${l.start}: ${hit ? `found (${hit.subkind} at ${iso(hit.startMs)})` : 'missed'}${warnBy === null ? '' : `; warned by ${l.warnBy}: ${warned ? 'yes' : 'no'}`}`);
    return { kind: l.kind, subkind: l.subkind, found: Boolean(hit), warnedInTime: warned };
  });
  modelS = { events: found.map((e) => ({ kind: e.kind, subkind: e.subkind, startMs: e.startMs })), labels: labelResults, norwichWarnedBeforeLeg: labelResults.find((l) => l.subkind === 'cold_departure')?.warnedInTime ?? null };
} catch (err) {
  out(`Model S 2013 fixture: not evaluated (${(err as Error).message})`);
}

// ── real twizy-rsk trips ───────────────────────────────────────────────────────────────────────
out();
const twDir = join(ROOT, 'fixtures/twizy-rsk');
const twizy: Record<string, string[]> = {};
for (const file of readdirSync(twDir).filter((f) => /\.csv(\.gz)?$/.test(f)).sort()) {
  await ingest(store, { input: { path: join(twDir, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' });
  const series = await store.withConnection((c) => readSeries(c, { deviceId: file }));
  const found = await runAll(detectors, series, file, []);
  twizy[file] = found.map((e) => `${e.kind}/${e.subkind}@${iso(e.startMs)}`);
  out(`twizy-rsk ${file.padEnd(22)} ${String(series.length).padStart(6)} rows: ${found.length ? found.map((e) => `${e.kind}/${e.subkind} at ${iso(e.startMs)}`).join('; ') : 'nothing'}`);
}
await store.close();
const twizyEvents = Object.values(twizy).reduce((n, v) => n + v.length, 0);

const targets = {
  breakdownRecallAtLeast098: (kinds.breakdown.recall ?? 0) >= 0.98,
  breakdownFalseAlarmsAtMost1Per1000h: kinds.breakdown.falseAlarmsPer1000DrivingHours <= 1,
  strandedWarned10MinAtLeast90pct: (predictive.shareStrandedWarned10Min ?? 0) >= 0.9,
  arrivingWarnedAtMost5pct: predictive.shareArrivingWarned !== null && predictive.shareArrivingWarned <= 0.05,
  modelSNorwichWarnedBeforeLeg: modelS?.norwichWarnedBeforeLeg === true,
  nothingOnTwizy: twizyEvents === 0,
};
out();
out(`Targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join(', ')}`);
out(JSON.stringify({
  eval: 'detection', seed: SEED, trainingSeed: 1, mode: 'in-process batch', devices: DEVICES, days: DAYS, deviceDays, rows, drivingHours: Math.round(hours),
  labels: { breakdown: count('breakdown'), charge_shortfall: count('charge_shortfall'), lookalike: count('lookalike'), legs: legs.length },
  detectors: detectors.map((d) => d.name), warnings, kinds, recallBySubkind: bySubkind, predictive, anomalies: { total: anomalyTotal, bySubkind: anomalies, insideLabelledMoments: anomaliesAtMoments },
  modelS, twizy: { events: twizyEvents, byTrip: twizy }, targets,
}));
