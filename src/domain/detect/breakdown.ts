import type { DetectedEvent, EvidenceItem } from '../events/detected-event.ts';
import { eventId } from '../events/event-id.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import type { Detector } from './detector.ts';
import { packBreakdownFeatures } from './breakdown-features.ts';
import { BREAKDOWN_RULES, breakdownWakeAtMs, findBreakdownCandidates, type BreakdownCandidate } from './breakdown-rules.ts';

/**
 * Scores feature rows (float32, row-major, BREAKDOWN_FEATURE_COUNT wide) with the probability of a
 * breakdown. The ONNX implementation lives in src/models so the domain never loads onnxruntime.
 */
export interface BreakdownScorer {
  score(features: Float32Array, rows: number): Promise<Float32Array>;
}

export interface BreakdownDetectorOptions {
  /** null: rules only — every candidate is reported with score null. */
  scorer: BreakdownScorer | null;
  /** Probability at or above which a candidate is a breakdown (default 0.5). */
  threshold?: number;
  /** Silence at speed after which a provisional breakdown is raised (default BREAKDOWN_RULES.silenceMs, 4 min). */
  silenceMs?: number;
}

export const BREAKDOWN_DETECTOR_NAME = 'breakdown@1';
/**
 * A candidate looks at most maxDropMs (15 min, the speed before a silence) before its moment, and
 * a quickly recovered stop up to relapseMs earlier can merge into it; 30 min covers both, so a
 * window starting lookbackMs before fromMs judges every moment like a full run.
 */
export const BREAKDOWN_LOOKBACK_MS = 30 * 60_000;

const SUMMARY: Record<BreakdownCandidate['subkind'], string> = {
  loss_of_propulsion: 'Lost propulsion while driving',
  shutdown: 'Shut down while driving',
  twelve_volt_failure: '12 V supply failed while driving',
  thermal_fault: 'Shut down on a battery over-temperature while driving',
};

/**
 * Breakdown detector, two stages:
 *   rules (candidate moments + what happens next) → features → model score (one batch) → events.
 */
export function createBreakdownDetector(options: BreakdownDetectorOptions): Detector {
  const threshold = options.threshold ?? 0.5;
  return {
    name: BREAKDOWN_DETECTOR_NAME,
    lookbackMs: BREAKDOWN_LOOKBACK_MS,
    async detect(series, ctx) {
      // Candidates before fromMs are context only; dropping them before scoring keeps the batch
      // (and so every score) the same for a full history and for a lookback window.
      const rules = { nowMs: ctx.nowMs, device: ctx.device, silenceMs: options.silenceMs };
      const candidates = findBreakdownCandidates(series, rules).filter((c) => c.startMs >= ctx.fromMs);
      if (candidates.length === 0) return [];
      const scores = options.scorer
        ? await options.scorer.score(packBreakdownFeatures(candidates), candidates.length)
        : null;
      const events: DetectedEvent[] = [];
      candidates.forEach((c, i) => {
        const score = scores ? roundScore(scores[i]!) : null;
        // A silence still going on (at speed, or right after a stop with 12 V codes) is judged by
        // the rules alone: the model has never seen what follows, and the alert that matters most
        // must not wait for it.
        // The model may only overrule a sign the rules inferred from the power channel: what the
        // car itself reported (off, codes, a hot or over-heating pack), a tow and a silence are
        // direct evidence a classifier fitted on a simulated fleet cannot outweigh.
        if (score !== null && score < threshold && VETOABLE.has(c.fault) && !c.tow && !c.silenceOngoing) return;
        events.push(toEvent(ctx.deviceId, series, c, score, threshold, options.silenceMs ?? BREAKDOWN_RULES.silenceMs));
      });
      return events;
    },
    wakeAtMs(series, ctx) {
      return breakdownWakeAtMs(series, { nowMs: ctx.nowMs, silenceMs: options.silenceMs });
    },
  };
}

/** Fault signs inferred from power and speed alone, which the model's score may veto. */
const VETOABLE: ReadonlySet<BreakdownCandidate['fault']> = new Set(['coast_down', 'braked_without_power']);

const FAULT_NOTE: Record<BreakdownCandidate['fault'], string> = {
  off_while_moving: 'the vehicle reported itself off while moving',
  codes: 'fault codes that were not there before the moment',
  hot_pack: `pack above ${BREAKDOWN_RULES.hotPackC} °C`,
  pack_heating: 'the pack heated faster than its heat capacity allows at the power it gave (thermal-precursor@1)',
  coast_down: `no propulsion and no regeneration (|power| < ${BREAKDOWN_RULES.zeroPowerKw} kW or neutral) while slowing from driving speed`,
  braked_without_power: `braked harder than ${BREAKDOWN_RULES.maxCoastDecelMps2} m/s² with neither propulsion nor regeneration although the pack could take regeneration (or then towed)`,
  silence_at_speed: 'the data stopped at speed and has not returned',
  towed_in_silence: 'the data stopped at speed and returned elsewhere with the wheels not having turned (towed)',
  stopped_in_silence: `the data stopped at ≥ ${BREAKDOWN_RULES.roadKph} kph and returned where the car could have rolled to without power: it stopped on the road`,
};

/** Six decimals: float32 noise below that must not turn into a changed event on re-detection. */
function roundScore(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

function toEvent(deviceId: string, series: TelemetrySeries, c: BreakdownCandidate, score: number | null, threshold: number, silenceMs: number): DetectedEvent {
  const R = BREAKDOWN_RULES;
  const evidence: EvidenceItem[] = [
    { signal: 'speed_kph', value: round(c.speedAtLossKph, 1), threshold: R.drivingKph, atMs: c.startMs, note: `speed when propulsion was lost (max ${round(c.maxSpeedBeforeKph, 1)} kph in the ${R.approachMs / 1000} s before)` },
  ];
  if (c.trigger === 'stop') {
    evidence.push({ signal: 'decel_mps2', value: round(c.decelMps2, 2), atMs: series.tsMs[c.stopIndex]!, note: 'mean deceleration to standstill' });
    if (c.powerKnown) evidence.push({ signal: 'power_kw', value: round(c.coastFraction, 2), threshold: R.coastFraction, note: `share of the deceleration with |power| < ${R.zeroPowerKw} kW (no propulsion)` });
  }
  if (c.offWhileMoving) evidence.push({ signal: 'state', value: 'off', threshold: `speed > ${R.ownPowerKph} kph`, note: 'vehicle off while moving' });
  if (c.codes.length > 0) evidence.push({ signal: 'error_codes', value: c.codes.join(','), note: `fault codes within ${R.codeWindowMs / 1000} s of the moment` });
  if (Number.isFinite(c.maxBatteryTempC) && c.maxBatteryTempC >= R.hotPackC) evidence.push({ signal: 'battery_temp_c', value: round(c.maxBatteryTempC, 1), threshold: R.hotPackC });
  if (c.trigger === 'data_gap') evidence.push({ signal: 'data_gap_min', value: round(c.gapMs / 60_000, 1), threshold: R.gapMs / 60_000, atMs: series.tsMs[c.stopIndex]!, note: 'data stopped while moving and did not resume at driving speed' });
  if (c.trigger === 'data_end' && c.silenceMs > 0) {
    evidence.push({ signal: 'silence_min', value: round(c.silenceMs / 60_000, 1), threshold: round((silenceMs) / 60_000, 1), atMs: series.tsMs[c.stopIndex]!, note: `no data since the last row at ${round(c.speedAtLossKph, 0)} kph (judged at ${new Date(series.tsMs[c.stopIndex]! + c.silenceMs).toISOString()})` });
    evidence.push({ signal: 'provisional', value: true, note: 'withdrawn if the data returns with the car still driving further on, confirmed if it returns standing or towed' });
  } else if (c.trigger === 'data_end') evidence.push({ signal: 'data_end', value: true, atMs: series.tsMs[c.stopIndex]!, note: 'data stopped while moving' });
  if (c.silenceOngoing) {
    evidence.push({ signal: 'silence_min', value: round(c.silenceAfterStopMs / 60_000, 1), threshold: round(silenceMs / 60_000, 1), atMs: series.tsMs[series.length - 1]!, note: 'no data since just after the stop' });
    evidence.push({ signal: 'provisional', value: true, note: 'withdrawn if the data returns within a dropout\'s length, confirmed if the unit stays silent or the car is towed' });
  }
  if (c.standingCodes.length > 0) evidence.push({ signal: 'standing_codes', value: c.standingCodes.join(','), note: 'present before the moment (before this drive or on most rows of the previous 30 min): context, not evidence' });
  evidence.push({ signal: 'fault_sign', value: c.fault, note: FAULT_NOTE[c.fault] });
  evidence.push({ signal: 'rest_min', value: round(c.restMs / 60_000, 1), threshold: R.minRestMs / 60_000, note: c.recovered ? 'stood still, then moved on under its own power' : 'did not move on under its own power' });
  if (c.tow) evidence.push({ signal: 'tow', value: round(c.tow.distanceKm, 2), threshold: R.towKm, atMs: c.tow.startMs, note: `moved ${round(c.tow.distanceKm, 2)} km with the wheels at 0 until ${new Date(c.tow.endMs).toISOString()}` });
  if (score !== null) evidence.push({ signal: 'model_score', value: score, threshold });
  return {
    eventId: eventId(deviceId, 'breakdown', c.subkind, c.startMs),
    deviceId,
    kind: 'breakdown',
    subkind: c.subkind,
    severity: 'critical',
    detector: BREAKDOWN_DETECTOR_NAME,
    startMs: c.startMs,
    endMs: c.endMs,
    lat: c.lat,
    lon: c.lon,
    summary: `${c.fault === 'silence_at_speed' ? 'Provisional: data lost at speed, possible breakdown' : c.silenceOngoing ? 'Provisional: 12 V fault codes, then no data since the stop' : SUMMARY[c.subkind]} at ${round(c.speedAtLossKph, 0)} kph${c.tow ? `, towed ${round(c.tow.distanceKm, 1)} km` : ''}`,
    score,
    evidence,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
