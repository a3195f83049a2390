/**
 * Why a moment was missed or a false alarm raised, case by case (diagnostics, not a score):
 *   node scripts/eval/explain-misses.ts --config train --seed 7 --devices 20 --days 3 [--only breakdown,stranding,legs,anomaly]
 * Phases: simulate the configuration → batch detection per device (as `npm run eval` does) →
 * for each missed breakdown, stranding not reported `stranded`, breakdown false alarm,
 * departure-short leg not warned at the unplug, normal leg warned and consumption anomaly outside
 * any moment: the label, the events near it, the breakdown rules' reasons for dropping the
 * candidates there, and the telemetry around it → one JSON line of counts.
 * Tune on `train` (another seed than the eval's); a held-out configuration is for measuring.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDetectors, MODELS_DIR } from '../../src/detect/load-detectors.ts';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { loadBreakdownScorer } from '../../src/models/onnx-breakdown-scorer.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { energyExhaustedAt } from '../../src/domain/detect/shortfall-exhaustion.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { DEFAULT_START_MS, fleetChargers, simulateDevices } from '../../src/simulate/simulate-fleet.ts';
import type { MomentLabel } from '../../src/simulate/moment-label.ts';
import { deviceFactsOf, detectAll } from './evaluate-config.ts';
import { LEG_WARN_BEFORE_DEPART_MS, indexAtOrAfter, matches, strandingsInData } from './score-detection.ts';

const { values: args } = parseArgs({
  options: { config: { type: 'string', default: 'train' }, seed: { type: 'string', default: '7' }, devices: { type: 'string', default: '20' }, days: { type: 'string', default: '3' }, only: { type: 'string' }, rows: { type: 'string', default: '12' } },
});
const only = new Set((args.only ?? 'breakdown,stranding,false_alarm,legs,anomaly').split(','));
// holdout-unseen is the honest generalisation figure only while nobody reads its cases: refused here.
if (args.config === 'holdout-unseen') {
  process.stderr.write("explain-misses: 'holdout-unseen' is never read case by case (its aggregate table in `npm run eval` is all that is looked at); explain misses on 'train' with another seed\n");
  process.exit(2);
}
const options = { seed: Number(args.seed), devices: Number(args.devices), days: Number(args.days), config: args.config };
const chargers = fleetChargers(options);
const windowEndMs = DEFAULT_START_MS + options.days * 86_400_000;
const detectors = await loadDetectors();
// Every rules candidate with its model score (threshold 0): a candidate the model turned down shows here.
const modelPath = join(MODELS_DIR, 'breakdown.onnx');
const allCandidates = createBreakdownDetector({ scorer: existsSync(modelPath) ? await loadBreakdownScorer(modelPath) : null, threshold: 0 });
const out = (s = '') => process.stdout.write(`${s}\n`);
const iso = (ms: number) => new Date(ms).toISOString().slice(5, 19);
const r1 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : 'nan');
const counts: Record<string, number> = {};
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

function rowsAround(s: TelemetrySeries, fromMs: number, toMs: number, max: number): void {
  const a = indexAtOrAfter(s, fromMs);
  const b = indexAtOrAfter(s, toMs);
  const step = Math.max(1, Math.ceil((b - a) / max));
  for (let i = a; i < b; i += step) {
    out(`      ${iso(s.tsMs[i]!)} v=${r1(s.speedKph[i]!)} p=${r1(s.powerKw[i]!)} soc=${r1(s.socPct[i]!)} T=${r1(s.batteryTempC[i]!)} out=${r1(s.outsideTempC[i]!)} st=${s.state[i]} codes=${(s.errorCodes[i] ?? []).join('|')}`);
  }
  if (b < s.length) out(`      next row ${iso(s.tsMs[b]!)} v=${r1(s.speedKph[b]!)} (gap ${((s.tsMs[b]! - s.tsMs[Math.max(a, b - 1)]!) / 1000).toFixed(0)} s)`);
  else out('      (series ends)');
}
const brief = (e: DetectedEvent) => `${e.kind}/${e.subkind} ${iso(e.startMs)} "${e.summary}" ${e.evidence.map((x) => `${x.signal}=${JSON.stringify(x.value)}`).join(' ')}`;

for (const sim of simulateDevices(options)) {
  const { series, deviceId } = sim.device;
  const device = deviceFactsOf(sim.device);
  const found = await detectAll(detectors, series, deviceId, chargers, { windowEndMs, ...(device ? { device } : {}) });
  const scored = await allCandidates.detect(series, { deviceId, chargers, fromMs: -8.64e15, nowMs: windowEndMs, ...(device ? { device } : {}) });
  const dropped: { startMs: number; reason: string; text: string }[] = [];
  findBreakdownCandidates(series, { nowMs: windowEndMs, device, onDropped: (c, reason) => dropped.push({ startMs: c.startMs, reason, text: `${c.trigger} at ${iso(c.startMs)} v=${r1(c.speedAtLossKph)} coast=${r1(c.coastFraction)} regen=${r1(c.regenFraction)} decel=${r1(c.decelMps2)} rest=${r1(c.restMs / 60_000)}min rec=${c.recovered} tow=${c.tow ? r1(c.tow.distanceKm) : '-'} codes=${c.codes.join('|')} standing=${c.standingCodes.join('|')} loadAfter=${r1(c.loadAfterStopKw)} gap=${r1(c.gapMs / 60_000)}min` }) });
  const header = (what: string, l: MomentLabel | null) =>
    out(`\n## ${what} ${deviceId} (${sim.device.model}, ${sim.device.batteryKwh} kWh, cutoff ${r1(sim.device.cutoffSocPct)}, ${device ? 'registered' : 'unregistered'}, wording ${sim.device.quirks.wording}, hb ${sim.device.quirks.parkedHeartbeatS}s, standing ${sim.device.quirks.standingCode})${l ? ` ${l.subkind} [${l.shapes.join(',')}] ${iso(l.startMs)}–${iso(l.endMs)}: ${l.note}` : ''}`);
  const near = (l: { startMs: number; endMs: number }) => found.filter((e) => e.startMs >= l.startMs - 10 * 60_000 && e.startMs <= l.endMs + 10 * 60_000);
  const inData = new Set(strandingsInData(sim.labels, sim.legs));
  for (const l of sim.labels) {
    const isBd = l.kind === 'breakdown';
    const hitBd = isBd && found.some((e) => e.kind === 'breakdown' && matches(e, l));
    const strand = inData.has(l);
    const hitStr = strand && found.some((e) => e.kind === 'charge_shortfall' && e.subkind === 'stranded' && matches(e, l));
    if ((isBd && !hitBd && only.has('breakdown')) || (strand && !hitStr && only.has('stranding'))) {
      bump(isBd ? `missed_${l.subkind}` : 'stranding_not_stranded');
      header(isBd ? 'MISSED BREAKDOWN' : 'STRANDING NOT STRANDED', l);
      for (const e of near(l)) out(`    event: ${brief(e)}`);
      if (isBd) for (const e of scored.filter((x) => matches(x, l))) out(`    candidate kept by the rules, model score ${e.score}: ${brief(e)}`);
      for (const d of dropped.filter((x) => x.startMs >= l.startMs - 5 * 60_000 && x.startMs <= l.endMs + 5 * 60_000)) out(`    dropped ${d.reason}: ${d.text}`);
      if (strand) {
        const leg = sim.legs.find((g) => g.strandedMs !== null && g.strandedMs >= l.startMs && g.strandedMs <= l.endMs)!;
        const i = indexAtOrAfter(series, leg.strandedMs! - 60_000);
        let k = i;
        while (k < series.length - 1 && series.speedKph[k]! > 2) k++;
        const ex = energyExhaustedAt(series, k, device);
        out(`    exhaustion at first still row ${iso(series.tsMs[k]!)}: ${JSON.stringify(ex)}`);
      }
      rowsAround(series, l.startMs - 4 * 60_000, l.startMs + 6 * 60_000, Number(args.rows));
    }
  }
  if (only.has('false_alarm')) {
    for (const e of found.filter((x) => x.kind === 'breakdown' && !sim.labels.some((l) => l.kind === 'breakdown' && matches(x, l)))) {
      bump('breakdown_false_alarm');
      const l = sim.labels.find((x) => matches(e, x)) ?? null;
      header(`BREAKDOWN FALSE ALARM (inside ${l ? `${l.kind}` : 'nothing'})`, l);
      out(`    event: ${brief(e)}`);
      rowsAround(series, e.startMs - 4 * 60_000, (e.endMs ?? e.startMs) + 4 * 60_000, Number(args.rows));
    }
  }
  if (only.has('legs')) {
    const warnings = found.filter((e) => e.subkind === 'predicted_shortfall');
    const shortfalls = sim.labels.filter((l) => l.kind === 'charge_shortfall');
    for (const leg of sim.legs) {
      const endMs = leg.strandedMs ?? leg.arriveMs ?? leg.departMs;
      const ws = warnings.filter((w) => w.startMs >= leg.departMs - LEG_WARN_BEFORE_DEPART_MS && w.startMs <= endMs);
      const normal = leg.arriveMs !== null && (leg.arriveSocPct ?? 0) >= 5 && !leg.departureShort && !shortfalls.some((s) => s.startMs <= leg.arriveMs! && s.endMs >= leg.departMs);
      const late = leg.departureShort && !ws.some((w) => w.startMs <= leg.departMs + 5 * 60_000);
      if (!(late || (normal && ws.length > 0))) continue;
      bump(late ? 'departure_short_late' : 'normal_leg_warned');
      out(`\n## ${late ? 'DEPARTURE-SHORT NOT WARNED AT UNPLUG' : 'NORMAL LEG WARNED'} ${deviceId} (${sim.device.model}, ${sim.device.batteryKwh} kWh, ${device ? 'registered' : 'unregistered'}) leg ${iso(leg.departMs)}→${iso(endMs)} ${r1(leg.distanceKm)} km soc ${r1(leg.departSocPct)}→${r1(leg.arriveSocPct ?? Number.NaN)} to ${leg.toChargerId} min ${leg.minOutsideTempC} °C ${leg.departureShort ? JSON.stringify(leg.departureShort) : ''}`);
      for (const w of ws) out(`    warning: ${brief(w)}`);
    }
  }
  if (only.has('anomaly')) {
    for (const e of found.filter((x) => x.kind === 'anomaly' && !sim.labels.some((l) => l.kind !== 'lookalike' && matches(x, l)))) {
      bump(`anomaly_outside_${e.subkind}`);
      header('ANOMALY OUTSIDE MOMENTS', sim.labels.find((l) => matches(e, l)) ?? null);
      out(`    event: ${brief(e)}`);
      // The road it judged: the consumption window reaches up to 45 min back.
      rowsAround(series, e.startMs - 30 * 60_000, e.startMs + 2 * 60_000, Number(args.rows));
    }
  }
}
out(JSON.stringify({ explain: 'misses', ...options, counts }));
