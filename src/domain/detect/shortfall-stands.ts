import type { Period } from '../segmentation/period-stats.ts';

/** A hole in the data across which the car moved less than this stood still (a parked heartbeat). */
const STILL_ACROSS_GAP_KM = 0.5;

/**
 * Parks and the quiet gaps between them as one stand. A parked car that reports every 10 min (or
 * falls silent) is cut by segmentation into parks of one sample and gaps; for a shortfall what
 * matters is how long the car stood where it stopped, so a run of parks and gaps across which it
 * did not move (odometer or GPS) is one park. A gap across which it moved (a tow, a drive the data
 * missed) stays a gap.
 */
export function mergeStands(periods: readonly Period[]): Period[] {
  const out: Period[] = [];
  const still = (p: Period) => p.kind === 'park' || (p.kind === 'gap' && (p.distanceKm === null || p.distanceKm <= STILL_ACROSS_GAP_KM));
  for (const p of periods) {
    const last = out.at(-1);
    if (last && still(p) && still(last) && (last.kind === 'park' || p.kind === 'park')) {
      out[out.length - 1] = {
        ...last,
        kind: 'park',
        endMs: p.endMs,
        durationS: (p.endMs - last.startMs) / 1000,
        endLat: p.endLat ?? last.endLat,
        endLon: p.endLon ?? last.endLon,
        socEndPct: p.socEndPct ?? last.socEndPct,
        socUsedPct: last.socStartPct !== null && (p.socEndPct ?? last.socEndPct) !== null ? last.socStartPct - (p.socEndPct ?? last.socEndPct)! : null,
        minOutsideTempC: minOf(last.minOutsideTempC, p.minOutsideTempC),
        maxOutsideTempC: maxOf(last.maxOutsideTempC, p.maxOutsideTempC),
        minBatteryTempC: minOf(last.minBatteryTempC, p.minBatteryTempC),
        maxBatteryTempC: maxOf(last.maxBatteryTempC, p.maxBatteryTempC),
        errorCodes: [...new Set([...last.errorCodes, ...p.errorCodes])].sort(),
        sampleCount: last.sampleCount + p.sampleCount,
      };
    } else out.push(p);
  }
  return out;
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
