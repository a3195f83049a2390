import { haversineKm } from '../geo-distance.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';

/**
 * Rules stage of the breakdown detector: finds the moments where a vehicle may have shut down
 * while being driven and measures what happened around them. It is deliberately generous (the
 * model stage judges), but each rule is physical so it holds for real logs too:
 *
 *   1. find the ends of motion — the car comes to rest after driving, or its data stops while it
 *      is moving (a gap, or the end of the log);
 *   2. walk back to the moment propulsion was lost (power ≈ 0 or state 'off' while still fast);
 *   3. look at what happens next: does it move on under its own power, stay put, get towed
 *      (position moves while the wheels report 0 and the car is off), or reappear further on,
 *      still driving (a connection drop or a tunnel — rejected here);
 *   4. keep a moment only if the vehicle itself says something was wrong (no propulsion while
 *      fast, off while moving, fault codes, an overheated pack, data lost right after codes).
 */

export const BREAKDOWN_RULES = {
  /** Below this the car is standing still. */
  stillKph: 3,
  /** At or above this (and not 'off') the car moves under its own power. */
  ownPowerKph: 8,
  /** A stop only counts after real driving: at least this fast within `approachMs` before it. */
  drivingKph: 20,
  approachMs: 90_000,
  /** How far back from the stop to look for the moment propulsion was lost. */
  maxCoastMs: 180_000,
  /** |power| below this is "no propulsion and no regeneration". */
  zeroPowerKw: 0.5,
  /** power below this is regenerative braking: the drivetrain still works. */
  regenKw: -1,
  /** Samples further apart than this while moving are a data gap. */
  gapMs: 30_000,
  /** Connection drops and tunnels last minutes; a car that drives on after a shorter silence never stopped. */
  maxDropMs: 15 * 60_000,
  /** A stop shorter than this (and without a shutdown sign) is traffic, not a breakdown. */
  minRestMs: 120_000,
  /** A second fault stop this soon after a quickly recovered one is the same breakdown. */
  relapseMs: 10 * 60_000,
  /** Pack temperature above which a thermal shutdown is plausible. */
  hotPackC: 55,
  /**
   * Rolling and air drag alone slow a car by well under 1 m/s² (the simulator's coast-downs: 0.3–1);
   * harder than this with no power is the friction brakes, i.e. a driver stopping a working car.
   */
  maxCoastDecelMps2: 2.5,
  /** Fraction of the deceleration without propulsion that makes it a coast-down. */
  coastFraction: 0.6,
  /** Towing: the position moves at least this far while the car is off / wheels at 0. */
  towKm: 0.3,
  /** ...at least this fast between two samples (GPS jitter of a parked car is slower). */
  towMinKph: 4,
  /**
   * The model judges a moment on what happened in this long after the stop (or after the data
   * resumed), never on a tow or a repair hours later: the alarm can be raised this soon.
   */
  judgeMs: 15 * 60_000,
  /** Window around the moment in which fault codes count. */
  codeWindowMs: 120_000,
} as const;

/** EV/hybrid propulsion-system DTCs (SAE J2012 P0Axx, e.g. P0A0F engine failed to start, P0A7E pack over-temperature). */
const POWERTRAIN_CODE = /^P0A/i;
/** Lost communication (Uxxxx) and low-voltage body codes (B13xx): what a failing 12 V supply produces. */
const LOW_VOLTAGE_CODE = /^(U0|B13)/i;
const THERMAL_CODE = /^P0A7[CDE]/i;

export type BreakdownTrigger = 'stop' | 'data_gap' | 'data_end';

/** What the rules measured around one candidate moment; the features and the evidence come from this. */
export interface BreakdownCandidate {
  trigger: BreakdownTrigger;
  subkind: 'loss_of_propulsion' | 'shutdown' | 'twelve_volt_failure' | 'thermal_fault';
  /** Index and time of the moment propulsion was lost / the car shut down. */
  anchorIndex: number;
  startMs: number;
  /** Index of the first sample at rest (stop), or of the last sample before the data stopped. */
  stopIndex: number;
  /** Recovered (moves on under own power), tow ended, data resumed; else the last sample seen. */
  endMs: number;
  lat: number | null;
  lon: number | null;
  speedAtLossKph: number;
  /** State of charge at the moment (NaN if unknown): an empty battery is a shortfall, not a breakdown. */
  socAtLossPct: number;
  maxSpeedBeforeKph: number;
  decelMps2: number;
  powerKnown: boolean;
  coastFraction: number;
  regenFraction: number;
  offWhileMoving: boolean;
  codes: string[];
  powertrainCode: boolean;
  lowVoltageCode: boolean;
  thermalCode: boolean;
  maxBatteryTempC: number;
  /** Standing still after the stop until own-power movement or the end of the data (capped). */
  restMs: number;
  recovered: boolean;
  gapMs: number;
  /** Speed of the first sample after the gap (NaN when the data never resumed). */
  resumeSpeedKph: number;
  /** Share of the time in the first `judgeMs` after the stop spent in state 'off' (each sample holds until the next). */
  offAfterFraction: number;
  /** Largest distance from the stop position seen afterwards (before own-power movement). */
  displacementKm: number;
  tow: { startMs: number; endMs: number; distanceKm: number } | null;
}

const finite = (v: number) => Number.isFinite(v);
const isOff = (s: string | null) => s === 'off';
const CAP_REST_MS = 4 * 3_600_000;

/** Candidates in time order, one per moment (a tow or a sparse tail after a stop is part of it). */
export function findBreakdownCandidates(series: TelemetrySeries): BreakdownCandidate[] {
  const out: BreakdownCandidate[] = [];
  const { tsMs, speedKph, length: n } = series;
  const R = BREAKDOWN_RULES;
  for (let i = 1; i <= n; i++) {
    const prev = i - 1;
    const prevSpeed = speedKph[prev]!;
    if (!finite(prevSpeed)) continue;
    let candidate: BreakdownCandidate | null = null;
    if (i === n) {
      // The log ends while moving: only a fault in the last moments makes this a candidate;
      // a live window ends while driving all the time.
      if (prevSpeed >= R.ownPowerKph) candidate = measure(series, 'data_end', prev);
    } else if (tsMs[i]! - tsMs[prev]! > R.gapMs && prevSpeed >= R.ownPowerKph) {
      candidate = measure(series, 'data_gap', prev);
    } else if (prevSpeed >= R.stillKph && finite(speedKph[i]!) && speedKph[i]! < R.stillKph) {
      candidate = measure(series, 'stop', i);
    }
    if (candidate && keep(candidate)) {
      const last = out.at(-1);
      // The same moment seen twice (a stop whose data then stops) is one event.
      if (last && candidate.startMs <= last.endMs) continue;
      // A faulty car that limps on for a moment and then dies (a derated, overheating pack) is
      // one breakdown that began at the first stop.
      if (last && last.recovered && last.restMs < R.minRestMs && candidate.startMs - last.endMs <= R.relapseMs) {
        out[out.length - 1] = { ...candidate, anchorIndex: last.anchorIndex, startMs: last.startMs, lat: last.lat, lon: last.lon, speedAtLossKph: last.speedAtLossKph, maxSpeedBeforeKph: last.maxSpeedBeforeKph };
        continue;
      }
      out.push(candidate);
    }
  }
  return out;
}

/** Rule 3 and 4: reject what the car itself says is normal. */
function keep(c: BreakdownCandidate): boolean {
  const R = BREAKDOWN_RULES;
  if (c.maxSpeedBeforeKph < R.drivingKph && !c.offWhileMoving) return false;
  // Reappeared further on, driving under its own power: the car never stopped (tunnel, dead zone).
  // A long silence that ends with the car driving is kept: a tow, a repair and a 12 V fault that
  // killed the telematics unit look like that.
  if (c.trigger === 'data_gap' && c.resumeSpeedKph >= R.ownPowerKph && c.gapMs < R.maxDropMs) return false;
  const fault = c.offWhileMoving
    || c.codes.length > 0
    || c.maxBatteryTempC >= R.hotPackC
    || (c.powerKnown && c.coastFraction >= R.coastFraction && c.speedAtLossKph >= R.drivingKph && c.decelMps2 <= R.maxCoastDecelMps2);
  if (!fault) return false;
  // Propulsion (or regenerative braking) until the stop, and parked rather than dead after it:
  // the driver stopped a working car, whatever the warnings said (a hot pack that derates).
  // A car that goes 'off' for good right at the stop with a fault showing did shut down.
  const shutAtStop = c.offAfterFraction >= 0.5 && !(c.recovered && c.restMs <= R.judgeMs);
  if (c.trigger === 'stop' && !c.offWhileMoving && c.powerKnown && c.coastFraction < R.coastFraction && !shutAtStop) return false;
  // The end of the data is "now" in a live window: only a failing 12 V supply (lost-communication
  // codes) or a car switched off while moving says the silence that follows is a breakdown.
  if (c.trigger === 'data_end') return c.lowVoltageCode || c.offWhileMoving;
  if (c.trigger === 'stop' && c.recovered && c.restMs < R.minRestMs && !c.offWhileMoving && c.codes.length === 0) return false;
  return true;
}

function measure(series: TelemetrySeries, trigger: BreakdownTrigger, stopIndex: number): BreakdownCandidate {
  const R = BREAKDOWN_RULES;
  const { tsMs, speedKph, powerKw, state } = series;
  const stopMs = tsMs[stopIndex]!;

  // Rule 2: walk back through the final deceleration (speed not rising) to where propulsion went.
  let decelStart = stopIndex;
  while (decelStart > 0 && stopMs - tsMs[decelStart - 1]! <= R.maxCoastMs) {
    const a = speedKph[decelStart - 1]!;
    const b = speedKph[decelStart]!;
    if (!finite(a) || tsMs[decelStart]! - tsMs[decelStart - 1]! > R.gapMs) break;
    if (finite(b) && a < b - 0.5) break;
    decelStart--;
  }
  // The moment of loss: where propulsion went (power ≈ 0 or off while moving), else the first
  // fault code of the deceleration, else where the speed began to fall.
  let anchor = stopIndex;
  if (trigger === 'stop') {
    let sign = Number.POSITIVE_INFINITY;
    // The final run without propulsion (|power| ≈ 0) that ends at the stop.
    let run = stopIndex;
    while (run > decelStart && finite(powerKw[run - 1]!) && Math.abs(powerKw[run - 1]!) < R.zeroPowerKw) run--;
    if (run < stopIndex && speedKph[run]! > R.ownPowerKph) sign = run;
    // Switched off while moving.
    for (let k = decelStart; k <= stopIndex && k < sign; k++) {
      if (speedKph[k]! > R.ownPowerKph && isOff(state[k]!)) {
        sign = k;
        break;
      }
    }
    // Only when neither shows: the first fault code of the deceleration. Codes are often
    // warnings shown minutes before the power actually goes ("car is shutting down").
    for (let k = decelStart; k <= stopIndex && !Number.isFinite(sign); k++) {
      if ((series.errorCodes[k]?.length ?? 0) > 0) sign = k;
    }
    if (Number.isFinite(sign)) anchor = sign;
    else {
      // No sign at all: the first sample below the peak speed of the deceleration.
      let peak = decelStart;
      for (let k = decelStart; k <= stopIndex; k++) if (speedKph[k]! > speedKph[peak]!) peak = k;
      anchor = peak;
      while (anchor < stopIndex && speedKph[anchor + 1]! >= speedKph[peak]! - 2) anchor++;
    }
  }
  if (trigger !== 'stop') {
    // Data that went silent while moving: the failure began with the first fault code just
    // before (a 12 V supply failing shows as lost-communication codes first), else at the silence.
    for (let k = stopIndex; k >= 0 && stopMs - tsMs[k]! <= R.codeWindowMs; k--) if ((series.errorCodes[k]?.length ?? 0) > 0) anchor = k;
  }
  let powerSamples = 0;
  let coast = 0;
  let regen = 0;
  let offWhileMoving = false;
  for (let k = trigger === 'stop' ? anchor : decelStart; k <= stopIndex; k++) {
    const p = powerKw[k]!;
    const moving = finite(speedKph[k]!) && speedKph[k]! > R.ownPowerKph;
    if (moving && isOff(state[k]!)) offWhileMoving = true;
    if (moving && finite(p) && trigger === 'stop') {
      powerSamples++;
      if (Math.abs(p) < R.zeroPowerKw) coast++;
      if (p < R.regenKw) regen++;
    }
  }
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
  for (let k = Math.max(0, anchor); k >= 0 && tsMs[k]! >= codeFrom; k--) scan(k);
  for (let k = anchor + 1; k < series.length && tsMs[k]! <= codeTo; k++) scan(k);
  function scan(k: number) {
    for (const c of series.errorCodes[k] ?? []) codes.add(c);
    const t = series.batteryTempC[k]!;
    if (finite(t) && !(t <= maxTemp)) maxTemp = t;
  }
  const codeList = [...codes].sort();

  const next = whatHappensNext(series, trigger, stopIndex);
  const speedAtLoss = speedKph[anchor]!;
  const dtS = (stopMs - tsMs[anchor]!) / 1000;
  const decel = trigger === 'stop' && dtS > 0 ? (speedAtLoss - speedKph[stopIndex]!) / 3.6 / dtS : 0;
  const c: BreakdownCandidate = {
    trigger,
    subkind: 'loss_of_propulsion',
    anchorIndex: anchor,
    startMs: tsMs[anchor]!,
    stopIndex,
    lat: positionNear(series, anchor, 'lat'),
    lon: positionNear(series, anchor, 'lon'),
    speedAtLossKph: finite(speedAtLoss) ? speedAtLoss : 0,
    socAtLossPct: lastKnown(series.socPct, anchor, tsMs[anchor]! - R.codeWindowMs, tsMs),
    maxSpeedBeforeKph: maxSpeed,
    decelMps2: finite(decel) ? decel : 0,
    powerKnown: powerSamples > 0,
    coastFraction: powerSamples > 0 ? coast / powerSamples : 0,
    regenFraction: powerSamples > 0 ? regen / powerSamples : 0,
    offWhileMoving,
    codes: codeList,
    powertrainCode: codeList.some((c) => POWERTRAIN_CODE.test(c)),
    lowVoltageCode: codeList.some((c) => LOW_VOLTAGE_CODE.test(c)),
    thermalCode: codeList.some((c) => THERMAL_CODE.test(c)),
    maxBatteryTempC: maxTemp,
    ...next,
  };
  c.subkind = subkindOf(c);
  return c;
}

function subkindOf(c: BreakdownCandidate): BreakdownCandidate['subkind'] {
  if (c.thermalCode || c.maxBatteryTempC >= 60) return 'thermal_fault';
  if (c.lowVoltageCode || (c.trigger !== 'stop' && !c.powertrainCode)) return 'twelve_volt_failure';
  if (c.powertrainCode) return 'loss_of_propulsion';
  // Switched off while moving without a propulsion fault: the car shut itself down.
  if (c.offWhileMoving) return 'shutdown';
  return c.powerKnown && c.coastFraction >= BREAKDOWN_RULES.coastFraction ? 'loss_of_propulsion' : 'shutdown';
}

type NextFacts = Pick<BreakdownCandidate, 'endMs' | 'restMs' | 'recovered' | 'gapMs' | 'resumeSpeedKph' | 'offAfterFraction' | 'displacementKm' | 'tow'>;

/** Rule 3: from the stop (or the last sample before the data stopped) forward. */
function whatHappensNext(series: TelemetrySeries, trigger: BreakdownTrigger, stopIndex: number): NextFacts {
  const R = BREAKDOWN_RULES;
  const { tsMs, speedKph, state, length: n } = series;
  const stopMs = tsMs[stopIndex]!;
  const lat0 = positionNear(series, stopIndex, 'lat');
  const lon0 = positionNear(series, stopIndex, 'lon');
  const gapMs = trigger === 'data_gap' ? tsMs[stopIndex + 1]! - stopMs : 0;
  const resumeSpeedKph = trigger === 'data_gap' ? speedKph[stopIndex + 1]! : trigger === 'data_end' ? Number.NaN : 0;
  let off = 0; // ms
  let samples = 0; // ms
  let displacementKm = 0;
  let towStart = -1;
  let towEnd = -1;
  let recoveredAt = -1;
  let lastMs = stopMs;
  // Look up to CAP_REST_MS past the first sample after the stop (for a gap, after the silence).
  const horizonMs = (stopIndex + 1 < n ? tsMs[stopIndex + 1]! : stopMs) + CAP_REST_MS;
  const judgeUntilMs = (stopIndex + 1 < n ? tsMs[stopIndex + 1]! : stopMs) + R.judgeMs;
  for (let k = stopIndex + 1; k < n && tsMs[k]! <= horizonMs; k++) {
    const v = speedKph[k]!;
    if (finite(v) && v >= R.ownPowerKph && !isOff(state[k]!)) {
      recoveredAt = k;
      break;
    }
    lastMs = tsMs[k]!;
    if (tsMs[k]! < judgeUntilMs) {
      const heldMs = Math.min(k + 1 < n ? tsMs[k + 1]! : tsMs[k]!, judgeUntilMs) - tsMs[k]!;
      samples += heldMs;
      if (isOff(state[k]!)) off += heldMs;
    }
    if (lat0 !== null && lon0 !== null && finite(series.lat[k]!) && finite(series.lon[k]!)) {
      const d = haversineKm(lat0, lon0, series.lat[k]!, series.lon[k]!);
      if (d > displacementKm) displacementKm = d;
      // Moving while the wheels say 0 (or the car is off): on a truck.
      const moved = k > 0 && finite(series.lat[k - 1]!) ? haversineKm(series.lat[k - 1]!, series.lon[k - 1]!, series.lat[k]!, series.lon[k]!) : 0;
      const hours = (tsMs[k]! - tsMs[k - 1]!) / 3_600_000;
      const acrossGap = trigger === 'data_gap' && k === stopIndex + 1 && moved >= R.towKm;
      if (moved > 0.002 && (acrossGap || moved / hours >= R.towMinKph) && !(v >= R.stillKph)) {
        if (towStart < 0) towStart = k - 1;
        towEnd = k;
      }
    }
  }
  const recovered = recoveredAt >= 0;
  const restMs = Math.min(CAP_REST_MS, (recovered ? tsMs[recoveredAt]! : lastMs) - stopMs - gapMs);
  const tow = displacementKm >= R.towKm && towStart >= 0
    ? { startMs: tsMs[towStart]!, endMs: tsMs[towEnd]!, distanceKm: displacementKm }
    : null;
  const endMs = tow ? tow.endMs : recovered ? tsMs[recoveredAt]! : lastMs;
  return { endMs, restMs, recovered, gapMs, resumeSpeedKph, offAfterFraction: samples > 0 ? off / samples : 0, displacementKm, tow };
}

/** The nearest known position at or before index k (GPS fixes drop out now and then). */
function positionNear(series: TelemetrySeries, k: number, axis: 'lat' | 'lon'): number | null {
  const col = series[axis];
  for (let j = k; j >= 0 && series.tsMs[k]! - series.tsMs[j]! <= 300_000; j--) if (finite(col[j]!) && finite(series.lat[j]!) && finite(series.lon[j]!)) return col[j]!;
  return null;
}

/** The last finite value of a column at or before k, not older than sinceMs. */
function lastKnown(col: Float64Array, k: number, sinceMs: number, tsMs: Float64Array): number {
  for (let j = k; j >= 0 && tsMs[j]! >= sinceMs; j--) if (finite(col[j]!)) return col[j]!;
  return Number.NaN;
}
