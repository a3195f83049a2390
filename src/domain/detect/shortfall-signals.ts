import type { Charger } from '../chargers/charger.ts';
import { haversineKm } from '../geo-distance.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';

/** Road distance is longer than the great circle; 1.25 is the usual detour factor for road networks. */
export const ROAD_FACTOR = 1.25;

/** First index with tsMs >= t (series.length when none). */
export function indexAtOrAfter(series: TelemetrySeries, t: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (series.tsMs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function medianOf(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[values.length >> 1]!;
}

/**
 * Median of the last `take` valid values at or before index `i` (not before `from`): a one-sample
 * SoC glitch (a reading of 0 % between two of 14 %) cannot move it.
 */
export function robustValueAt(values: Float64Array, i: number, take = 5, from = 0): number {
  const picked: number[] = [];
  for (let k = i; k >= from && picked.length < take; k--) if (Number.isFinite(values[k]!)) picked.push(values[k]!);
  return medianOf(picked);
}

/** Median of the valid values of [from, to] (inclusive), at most `take` of them from the start. */
export function robustValueFrom(values: Float64Array, from: number, to: number, take = 5): number {
  const picked: number[] = [];
  for (let k = from; k <= to && picked.length < take; k++) if (Number.isFinite(values[k]!)) picked.push(values[k]!);
  return medianOf(picked);
}

/**
 * GPS position at index `i` (not before `from`): the median of the last 9 fixes, so a fix that
 * jumps tens of km for a sample or three cannot turn the car towards another charger.
 */
export function positionAt(series: TelemetrySeries, i: number, from = 0): { lat: number; lon: number } | null {
  const lats: number[] = [];
  const lons: number[] = [];
  for (let k = i; k >= from && lats.length < 9; k--) {
    if (Number.isFinite(series.lat[k]!) && Number.isFinite(series.lon[k]!)) lats.push(series.lat[k]!), lons.push(series.lon[k]!);
  }
  return lats.length === 0 ? null : { lat: medianOf(lats), lon: medianOf(lons) };
}

/** First valid GPS position at or after index `i` (up to `to`). */
export function positionFrom(series: TelemetrySeries, i: number, to: number): { lat: number; lon: number } | null {
  for (let k = i; k <= to; k++) {
    if (Number.isFinite(series.lat[k]!) && Number.isFinite(series.lon[k]!)) return { lat: series.lat[k]!, lon: series.lon[k]! };
  }
  return null;
}

/** Initial bearing from one point to another, degrees clockwise from north. */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
  const x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) - Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
  return ((Math.atan2(y, x) / rad) + 360) % 360;
}

const angleBetween = (a: number, b: number): number => Math.abs(((a - b + 540) % 360) - 180);

export function nearestCharger(chargers: readonly Charger[], lat: number, lon: number): { charger: Charger; km: number } | null {
  let best: { charger: Charger; km: number } | null = null;
  for (const c of chargers) {
    const km = haversineKm(lat, lon, c.lat, c.lon);
    if (!best || km < best.km) best = { charger: c, km };
  }
  return best;
}

export interface ChargerTarget {
  charger: Charger;
  /** Great circle × ROAD_FACTOR. */
  roadKm: number;
  how: 'ahead' | 'nearest_other' | 'nearest' | 'planned';
}

/**
 * Chargers farther than this by road are not "the next charger" of anybody: the charger table is
 * shared by every device, and a vehicle in another region (a Twizy in Rabat beside a list of
 * Connecticut chargers) has no known charger at all — nothing to predict against, so no warning.
 */
export const MAX_CHARGER_ROAD_KM = 600;
/**
 * A charger more than this far off the direction of travel is not on the road the car is taking:
 * at 45° a detour costs 1/cos 45° ≈ 1.4 km of road per km of progress.
 */
export const AHEAD_CONE_DEG = 45;

export interface TargetOptions {
  coneDeg?: number;
  atChargerKm?: number;
  maxRoadKm?: number;
  /**
   * The car left a public fast charger: it is on a journey, so the one it left (and others behind
   * it) are not where it is going; turning back is what a warning would ask, not the plan.
   */
  enRoute?: boolean;
}

/**
 * Where the car can next charge, among `allChargers` (already reduced to the ones it can use):
 * the nearest charger ahead (within ±coneDeg of the heading) when the car has a heading, else
 * the nearest one other than those at `leftFrom` (the charger just left), else the nearest of all.
 * Not en route (a day from home), heading away from every charger near by (to a place without
 * one), the driver can still turn back, so a charger far ahead does not count when one behind
 * (the one left included) is much nearer.
 */
export function nextChargerTarget(
  allChargers: readonly Charger[],
  here: { lat: number; lon: number },
  headingDeg: number | null,
  leftFrom: { lat: number; lon: number } | null,
  options: TargetOptions = {},
): ChargerTarget | null {
  const { coneDeg = AHEAD_CONE_DEG, atChargerKm = 1, maxRoadKm = MAX_CHARGER_ROAD_KM, enRoute = false } = options;
  const chargers = allChargers.filter((c) => haversineKm(here.lat, here.lon, c.lat, c.lon) * ROAD_FACTOR <= maxRoadKm);
  const candidates = chargers.filter((c) => !leftFrom || haversineKm(leftFrom.lat, leftFrom.lon, c.lat, c.lon) > atChargerKm);
  const other = nearestCharger(candidates, here.lat, here.lon);
  const otherTarget: ChargerTarget | null = other ? { charger: other.charger, roadKm: other.km * ROAD_FACTOR, how: 'nearest_other' } : null;
  if (headingDeg !== null) {
    let best: ChargerTarget | null = null;
    for (const c of enRoute ? candidates : chargers) {
      const km = haversineKm(here.lat, here.lon, c.lat, c.lon);
      // Chargers right here count as ahead (the car is arriving at one).
      const ahead = km < 0.5 || angleBetween(bearingDeg(here.lat, here.lon, c.lat, c.lon), headingDeg) <= coneDeg;
      if (ahead && (!best || km * ROAD_FACTOR < best.roadKm)) best = { charger: c, roadKm: km * ROAD_FACTOR, how: 'ahead' };
    }
    // On a journey the charger ahead is the target; with none ahead the car is judged as on a day out.
    if (enRoute && best) return best;
    const behind = nearestCharger(chargers, here.lat, here.lon);
    if (best && (!behind || best.roadKm <= 1.5 * behind.km * ROAD_FACTOR + 10)) return best;
    if (behind) return { charger: behind.charger, roadKm: behind.km * ROAD_FACTOR, how: 'nearest' };
  }
  if (otherTarget) return otherTarget;
  const any = nearestCharger(chargers, here.lat, here.lon);
  return any ? { charger: any.charger, roadKm: any.km * ROAD_FACTOR, how: 'nearest' } : null;
}

/**
 * The charger a driver leaving a charging stop is most likely planning to reach: the farthest
 * usable charger ahead that the car's displayed range covers (a driver charges until the display
 * shows enough for the next stop, not more). Null without a displayed range or such a charger.
 */
export function plannedChargerAhead(
  chargers: readonly Charger[],
  here: { lat: number; lon: number },
  headingDeg: number,
  leftFrom: { lat: number; lon: number } | null,
  displayedKm: number,
  coneDeg = AHEAD_CONE_DEG,
): ChargerTarget | null {
  if (!(displayedKm > 0)) return null;
  let best: ChargerTarget | null = null;
  for (const c of chargers) {
    if (leftFrom && haversineKm(leftFrom.lat, leftFrom.lon, c.lat, c.lon) <= 1) continue;
    const roadKm = haversineKm(here.lat, here.lon, c.lat, c.lon) * ROAD_FACTOR;
    if (roadKm > displayedKm || angleBetween(bearingDeg(here.lat, here.lon, c.lat, c.lon), headingDeg) > coneDeg) continue;
    if (!best || roadKm > best.roadKm) best = { charger: c, roadKm, how: 'planned' };
  }
  return best;
}

/**
 * Power from which a charger is a stop on a journey: DC fast charging starts at 50 kW, and below
 * ~40 kW (22 kW AC, a home wallbox) an hour adds well under 200 km: a place to sleep, not to pass.
 */
export const FAST_CHARGER_KW = 40;

/** A public fast charger (or one of unknown power, as public lists often are). */
export const isFastCharger = (c: Charger): boolean => c.powerKw === null || c.powerKw >= FAST_CHARGER_KW;

/**
 * The chargers a car can plausibly use on the road: public fast ones, and slow ones it has itself
 * charged at (its home, its depot: `chargedAt`). A stranger's wallbox 2 km off the motorway is not
 * the next charger of a car on a journey.
 */
export function usableChargers(chargers: readonly Charger[], chargedAt: readonly { lat: number; lon: number }[], atChargerKm = 1): Charger[] {
  return chargers.filter((c) => isFastCharger(c) || chargedAt.some((p) => haversineKm(p.lat, p.lon, c.lat, c.lon) <= atChargerKm));
}
