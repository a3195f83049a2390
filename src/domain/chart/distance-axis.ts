import { haversineKm } from '../geo-distance.ts';
import type { ChartSeries } from './chart-input.ts';

export type DistanceSource = 'odometer' | 'gps' | 'speed';

export interface CumulativeDistance {
  source: DistanceSource;
  /** Distance travelled since the first sample, per sample. */
  km: Float64Array;
}

/** Faster than this between two fixes is a GPS jump (or a lat = 0 glitch), not travel. */
const MAX_PLAUSIBLE_KPH = 300;
/** Speed is not integrated across holes longer than this: nobody knows what happened there. */
const MAX_INTEGRATION_STEP_MS = 60_000;

function countValid(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  return n;
}

/** Odometer readings, held between samples and never going backwards (a reset is not negative travel). */
function fromOdometer(s: ChartSeries): Float64Array {
  const km = new Float64Array(s.length);
  let first = Number.NaN;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const odo = s.odometerKm[i]!;
    if (!Number.isNaN(odo)) {
      if (Number.isNaN(first)) first = odo;
      last = Math.max(last, odo - first);
    }
    km[i] = last;
  }
  return km;
}

function fromGps(s: ChartSeries): Float64Array {
  const km = new Float64Array(s.length);
  let total = 0;
  let prev = -1;
  for (let i = 0; i < s.length; i++) {
    const lat = s.lat[i]!;
    const lon = s.lon[i]!;
    // A logger repeats the last fix until the next one arrives (about every 12 s on the Twizy):
    // a step is measured from when the previous position was new, or it would look like a jump.
    const repeated = prev >= 0 && lat === s.lat[prev] && lon === s.lon[prev];
    if (!Number.isNaN(lat) && !Number.isNaN(lon) && lat !== 0 && !repeated) {
      if (prev >= 0) {
        const d = haversineKm(s.lat[prev]!, s.lon[prev]!, lat, lon);
        const hours = Math.max(1, s.tsMs[i]! - s.tsMs[prev]!) / 3_600_000;
        if (d / hours <= MAX_PLAUSIBLE_KPH) total += d;
      }
      prev = i;
    }
    km[i] = total;
  }
  return km;
}

function fromSpeed(s: ChartSeries): Float64Array {
  const km = new Float64Array(s.length);
  let total = 0;
  for (let i = 1; i < s.length; i++) {
    const dt = s.tsMs[i]! - s.tsMs[i - 1]!;
    const a = s.speedKph[i - 1]!;
    const b = s.speedKph[i]!;
    if (dt <= MAX_INTEGRATION_STEP_MS && !Number.isNaN(a) && !Number.isNaN(b)) total += (((a + b) / 2) * dt) / 3_600_000;
    km[i] = total;
  }
  return km;
}

/**
 * Distance travelled, from the best source the series has: the odometer (what the car counted),
 * else GPS fixes (plausible steps only), else integrated speed.
 */
export function cumulativeDistance(s: ChartSeries): CumulativeDistance {
  if (countValid(s.odometerKm) >= Math.max(2, s.length / 10)) return { source: 'odometer', km: fromOdometer(s) };
  if (Math.min(countValid(s.lat), countValid(s.lon)) >= Math.max(2, s.length / 20)) return { source: 'gps', km: fromGps(s) };
  return { source: 'speed', km: fromSpeed(s) };
}

/** The distance travelled at any moment (interpolated between samples, clamped at the ends). */
export function distanceAtMs(tsMs: Float64Array, km: Float64Array, atMs: number): number {
  const n = tsMs.length;
  if (n === 0) return 0;
  if (atMs <= tsMs[0]!) return km[0]!;
  if (atMs >= tsMs[n - 1]!) return km[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tsMs[mid]! <= atMs) lo = mid;
    else hi = mid;
  }
  const t0 = tsMs[lo]!;
  const t1 = tsMs[hi]!;
  return t1 === t0 ? km[lo]! : km[lo]! + ((km[hi]! - km[lo]!) * (atMs - t0)) / (t1 - t0);
}
