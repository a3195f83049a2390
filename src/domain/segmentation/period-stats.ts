import { Type, type Static } from 'typebox';
import { haversineKm } from '../geo-distance.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { driveConditions, DriveConditionsSchema } from '../conditions/drive-conditions.ts';

const Num = Type.Union([Type.Number(), Type.Null()]);

export type PeriodKind = 'drive' | 'charge' | 'park' | 'gap';

/** One period of a device's history; the sessions API returns these as they are. */
export const PeriodSchema = Type.Object({
  kind: Type.Union([Type.Literal('drive'), Type.Literal('charge'), Type.Literal('park'), Type.Literal('gap')]),
  startMs: Type.Number(),
  endMs: Type.Number(),
  durationS: Type.Number(),
  startLat: Num,
  startLon: Num,
  endLat: Num,
  endLon: Num,
  distanceKm: Num,
  distanceSource: Type.Union([Type.Literal('odometer'), Type.Literal('gps'), Type.Literal('speed'), Type.Null()]),
  avgSpeedKph: Num,
  maxSpeedKph: Num,
  socStartPct: Num,
  socEndPct: Num,
  energyUsedKwh: Num,
  socUsedPct: Num,
  consumptionKwhPerKm: Num,
  consumptionPctPerKm: Num,
  minOutsideTempC: Num,
  maxOutsideTempC: Num,
  minBatteryTempC: Num,
  maxBatteryTempC: Num,
  errorCodes: Type.Array(Type.String()),
  sampleCount: Type.Integer(),
  /** Road classes, temperature band, day or night (not for gaps: nothing is known inside one). */
  conditions: Type.Union([DriveConditionsSchema, Type.Null()]),
});
export type Period = Static<typeof PeriodSchema>;

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const round = (v: number | null, digits = 3): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Median of the first (or last) few valid values: one glitched SoC sample cannot move a period's start or end. */
function robustEdge(values: Float64Array, from: number, to: number, fromEnd: boolean, take = 5): number | null {
  const picked: number[] = [];
  if (fromEnd) {
    for (let i = to; i >= from && picked.length < take; i--) if (!Number.isNaN(values[i]!)) picked.push(values[i]!);
  } else {
    for (let i = from; i <= to && picked.length < take; i++) if (!Number.isNaN(values[i]!)) picked.push(values[i]!);
  }
  if (picked.length === 0) return null;
  picked.sort((a, b) => a - b);
  return picked[picked.length >> 1]!;
}

function firstFix(s: TelemetrySeries, from: number, to: number, fromEnd: boolean): [number | null, number | null] {
  const step = fromEnd ? -1 : 1;
  for (let i = fromEnd ? to : from; fromEnd ? i >= from : i <= to; i += step) {
    if (!Number.isNaN(s.lat[i]!) && !Number.isNaN(s.lon[i]!)) return [s.lat[i]!, s.lon[i]!];
  }
  return [null, null];
}

function range(values: Float64Array, from: number, to: number): [number | null, number | null] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i <= to; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [orNull(lo), orNull(hi)];
}

/**
 * GPS path length, skipping jumps faster than any vehicle (glitches). Loggers repeat the last fix
 * between GPS updates (every ~12 s in the Twizy data), so a jump is timed from when the previous
 * position was first reported, not from the sample just before.
 */
function gpsKm(s: TelemetrySeries, from: number, to: number): number | null {
  let km = 0;
  let prev = -1;
  let fixes = 0;
  for (let i = from; i <= to; i++) {
    const lat = s.lat[i]!;
    const lon = s.lon[i]!;
    if (Number.isNaN(lat) || Number.isNaN(lon)) continue;
    fixes++;
    if (prev < 0) {
      prev = i;
      continue;
    }
    if (lat === s.lat[prev] && lon === s.lon[prev]) continue;
    const d = haversineKm(s.lat[prev]!, s.lon[prev]!, lat, lon);
    const hours = Math.max((s.tsMs[i]! - s.tsMs[prev]!) / 3_600_000, 1 / 3600);
    if (d / hours < 300) {
      km += d;
      prev = i;
    }
  }
  return fixes >= 2 ? km : null;
}

/**
 * Statistics of samples [from, to]; the period runs until the sample at `endIndex` (the next
 * period's first sample, or `to` itself at the end of a stretch of data).
 */
export function periodStats(s: TelemetrySeries, kind: Period['kind'], from: number, to: number, endIndex: number): Period {
  const startMs = s.tsMs[from]!;
  const endMs = s.tsMs[endIndex]!;
  const odoStart = robustEdge(s.odometerKm, from, endIndex, false, 1);
  const odoEnd = robustEdge(s.odometerKm, from, endIndex, true, 1);
  let distanceKm: number | null = null;
  let distanceSource: Period['distanceSource'] = null;
  if (odoStart !== null && odoEnd !== null && odoEnd >= odoStart) {
    distanceKm = odoEnd - odoStart;
    distanceSource = 'odometer';
  } else {
    const gps = gpsKm(s, from, endIndex);
    if (gps !== null) {
      distanceKm = gps;
      distanceSource = 'gps';
    }
  }
  // Time-weighted speed and energy over the period.
  let speedSum = 0;
  let speedTime = 0;
  let maxSpeed = -Infinity;
  let energyKwh = 0;
  let powerTime = 0;
  let speedKm = 0;
  const errorCodes = new Set<string>();
  for (let i = from; i <= to; i++) {
    const dtH = i < endIndex ? (s.tsMs[i + 1]! - s.tsMs[i]!) / 3_600_000 : 0;
    const v = s.speedKph[i]!;
    if (!Number.isNaN(v)) {
      speedSum += v * dtH;
      speedTime += dtH;
      speedKm += v * dtH;
      if (v > maxSpeed) maxSpeed = v;
    }
    const p = s.powerKw[i]!;
    if (!Number.isNaN(p)) {
      energyKwh += p * dtH;
      powerTime += dtH;
    }
    for (const code of s.errorCodes[i] ?? []) errorCodes.add(code);
  }
  if (distanceKm === null && speedTime > 0) {
    distanceKm = speedKm;
    distanceSource = 'speed';
  }
  const socStart = robustEdge(s.socPct, from, endIndex, false);
  const socEnd = robustEdge(s.socPct, from, endIndex, true);
  const socUsed = socStart !== null && socEnd !== null ? socStart - socEnd : null;
  const totalH = (endMs - startMs) / 3_600_000;
  const energy = totalH > 0 && powerTime >= 0.5 * totalH ? energyKwh : null;
  const perKm = (v: number | null) => (v !== null && distanceKm !== null && distanceKm >= 0.1 ? v / distanceKm : null);
  const [startLat, startLon] = firstFix(s, from, endIndex, false);
  const [endLat, endLon] = firstFix(s, from, endIndex, true);
  const [minOut, maxOut] = range(s.outsideTempC, from, endIndex);
  const [minBat, maxBat] = range(s.batteryTempC, from, endIndex);
  return {
    kind,
    startMs,
    endMs,
    durationS: (endMs - startMs) / 1000,
    startLat,
    startLon,
    endLat,
    endLon,
    distanceKm: round(distanceKm),
    distanceSource,
    avgSpeedKph: round(speedTime > 0 ? speedSum / speedTime : null, 2),
    maxSpeedKph: orNull(maxSpeed),
    socStartPct: socStart,
    socEndPct: socEnd,
    energyUsedKwh: round(energy),
    socUsedPct: round(socUsed),
    consumptionKwhPerKm: round(perKm(energy), 4),
    consumptionPctPerKm: round(perKm(socUsed), 4),
    minOutsideTempC: minOut,
    maxOutsideTempC: maxOut,
    minBatteryTempC: minBat,
    maxBatteryTempC: maxBat,
    errorCodes: [...errorCodes].sort(),
    sampleCount: to - from + 1,
    conditions: kind === 'gap' ? null : driveConditions(s, from, to, endIndex, distanceKm),
  };
}

/** A stretch without data between sample `before` and sample `after`: what is known is what changed across it. */
export function gapStats(s: TelemetrySeries, before: number, after: number): Period {
  const base = periodStats(s, 'gap', before, before, after);
  const odo = s.odometerKm[after]! - s.odometerKm[before]!;
  const moved = Number.isNaN(s.lat[before]!) || Number.isNaN(s.lat[after]!) ? null : haversineKm(s.lat[before]!, s.lon[before]!, s.lat[after]!, s.lon[after]!);
  const soc = s.socPct[before]! - s.socPct[after]!;
  return {
    ...base,
    startLat: orNull(s.lat[before]!),
    startLon: orNull(s.lon[before]!),
    endLat: orNull(s.lat[after]!),
    endLon: orNull(s.lon[after]!),
    distanceKm: round(Number.isFinite(odo) ? odo : moved),
    distanceSource: Number.isFinite(odo) ? 'odometer' : moved === null ? null : 'gps',
    avgSpeedKph: null,
    maxSpeedKph: null,
    socStartPct: orNull(s.socPct[before]!),
    socEndPct: orNull(s.socPct[after]!),
    socUsedPct: round(orNull(soc)),
    energyUsedKwh: null,
    consumptionKwhPerKm: null,
    consumptionPctPerKm: null,
    errorCodes: [],
    sampleCount: 0,
  };
}
