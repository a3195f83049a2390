import type { TelemetrySeries } from '../telemetry-series.ts';
import { periodStats, gapStats, type Period, type PeriodKind } from './period-stats.ts';

export interface SegmentationOptions {
  /** A stretch without data longer than this is a gap (never bridged); raised to 5× the median sample interval for sparse loggers. */
  gapThresholdS: number;
  /** A vehicle above this speed is moving. */
  movingSpeedKph: number;
  /** Stops shorter than this between two stretches of driving belong to the drive (lights, traffic). */
  maxStopInDriveS: number;
  /** Movement shorter or shorter-distance than this is not a drive (a car-park crawl, a GPS wobble). */
  minDriveS: number;
  minDriveKm: number;
  /** Charging shorter than this is noise (regenerative braking at a stop, a sensor blip). */
  minChargeS: number;
  /** A standing period shorter than this (the last sample of a file, say) joins its neighbour. */
  minPeriodS: number;
}

export const DEFAULT_SEGMENTATION: SegmentationOptions = {
  gapThresholdS: 60,
  movingSpeedKph: 2,
  maxStopInDriveS: 180,
  minDriveS: 60,
  minDriveKm: 0.2,
  minChargeS: 120,
  minPeriodS: 5,
};

const PARK = 0;
const DRIVE = 1;
const CHARGE = 2;
const KIND_NAMES: readonly PeriodKind[] = ['park', 'drive', 'charge'];

const CHARGING_STATES = new Set(['charging', 'charge', 'plugged', 'plugged_in']);
const DRIVING_STATES = new Set(['driving', 'drive', 'd', 'r', 'reverse']);

/** What one sample says on its own: moving, charging, or standing. */
function sampleLabel(series: TelemetrySeries, i: number, movingSpeedKph: number): number {
  const state = series.state[i]?.toLowerCase() ?? null;
  const speed = series.speedKph[i]!;
  if (state !== null && CHARGING_STATES.has(state)) return CHARGE;
  if (speed > movingSpeedKph) return DRIVE;
  // Power flowing into the battery while standing still is charging (regen needs motion).
  if (series.powerKw[i]! < -0.5 && !(speed > 0.5)) return CHARGE;
  if (Number.isNaN(speed) && state !== null && DRIVING_STATES.has(state)) return DRIVE;
  return PARK;
}

interface Run {
  kind: number;
  start: number; // first sample index
  end: number; // last sample index (inclusive)
}

function medianIntervalMs(ts: Float64Array): number {
  const n = Math.min(ts.length - 1, 2001);
  if (n < 1) return 1000;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = ts[i + 1]! - ts[i]!;
  d.sort();
  return d[n >> 1]!;
}

/** Time a run covers: to the next sample of the same stretch of data, or its own last sample. */
function runSeconds(series: TelemetrySeries, run: Run, stretchEnd: number): number {
  const endTs = run.end < stretchEnd ? series.tsMs[run.end + 1]! : series.tsMs[run.end]!;
  return (endTs - series.tsMs[run.start]!) / 1000;
}

function runDistanceKm(series: TelemetrySeries, run: Run): number {
  let km = 0;
  for (let i = run.start + 1; i <= run.end; i++) {
    const v = series.speedKph[i - 1]!;
    if (!Number.isNaN(v)) km += (v * (series.tsMs[i]! - series.tsMs[i - 1]!)) / 3_600_000;
  }
  return km;
}

function merge(runs: Run[]): Run[] {
  const out: Run[] = [];
  for (const r of runs) {
    const last = out.at(-1);
    if (last && last.kind === r.kind) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** Labels one stretch of continuous data, then smooths the labels the way a person reads a trip. */
function segmentStretch(series: TelemetrySeries, from: number, to: number, o: SegmentationOptions): Run[] {
  let runs: Run[] = [];
  for (let i = from; i <= to; i++) {
    const kind = sampleLabel(series, i, o.movingSpeedKph);
    const last = runs.at(-1);
    if (last && last.kind === kind) last.end = i;
    else runs.push({ kind, start: i, end: i });
  }
  // Short charging blips are not charges.
  for (const r of runs) if (r.kind === CHARGE && runSeconds(series, r, to) < o.minChargeS) r.kind = PARK;
  runs = merge(runs);
  // Short stops between two stretches of driving are part of the drive.
  for (let k = 1; k + 1 < runs.length; k++) {
    const r = runs[k]!;
    if (r.kind === PARK && runs[k - 1]!.kind === DRIVE && runs[k + 1]!.kind === DRIVE && runSeconds(series, r, to) < o.maxStopInDriveS) r.kind = DRIVE;
  }
  runs = merge(runs);
  // Movement too short in time or distance is not a drive.
  for (const r of runs) {
    if (r.kind === DRIVE && (runSeconds(series, r, to) < o.minDriveS || runDistanceKm(series, r) < o.minDriveKm)) r.kind = PARK;
  }
  runs = merge(runs);
  for (let k = 0; k < runs.length && runs.length > 1; k++) {
    const r = runs[k]!;
    if (r.kind !== DRIVE && runSeconds(series, r, to) < o.minPeriodS) r.kind = runs[k > 0 ? k - 1 : k + 1]!.kind;
  }
  return merge(runs);
}

/**
 * Splits one device's history into drive, charge, park and gap periods. Pure and deterministic:
 * the same samples always give the same periods, so a window can be recomputed when late data
 * arrives and stitched to what was stored before it.
 */
export function segmentPeriods(series: TelemetrySeries, options: Partial<SegmentationOptions> = {}): Period[] {
  const o = { ...DEFAULT_SEGMENTATION, ...options };
  const n = series.length;
  if (n === 0) return [];
  const gapMs = Math.max(o.gapThresholdS * 1000, 5 * medianIntervalMs(series.tsMs));
  const periods: Period[] = [];
  let stretchStart = 0;
  for (let i = 1; i <= n; i++) {
    const hole = i < n && series.tsMs[i]! - series.tsMs[i - 1]! > gapMs;
    if (i < n && !hole) continue;
    const stretchEnd = i - 1;
    for (const run of segmentStretch(series, stretchStart, stretchEnd, o)) {
      const endIndex = run.end < stretchEnd ? run.end + 1 : run.end;
      periods.push(periodStats(series, KIND_NAMES[run.kind]!, run.start, run.end, endIndex));
    }
    if (hole) periods.push(gapStats(series, i - 1, i));
    stretchStart = i;
  }
  return periods;
}
