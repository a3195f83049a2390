import type { TelemetrySeries } from '../telemetry-series.ts';
import { positionNear } from './breakdown-aftermath.ts';
import { LOW_VOLTAGE_CODE, POWERTRAIN_CODE, THERMAL_CODE, standingCodes, stateClass } from './breakdown-signals.ts';

/** The thresholds measureMoment reads (BREAKDOWN_RULES has them). */
export interface MomentRules {
  ownPowerKph: number;
  approachMs: number;
  maxCoastMs: number;
  zeroPowerKw: number;
  regenKw: number;
  gapMs: number;
  maxDropMs: number;
  codeWindowMs: number;
}

export type MomentTrigger = 'stop' | 'data_gap' | 'data_end';

/** What the rules measure up to the stop (or the last row before the silence). */
export interface Moment {
  /** Index and time of the moment propulsion was lost / the car shut down. */
  anchorIndex: number;
  startMs: number;
  lat: number | null;
  lon: number | null;
  speedAtLossKph: number;
  /** State of charge at the moment (NaN if unknown): an empty battery is a shortfall, not a breakdown. */
  socAtLossPct: number;
  maxSpeedBeforeKph: number;
  decelMps2: number;
  powerKnown: boolean;
  powerSamples: number;
  /** Median seconds between the rows of the approach (1 at 1 Hz; a batched or throttled modem sends every 2–15 s). */
  sampleIntervalS: number;
  /** How much speed the car lost over the run the power fractions cover, kph (a coast-down slows; a downhill at 0 kW does not). */
  powerlessDropKph: number;
  coastFraction: number;
  regenFraction: number;
  offWhileMoving: boolean;
  /** Codes of the moment, without the standing ones. */
  codes: string[];
  /** Codes that were there before the moment (context, not evidence). */
  standingCodes: string[];
  powertrainCode: boolean;
  lowVoltageCode: boolean;
  thermalCode: boolean;
  maxBatteryTempC: number;
  /** Pack temperature at the moment (NaN unknown): a cold pack cannot take regeneration. */
  batteryTempAtLossC: number;
}

const finite = (v: number) => Number.isFinite(v);

/**
 * Rule 2: walk back through the final deceleration (speed not rising) to where propulsion went,
 * and measure the moment: power, state, fault codes without the standing ones, pack temperature.
 */
export function measureMoment(series: TelemetrySeries, trigger: MomentTrigger, stopIndex: number, R: MomentRules): Moment {
  const { tsMs, speedKph, powerKw, state } = series;
  const stopMs = tsMs[stopIndex]!;
  // Only the power says whether propulsion was there: real drivers coast in neutral (the
  // twizy-rsk logs show N at speed on thousands of rows), so a gear word proves nothing.
  const noPropulsion = (k: number) => finite(powerKw[k]!) && Math.abs(powerKw[k]!) < R.zeroPowerKw;

  let decelStart = stopIndex;
  while (decelStart > 0 && stopMs - tsMs[decelStart - 1]! <= R.maxCoastMs) {
    const a = speedKph[decelStart - 1]!;
    const b = speedKph[decelStart]!;
    if (!finite(a) || tsMs[decelStart]! - tsMs[decelStart - 1]! > R.gapMs) break;
    if (finite(b) && a < b - 0.5) break;
    decelStart--;
  }
  // The moment of loss: where propulsion went (power ≈ 0, neutral or off while moving), else the
  // first fault code of the deceleration, else where the speed began to fall.
  // Codes that were there before this deceleration are context, never the moment's evidence.
  const standing = standingCodes(series, decelStart);
  const fresh = (k: number) => (series.errorCodes[k] ?? []).some((c) => !standing.has(c));
  let anchor = stopIndex;
  if (trigger === 'stop') {
    let sign = Number.POSITIVE_INFINITY;
    // The final run without propulsion that ends at the stop.
    let run = stopIndex;
    while (run > decelStart && noPropulsion(run - 1)) run--;
    if (run < stopIndex && speedKph[run]! > R.ownPowerKph) sign = run;
    for (let k = decelStart; k <= stopIndex && k < sign; k++) {
      if (speedKph[k]! > R.ownPowerKph && stateClass(state[k]!) === 'off') {
        sign = k;
        break;
      }
    }
    // Only when neither shows: the first fault code of the deceleration. Codes are often
    // warnings shown minutes before the power actually goes ("car is shutting down").
    for (let k = decelStart; k <= stopIndex && !Number.isFinite(sign); k++) {
      if (fresh(k)) sign = k;
    }
    if (Number.isFinite(sign)) anchor = sign;
    else {
      let peak = decelStart;
      for (let k = decelStart; k <= stopIndex; k++) if (speedKph[k]! > speedKph[peak]!) peak = k;
      anchor = peak;
      while (anchor < stopIndex && speedKph[anchor + 1]! >= speedKph[peak]! - 2) anchor++;
    }
  }
  // Before a silence only the final run without power (ending at the last row) says the power
  // went; a last row with traction or regeneration says the drivetrain still worked.
  let powerFrom = anchor;
  if (trigger !== 'stop') {
    // Data that went silent while moving: the failure began with the first fresh fault code
    // just before (a 12 V supply failing shows as lost-communication codes first), else at the silence.
    for (let k = stopIndex; k >= 0 && stopMs - tsMs[k]! <= R.codeWindowMs; k--) if (fresh(k)) anchor = k;
    let run = stopIndex + 1;
    while (run > decelStart && noPropulsion(run - 1)) run--;
    powerFrom = Math.min(run, stopIndex);
    // …or where the power went, when it rolled without propulsion into the silence.
    if (run <= stopIndex && run < anchor && speedKph[run]! > R.ownPowerKph) anchor = run;
  }
  let powerSamples = 0;
  let coast = 0;
  let regen = 0;
  let offWhileMoving = false;
  for (let k = trigger === 'stop' ? anchor : decelStart; k <= stopIndex; k++) {
    const moving = finite(speedKph[k]!) && speedKph[k]! > R.ownPowerKph;
    if (moving && stateClass(state[k]!) === 'off') offWhileMoving = true;
    const p = powerKw[k]!;
    if (k >= powerFrom && moving && finite(p)) {
      powerSamples++;
      if (noPropulsion(k)) coast++;
      if (p < R.regenKw) regen++;
    }
  }
  const powerlessDropKph = finite(speedKph[powerFrom]!) && finite(speedKph[stopIndex]!) ? speedKph[powerFrom]! - (trigger === 'stop' ? 0 : speedKph[stopIndex]!) : 0;
  const fromMs = tsMs[anchor]! - R.approachMs;
  let maxSpeed = 0;
  let k = anchor;
  for (; k >= 0 && tsMs[k]! >= fromMs; k--) if (finite(speedKph[k]!)) maxSpeed = Math.max(maxSpeed, speedKph[k]!);
  // Silent just before (a dead zone, a failing 12 V unit): the speed before the silence counts.
  if (k >= 0 && k + 1 < series.length && tsMs[k + 1]! - tsMs[k]! > R.gapMs && tsMs[anchor]! - tsMs[k]! <= R.maxDropMs && finite(speedKph[k]!)) maxSpeed = Math.max(maxSpeed, speedKph[k]!);

  // Fault codes and pack temperature around the moment.
  const codes = new Set<string>();
  let maxTemp = Number.NaN;
  const codeFrom = tsMs[anchor]! - R.codeWindowMs;
  const codeTo = stopMs + R.codeWindowMs;
  const scan = (j: number) => {
    for (const c of series.errorCodes[j] ?? []) if (!standing.has(c)) codes.add(c);
    const t = series.batteryTempC[j]!;
    if (finite(t) && !(t <= maxTemp)) maxTemp = t;
  };
  for (let j = Math.max(0, anchor); j >= 0 && tsMs[j]! >= codeFrom; j--) scan(j);
  for (let j = anchor + 1; j < series.length && tsMs[j]! <= codeTo; j++) scan(j);
  const codeList = [...codes].sort();

  const speedAtLoss = speedKph[anchor]!;
  const dtS = (stopMs - tsMs[anchor]!) / 1000;
  const decel = trigger === 'stop' && dtS > 0 ? (speedAtLoss - speedKph[stopIndex]!) / 3.6 / dtS : 0;
  return {
    anchorIndex: anchor,
    startMs: tsMs[anchor]!,
    lat: positionNear(series, anchor, 'lat'),
    lon: positionNear(series, anchor, 'lon'),
    speedAtLossKph: finite(speedAtLoss) ? speedAtLoss : 0,
    socAtLossPct: lastKnown(series.socPct, anchor, tsMs[anchor]! - R.codeWindowMs, tsMs),
    maxSpeedBeforeKph: maxSpeed,
    decelMps2: finite(decel) ? decel : 0,
    powerKnown: powerSamples > 0,
    powerSamples,
    sampleIntervalS: medianIntervalS(tsMs, Math.max(0, k), stopIndex),
    powerlessDropKph,
    coastFraction: powerSamples > 0 ? coast / powerSamples : 0,
    regenFraction: powerSamples > 0 ? regen / powerSamples : 0,
    offWhileMoving,
    codes: codeList,
    standingCodes: [...standing].sort(),
    powertrainCode: codeList.some((c) => POWERTRAIN_CODE.test(c)),
    lowVoltageCode: codeList.some((c) => LOW_VOLTAGE_CODE.test(c)),
    thermalCode: codeList.some((c) => THERMAL_CODE.test(c)),
    maxBatteryTempC: maxTemp,
    batteryTempAtLossC: lastKnown(series.batteryTempC, anchor, tsMs[anchor]! - R.codeWindowMs, tsMs),
  };
}

/** Median time between consecutive rows in [from, to], s (1 when there are none). */
function medianIntervalS(tsMs: Float64Array, from: number, to: number): number {
  const dts: number[] = [];
  for (let j = from + 1; j <= to; j++) dts.push((tsMs[j]! - tsMs[j - 1]!) / 1000);
  if (dts.length === 0) return 1;
  dts.sort((a, b) => a - b);
  return dts[dts.length >> 1]!;
}

/** The last finite value of a column at or before k, not older than sinceMs. */
function lastKnown(col: Float64Array, k: number, sinceMs: number, tsMs: Float64Array): number {
  for (let j = k; j >= 0 && tsMs[j]! >= sinceMs; j--) if (finite(col[j]!)) return col[j]!;
  return Number.NaN;
}
