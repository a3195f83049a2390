import { BREAKDOWN_RULES, type BreakdownCandidate } from './breakdown-rules.ts';

/** What happens next is judged over this many minutes; a tow or a repair later never changes the score. */
const JUDGE_MIN = BREAKDOWN_RULES.judgeMs / 60_000;

/**
 * The fixed feature vector the breakdown model scores, one row per rules candidate. Order is the
 * model's input order: changing it (or a definition) means retraining (`npm run train`).
 * Missing channels become neutral values plus the `power_known` flag, so logs without power
 * (the twizy-rsk trips) still get a row. Nothing here looks further than 15 min past the stop:
 * the tow and the rest of the story are evidence for people, not input to the score.
 */
export const BREAKDOWN_FEATURES = [
  /** Speed at the moment propulsion was lost, kph. */
  'speed_at_loss_kph',
  /** State of charge at the moment, % (50 when unknown): running out of energy is a shortfall, not a breakdown. */
  'soc_at_loss_pct',
  /** Highest speed in the 90 s before that moment, kph: a breakdown happens while really driving. */
  'max_speed_before_kph',
  /** Mean deceleration from the moment to standstill, m/s² (coasting 0.3–1; braking 1.5–4; 0 if the data stopped first). */
  'decel_mps2',
  /** 1 when power was logged during the deceleration. */
  'power_known',
  /** Share of moving samples from the moment to standstill with |power| < 0.5 kW: no propulsion, no regen. */
  'coast_fraction',
  /** Share with power < −1 kW: regenerative braking, so the drivetrain still worked. */
  'regen_fraction',
  /** 1 when the state was 'off' while moving faster than 8 kph. */
  'off_while_moving',
  /** 1 for EV propulsion-system codes (P0Axx) within 2 min of the moment. */
  'powertrain_code',
  /** 1 for lost-communication / low-voltage codes (U0xxx, B13xx): a failing 12 V supply. */
  'low_voltage_code',
  /** log(1 + number of distinct fault codes) within 2 min of the moment. */
  'log_code_count',
  /** Pack temperature above 45 °C at its hottest around the moment, °C (0 if unknown or cooler). */
  'pack_temp_excess_c',
  /** Minutes standing still afterwards (until own-power movement or the end of data), capped at 15: the model never waits longer. */
  'rest_min',
  /** 1 when the data stopped while moving (a gap or the end of the log) rather than at standstill. */
  'data_stopped_moving',
  /** Minutes of that silence, capped at 15 (a silence still going on counts as 15). */
  'gap_min',
  /** 1 when the car moved on under its own power within 15 min of the stop. */
  'recovered_soon',
  /** Share of the samples in the first 15 min after the stop in state 'off' (a driver parking leaves it 'parked'). */
  'off_after_fraction',
] as const;

export const BREAKDOWN_FEATURE_COUNT = BREAKDOWN_FEATURES.length;

/** One candidate's row, in BREAKDOWN_FEATURES order. */
export function breakdownFeatureRow(c: BreakdownCandidate): number[] {
  const b = (v: boolean) => (v ? 1 : 0);
  return [
    c.speedAtLossKph,
    Number.isFinite(c.socAtLossPct) ? c.socAtLossPct : 50,
    c.maxSpeedBeforeKph,
    Math.max(-5, Math.min(10, c.decelMps2)),
    b(c.powerKnown),
    c.coastFraction,
    c.regenFraction,
    b(c.offWhileMoving),
    b(c.powertrainCode),
    b(c.lowVoltageCode),
    Math.log1p(c.codes.length),
    Number.isFinite(c.maxBatteryTempC) ? Math.max(0, c.maxBatteryTempC - 45) : 0,
    Math.min(JUDGE_MIN, c.restMs / 60_000),
    b(c.trigger !== 'stop'),
    c.trigger === 'data_end' ? JUDGE_MIN : Math.min(JUDGE_MIN, c.gapMs / 60_000),
    b(c.recovered && c.restMs <= BREAKDOWN_RULES.judgeMs),
    c.offAfterFraction,
  ];
}

/** Rows packed for a scorer: float32 [rows × BREAKDOWN_FEATURE_COUNT], row-major. */
export function packBreakdownFeatures(candidates: readonly BreakdownCandidate[]): Float32Array {
  const out = new Float32Array(candidates.length * BREAKDOWN_FEATURE_COUNT);
  candidates.forEach((c, i) => out.set(breakdownFeatureRow(c), i * BREAKDOWN_FEATURE_COUNT));
  return out;
}
