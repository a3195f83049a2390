import { describe, expect, it } from 'vitest';
import { segmentPeriods } from '../../src/domain/segmentation/segment-periods.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';

interface Step {
  seconds: number;
  speedKph?: number;
  state?: string;
  socPerS?: number;
  powerKw?: number;
  /** Seconds without data before this step. */
  holeS?: number;
}

/** A 1 Hz series from a script of steps; SoC and odometer follow from speed and power. */
function script(steps: Step[], t0 = Date.UTC(2024, 0, 1)): TelemetrySeries {
  const n = steps.reduce((sum, s) => sum + s.seconds, 0);
  const series = emptySeries(n);
  let i = 0;
  let t = t0;
  let soc = 80;
  let odo = 1000;
  for (const step of steps) {
    t += (step.holeS ?? 0) * 1000;
    for (let k = 0; k < step.seconds; k++, i++) {
      const v = step.speedKph ?? 0;
      series.tsMs[i] = t;
      series.speedKph[i] = v;
      series.socPct[i] = soc;
      series.odometerKm[i] = odo;
      series.powerKw[i] = step.powerKw ?? (v > 0 ? 10 : 0.2);
      series.state[i] = step.state ?? (v > 0 ? 'driving' : 'parked');
      series.outsideTempC[i] = 5;
      t += 1000;
      soc += step.socPerS ?? (v > 0 ? -0.002 : 0);
      odo += v / 3600;
    }
  }
  return series;
}

const kinds = (s: TelemetrySeries) => segmentPeriods(s).map((p) => p.kind);

describe('segmentPeriods', () => {
  it('keeps a stop at the lights inside the drive', () => {
    expect(kinds(script([{ seconds: 60 }, { seconds: 600, speedKph: 50 }, { seconds: 90 }, { seconds: 600, speedKph: 50 }, { seconds: 600 }]))).toEqual([
      'park',
      'drive',
      'park',
    ]);
  });

  it('splits two drives at a long stop', () => {
    expect(kinds(script([{ seconds: 600, speedKph: 50 }, { seconds: 900 }, { seconds: 600, speedKph: 50 }]))).toEqual(['drive', 'park', 'drive']);
  });

  it('never bridges missing data, even while moving', () => {
    const periods = segmentPeriods(script([{ seconds: 600, speedKph: 80 }, { seconds: 600, speedKph: 80, holeS: 300 }]));
    expect(periods.map((p) => p.kind)).toEqual(['drive', 'gap', 'drive']);
    const gap = periods[1]!;
    expect(gap.durationS).toBe(301);
    expect(gap.sampleCount).toBe(0);
    // The odometer says how far the vehicle went while nothing was heard from it.
    expect(gap.distanceKm).toBeCloseTo(80 / 3600, 3);
    // Periods tile the timeline: each ends where the next starts.
    for (let k = 1; k < periods.length; k++) expect(periods[k]!.startMs).toBe(periods[k - 1]!.endMs);
  });

  it('finds a charge from the state and measures it', () => {
    const periods = segmentPeriods(script([{ seconds: 600, speedKph: 40 }, { seconds: 1800, state: 'charging', socPerS: 0.01, powerKw: -7 }]));
    expect(periods.map((p) => p.kind)).toEqual(['drive', 'charge']);
    const charge = periods[1]!;
    expect(charge.socEndPct! - charge.socStartPct!).toBeCloseTo(18, 0);
    expect(charge.energyUsedKwh).toBeCloseTo(-3.5, 1);
  });

  it('does not call a car-park crawl a drive', () => {
    expect(kinds(script([{ seconds: 300 }, { seconds: 40, speedKph: 5 }, { seconds: 300 }]))).toEqual(['park']);
  });

  it('measures a drive: distance from the odometer, speeds, energy, consumption, temperatures', () => {
    const [drive] = segmentPeriods(script([{ seconds: 3600, speedKph: 60 }]));
    expect(drive).toMatchObject({ kind: 'drive', distanceSource: 'odometer', maxSpeedKph: 60, minOutsideTempC: 5, maxOutsideTempC: 5 });
    expect(drive!.distanceKm).toBeCloseTo(60, 1);
    expect(drive!.avgSpeedKph).toBeCloseTo(60, 1);
    expect(drive!.energyUsedKwh).toBeCloseTo(10, 1);
    expect(drive!.consumptionKwhPerKm).toBeCloseTo(10 / 60, 3);
    expect(drive!.socUsedPct).toBeCloseTo(7.2, 1);
  });

  it('is not moved by a one-sample SoC glitch at the end of a period', () => {
    const series = script([{ seconds: 1200, speedKph: 50 }]);
    series.socPct[series.length - 2] = 0.02;
    const [drive] = segmentPeriods(series);
    expect(drive!.socEndPct).toBeGreaterThan(77);
  });

  it('collects the error codes seen in a period', () => {
    const series = script([{ seconds: 600, speedKph: 50 }]);
    series.errorCodes[100] = ['P0A1F'];
    series.errorCodes[200] = ['U0100', 'P0A1F'];
    expect(segmentPeriods(series)[0]!.errorCodes).toEqual(['P0A1F', 'U0100']);
  });
});
