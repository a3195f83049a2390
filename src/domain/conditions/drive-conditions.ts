import { Type, type Static } from 'typebox';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { isDaylight } from './sun-altitude.ts';
import { temperatureBand, TemperatureBandLiterals } from './temperature-band.ts';

/**
 * Road classes from the speed profile, for logs without a map match.
 *
 * Each sample is classed by the time-weighted mean speed over a centred window of
 * `ROAD_WINDOW_S` (so a red light does not turn a highway into a city street, and one fast
 * burst does not make a city street a highway):
 * - `city` below 50 km/h: 50 km/h is the default urban limit in most of Europe and Morocco, and
 *   urban traffic with its stops averages well under it;
 * - `arterial` from 50 to 80 km/h: ring roads, main and rural roads (limits 60–90 km/h);
 * - `highway` from 80 km/h: motorways and expressways (limits 90–130 km/h) — sustained 80 km/h
 *   over a minute is rare anywhere else.
 * A highway in a jam counts as city driving: the analyst's question is how the car was driven.
 */
export const ROAD_WINDOW_S = 60;
export const ARTERIAL_MIN_KPH = 50;
export const HIGHWAY_MIN_KPH = 80;
/** Runs of one class shorter than this join the run before (a ramp, a brief slow-down). */
export const MIN_STRETCH_S = 30;

export type RoadClass = 'city' | 'arterial' | 'highway';
export const RoadClassSchema = Type.Union([Type.Literal('city'), Type.Literal('arterial'), Type.Literal('highway')]);

export function roadClassOf(meanSpeedKph: number): RoadClass {
  if (meanSpeedKph >= HIGHWAY_MIN_KPH) return 'highway';
  if (meanSpeedKph >= ARTERIAL_MIN_KPH) return 'arterial';
  return 'city';
}

const Num = Type.Union([Type.Number(), Type.Null()]);
export const RoadStretchSchema = Type.Object({ roadClass: RoadClassSchema, startMs: Type.Number(), endMs: Type.Number() });
export type RoadStretch = Static<typeof RoadStretchSchema>;

/** What a period was driven on and in; stored with the session as typed columns for cohorts. */
export const DriveConditionsSchema = Type.Object({
  highwayKm: Num,
  arterialKm: Num,
  cityKm: Num,
  highwayS: Type.Number(),
  arterialS: Type.Number(),
  cityS: Type.Number(),
  highwayShare: Num,
  meanOutsideTempC: Num,
  tempBand: Type.Union([...TemperatureBandLiterals, Type.Literal('unknown')]),
  /** Share of the period's time with the sun above the horizon, at the positions logged (null: no position). */
  daylightShare: Num,
  daylight: Type.Union([Type.Literal('day'), Type.Literal('night'), Type.Literal('unknown')]),
  stretches: Type.Array(RoadStretchSchema),
});
export type DriveConditions = Static<typeof DriveConditionsSchema>;

/** Time-weighted mean of `values` over each sample's centred window, with prefix sums (O(n)). */
function windowMeans(s: TelemetrySeries, from: number, to: number, windowMs: number): Float64Array {
  const n = to - from + 1;
  const weighted = new Float64Array(n + 1);
  const time = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const i = from + k;
    const dt = i < to ? s.tsMs[i + 1]! - s.tsMs[i]! : 0;
    const v = s.speedKph[i]!;
    const ok = !Number.isNaN(v);
    weighted[k + 1] = weighted[k]! + (ok ? v * dt : 0);
    time[k + 1] = time[k]! + (ok ? dt : 0);
  }
  const out = new Float64Array(n).fill(Number.NaN);
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < n; k++) {
    const t = s.tsMs[from + k]!;
    while (lo < k && s.tsMs[from + lo]! < t - windowMs / 2) lo++;
    while (hi < n - 1 && s.tsMs[from + hi + 1]! <= t + windowMs / 2) hi++;
    const dt = time[hi]! - time[lo]!;
    if (dt > 0) out[k] = (weighted[hi]! - weighted[lo]!) / dt;
    else if (!Number.isNaN(s.speedKph[from + k]!)) out[k] = s.speedKph[from + k]!;
  }
  return out;
}

function mergeShortStretches(stretches: RoadStretch[]): RoadStretch[] {
  const out: RoadStretch[] = [];
  for (const st of stretches) {
    const last = out[out.length - 1];
    if (last && (st.endMs - st.startMs < MIN_STRETCH_S * 1000 || last.roadClass === st.roadClass)) last.endMs = st.endMs;
    else out.push({ ...st });
  }
  // A short first stretch (pulling away) joins the one after it.
  if (out.length > 1 && out[0]!.endMs - out[0]!.startMs < MIN_STRETCH_S * 1000) {
    out[1]!.startMs = out[0]!.startMs;
    out.shift();
  }
  return out;
}

/** Sun positions are sampled this often: a drive's light changes over minutes, not seconds. */
const DAYLIGHT_STEP_MS = 60_000;

/**
 * Conditions of samples [from, to] of a period that runs until sample `endIndex`, whose distance
 * is `distanceKm` (from the odometer or GPS when known: the class shares of the speed-integrated
 * distance are scaled to it, so the classes sum to the period's distance).
 */
export function driveConditions(s: TelemetrySeries, from: number, to: number, endIndex: number, distanceKm: number | null): DriveConditions {
  const means = windowMeans(s, from, to, ROAD_WINDOW_S * 1000);
  const seconds: Record<RoadClass, number> = { city: 0, arterial: 0, highway: 0 };
  const km: Record<RoadClass, number> = { city: 0, arterial: 0, highway: 0 };
  const raw: RoadStretch[] = [];
  let tempSum = 0;
  let tempTime = 0;
  let dayTime = 0;
  let lightTime = 0;
  let nextSunMs = -Infinity;
  let lastDay = false;
  for (let i = from; i <= to; i++) {
    const dtMs = i < endIndex ? s.tsMs[i + 1]! - s.tsMs[i]! : 0;
    const mean = means[i - from]!;
    if (!Number.isNaN(mean)) {
      const cls = roadClassOf(mean);
      seconds[cls] += dtMs / 1000;
      const v = s.speedKph[i]!;
      if (!Number.isNaN(v)) km[cls] += (v * dtMs) / 3_600_000;
      const last = raw[raw.length - 1];
      if (last && last.roadClass === cls) last.endMs = s.tsMs[i]! + dtMs;
      else raw.push({ roadClass: cls, startMs: s.tsMs[i]!, endMs: s.tsMs[i]! + dtMs });
    }
    const temp = s.outsideTempC[i]!;
    if (!Number.isNaN(temp) && dtMs > 0) {
      tempSum += temp * dtMs;
      tempTime += dtMs;
    }
    const lat = s.lat[i]!;
    const lon = s.lon[i]!;
    if (!Number.isNaN(lat) && !Number.isNaN(lon)) {
      if (s.tsMs[i]! >= nextSunMs) {
        lastDay = isDaylight(s.tsMs[i]!, lat, lon);
        nextSunMs = s.tsMs[i]! + DAYLIGHT_STEP_MS;
      }
      lightTime += dtMs;
      if (lastDay) dayTime += dtMs;
    }
  }
  const speedKm = km.city + km.arterial + km.highway;
  const scale = distanceKm !== null && speedKm > 0 ? distanceKm / speedKm : 1;
  const classKm = (c: RoadClass): number | null => (speedKm > 0 ? Math.round(km[c] * scale * 1000) / 1000 : null);
  const meanTemp = tempTime > 0 ? Math.round((tempSum / tempTime) * 100) / 100 : null;
  // A period without speed samples (a park) has no time on any road, which is not "unknown" for time.
  const daylightShare = lightTime > 0 ? Math.round((dayTime / lightTime) * 1000) / 1000 : null;
  return {
    highwayKm: classKm('highway'),
    arterialKm: classKm('arterial'),
    cityKm: classKm('city'),
    highwayS: Math.round(seconds.highway),
    arterialS: Math.round(seconds.arterial),
    cityS: Math.round(seconds.city),
    highwayShare: speedKm > 0 ? Math.round((km.highway / speedKm) * 1000) / 1000 : null,
    meanOutsideTempC: meanTemp,
    tempBand: meanTemp === null ? 'unknown' : temperatureBand(meanTemp),
    daylightShare,
    daylight: daylightShare === null ? 'unknown' : daylightShare >= 0.5 ? 'day' : 'night',
    stretches: mergeShortStretches(raw),
  };
}
