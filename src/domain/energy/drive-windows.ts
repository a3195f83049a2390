import type { TelemetrySeries } from '../telemetry-series.ts';
import { FEATURE_OPTIONS, type DriveConditions } from './energy-model.ts';

/** A stretch of driving of about `windowKm`, with what it used and the conditions along it. */
export interface DriveWindow {
  startMs: number;
  endMs: number;
  distanceKm: number;
  /** ∫ power dt (regeneration included); NaN when the vehicle logs no power. */
  energyKwh: number;
  /** SoC at the start minus at the end (robust to a one-sample glitch); NaN without SoC. */
  socDropPct: number;
  /** Mean conditions, for reading; the fit uses `features`. */
  conditions: DriveConditions;
  /**
   * The model's features integrated over the window (FEATURE_NAMES order): exact for a window whose
   * speed, temperatures or heating change along it, where features of the mean conditions are not.
   */
  features: number[];
}

export interface DriveWindowOptions {
  windowKm: number;
  /**
   * A hole in the data longer than this ends the window (its energy is unknown); longer for a
   * logger that sends a row every few seconds while driving (see `holeStepS`).
   */
  maxStepS: number;
  movingSpeedKph: number;
}

const DEFAULTS: DriveWindowOptions = { windowKm: 3, maxStepS: 10, movingSpeedKph: 2 };
const DRIVING = new Set(['driving', 'drive', 'd', 'r']);

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v[v.length >> 1]!;
}

/** The longest step `holeStepS` ever allows: past a minute the road driven in it is a guess. */
const MAX_HOLE_STEP_S = 60;

/**
 * The step between samples that is a hole in this series' data: `maxStepS`, or 2.5× the median
 * step while moving when the logger sends less often than every 4 s (modems that batch rows send
 * one every 5–30 s while driving; against a fixed 10 s, a 15 s logger had no window at all, so
 * its SoC per kWh was never learnt and a charging stop it drove to was never seen as one).
 */
export function holeStepS(series: TelemetrySeries, maxStepS: number, movingSpeedKph: number): number {
  const counts = new Uint32Array(MAX_HOLE_STEP_S + 1);
  let n = 0;
  for (let i = 1; i < series.length; i++) {
    if (!(series.speedKph[i - 1]! > movingSpeedKph)) continue;
    const dtS = Math.round((series.tsMs[i]! - series.tsMs[i - 1]!) / 1000);
    if (dtS <= 0) continue;
    counts[Math.min(MAX_HOLE_STEP_S, dtS)]!++;
    n++;
  }
  if (n === 0) return maxStepS;
  let seen = 0;
  let medianS = 0;
  while (seen * 2 < n) {
    medianS++;
    seen += counts[medianS]!;
  }
  return medianS >= 4 ? Math.max(maxStepS, Math.min(MAX_HOLE_STEP_S, 2.5 * medianS)) : maxStepS;
}

/**
 * Change of `values` over [from, to], robust to a one-sample glitch: the medians of the first and
 * last 5 samples stand for the 3rd and 3rd-to-last sample, so the change between those is scaled
 * back to the whole window's duration.
 */
function robustChange(values: Float64Array, ts: Float64Array, from: number, to: number): number {
  if (to - from < 8) return values[to]! - values[from]!;
  const head: number[] = [];
  const tail: number[] = [];
  for (let k = 0; k < 5; k++) head.push(values[from + k]!), tail.push(values[to - k]!);
  const change = median(tail) - median(head);
  return (change * (ts[to]! - ts[from]!)) / (ts[to - 2]! - ts[from + 2]!);
}

class Accumulator {
  start = -1;
  end = -1;
  seconds = 0;
  km = 0;
  kwh = 0;
  powerSeconds = 0;
  v3dt = 0;
  outsideDt = 0;
  outsideSeconds = 0;
  batteryDt = 0;
  batterySeconds = 0;
  setpointDt = 0;
  setpointSeconds = 0;
  hvacCh = 0;
  coldCkm = 0;
}

/**
 * Cuts a series into consecutive windows of driving (stops at lights included: their auxiliary
 * and heating energy is part of driving) for fitting the energy model. A window ends at
 * `windowKm`, at a hole in the data, or where the vehicle stops driving.
 */
export function driveWindows(series: TelemetrySeries, options: Partial<DriveWindowOptions> = {}): DriveWindow[] {
  const o = { ...DEFAULTS, ...options };
  const out: DriveWindow[] = [];
  let acc = new Accumulator();
  const flush = () => {
    if (acc.start >= 0 && acc.km >= o.windowKm * 0.8 && acc.seconds > 0) {
      const s = series;
      const hasPower = acc.powerSeconds >= acc.seconds * 0.95;
      const climbM = robustChange(s.altM, s.tsMs, acc.start, acc.end);
      out.push({
        startMs: s.tsMs[acc.start]!,
        endMs: s.tsMs[acc.end]!,
        distanceKm: acc.km,
        energyKwh: hasPower ? acc.kwh : Number.NaN,
        socDropPct: -robustChange(s.socPct, s.tsMs, acc.start, acc.end),
        conditions: {
          avgSpeedKph: acc.km / (acc.seconds / 3600),
          meanSpeedSqKph2: acc.v3dt / (acc.km * 3600),
          outsideTempC: acc.outsideSeconds > 0 ? acc.outsideDt / acc.outsideSeconds : Number.NaN,
          batteryTempC: acc.batterySeconds > 0 ? acc.batteryDt / acc.batterySeconds : Number.NaN,
          cabinSetpointC: acc.setpointSeconds > 0 ? acc.setpointDt / acc.setpointSeconds : Number.NaN,
          climbMPerKm: Number.isFinite(climbM) ? climbM / acc.km : 0,
        },
        features: [
          1,
          acc.v3dt / (acc.km * 3600),
          acc.seconds / 3600 / acc.km,
          acc.hvacCh / acc.km,
          Number.isFinite(climbM) ? climbM / acc.km : 0,
          acc.coldCkm / acc.km,
        ],
      });
    }
    acc = new Accumulator();
  };
  const maxStepS = holeStepS(series, o.maxStepS, o.movingSpeedKph);
  for (let i = 1; i < series.length; i++) {
    const dtS = (series.tsMs[i]! - series.tsMs[i - 1]!) / 1000;
    const v = series.speedKph[i - 1]!;
    const state = series.state[i - 1]?.toLowerCase() ?? null;
    const driving = v > o.movingSpeedKph || series.speedKph[i]! > o.movingSpeedKph || (state !== null && DRIVING.has(state));
    if (!(dtS > 0 && dtS <= maxStepS) || !driving || !Number.isFinite(v)) {
      flush();
      continue;
    }
    if (acc.start < 0) acc.start = i - 1;
    acc.end = i;
    acc.seconds += dtS;
    const km = (v * dtS) / 3600;
    acc.km += km;
    acc.v3dt += v * v * v * dtS;
    const p = series.powerKw[i - 1]!;
    if (Number.isFinite(p)) {
      acc.kwh += (p * dtS) / 3600;
      acc.powerSeconds += dtS;
    }
    const out_ = series.outsideTempC[i - 1]!;
    if (Number.isFinite(out_)) (acc.outsideDt += out_ * dtS), (acc.outsideSeconds += dtS);
    const bat = series.batteryTempC[i - 1]!;
    if (Number.isFinite(bat)) (acc.batteryDt += bat * dtS), (acc.batterySeconds += dtS);
    const set = series.cabinSetpointC[i - 1]!;
    if (Number.isFinite(set)) (acc.setpointDt += set * dtS), (acc.setpointSeconds += dtS);
    // Missing channels are read the way energyFeatures reads them: default set-point, pack at ambient.
    const outsideOr = Number.isFinite(out_) ? out_ : 15;
    acc.hvacCh += (Math.abs((Number.isFinite(set) ? set : FEATURE_OPTIONS.defaultCabinSetpointC) - outsideOr) * dtS) / 3600;
    acc.coldCkm += Math.max(0, FEATURE_OPTIONS.referenceBatteryTempC - (Number.isFinite(bat) ? bat : outsideOr)) * km;
    if (acc.km >= o.windowKm) flush();
  }
  flush();
  return out;
}
