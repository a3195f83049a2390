import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findHeatingFlags, maxPlausibleRiseC, medianOfRows, THERMAL_PRECURSOR } from '../../src/domain/detect/thermal-precursor.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';

// Seeded: the same cases every run.
const SEED = 20261202;

/** The plain median: a sorted copy. */
function plainMedian(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The flags as computed before the scratch-array median (slices, maps and a sort per window): the oracle. */
function oracleFlags(series: TelemetrySeries, batteryKwh: number) {
  const T = THERMAL_PRECURSOR;
  const { tsMs, batteryTempC, powerKw } = series;
  const rows: number[] = [];
  for (let i = 0; i < series.length; i++) if (Number.isFinite(batteryTempC[i]!)) rows.push(i);
  const powerSum = new Float64Array(rows.length + 1);
  const powerCount = new Uint32Array(rows.length + 1);
  rows.forEach((i, r) => {
    const p = powerKw[i]!;
    powerSum[r + 1] = powerSum[r]! + (Number.isFinite(p) ? Math.abs(p) : 0);
    powerCount[r + 1] = powerCount[r]! + (Number.isFinite(p) ? 1 : 0);
  });
  const flags: { index: number; windowMs: number; riseC: number; boundC: number; meanPowerKw: number | null }[] = [];
  const starts = T.windowsMs.map(() => 0);
  let segmentStart = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    if (r > 0 && tsMs[i]! - tsMs[rows[r - 1]!]! > T.maxStepMs) segmentStart = r;
    let best: (typeof flags)[number] | null = null;
    T.windowsMs.forEach((windowMs, w) => {
      let s = Math.max(starts[w]!, segmentStart);
      while (tsMs[rows[s]!]! < tsMs[i]! - windowMs) s++;
      starts[w] = s;
      const n = r - s + 1;
      if (n < T.minRows || tsMs[i]! - tsMs[rows[s]!]! < T.minCoverage * windowMs) return;
      const k = Math.min(5, Math.floor(n / 3));
      const head = rows.slice(s, s + k);
      const tail = rows.slice(r - k + 1, r + 1);
      const riseC = plainMedian(tail.map((j) => batteryTempC[j]!)) - plainMedian(head.map((j) => batteryTempC[j]!));
      const spanS = (tsMs[tail[Math.floor(k / 2)]!]! - tsMs[head[Math.floor(k / 2)]!]!) / 1000;
      if (spanS <= 0) return;
      const sum = powerSum[r + 1]! - powerSum[s]!;
      const m = powerCount[r + 1]! - powerCount[s]!;
      const meanPowerKw = m >= n / 2 ? sum / m : null;
      const boundC = maxPlausibleRiseC(meanPowerKw, batteryKwh, spanS);
      if (riseC > boundC + T.marginC && (!best || riseC - boundC > best.riseC - best.boundC)) best = { index: i, windowMs, riseC, boundC, meanPowerKw };
    });
    if (best) flags.push(best);
  }
  return flags;
}

/** A pack trace: steps of 1–150 s (some beyond maxStepMs), temperatures that jump and ramp, gaps, power or none. */
const trace = fc.record({
  steps: fc.array(fc.record({
    dtS: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 150 }) }),
    dT: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -2, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: -20, max: 40 }) }),
    powerKw: fc.oneof(fc.constant(Number.NaN), fc.double({ min: -150, max: 250, noNaN: true })),
    gap: fc.integer({ min: 0, max: 19 }),
  }), { minLength: 1, maxLength: 1_500 }),
  startC: fc.integer({ min: -10, max: 40 }),
  halfSteps: fc.boolean(),
  batteryKwh: fc.constantFrom(12, 40, 75, 100),
});

function toSeries(t: { steps: { dtS: number; dT: number; powerKw: number; gap: number }[]; startC: number; halfSteps: boolean }): TelemetrySeries {
  const s = emptySeries(t.steps.length);
  let ts = Date.UTC(2026, 0, 12);
  let temp = t.startC;
  t.steps.forEach((step, i) => {
    ts += step.dtS * 1000;
    temp += t.halfSteps ? step.dT / 2 : step.dT;
    s.tsMs[i] = ts;
    // One row in 20 without a temperature reading.
    s.batteryTempC[i] = step.gap === 0 ? Number.NaN : temp;
    s.powerKw[i] = step.powerKw;
  });
  return s;
}

describe('thermal precursor: the scratch-array median gives what the plain median gave', () => {
  it('medianOfRows equals the median of a sorted copy, for any 1–5 rows of any values', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 5 }), fc.nat(), fc.boolean(),
      (values, kWanted, at, reversed) => {
        const rows = values.map((_, i) => i);
        if (reversed) rows.reverse();
        const k = Math.min(kWanted, rows.length);
        const from = at % (rows.length - k + 1);
        const scratch = new Float64Array(5).fill(123); // stale contents must not matter
        expect(medianOfRows(values, rows, from, k, scratch)).toBe(plainMedian(rows.slice(from, from + k).map((j) => values[j]!)));
      },
    ), { seed: SEED, numRuns: 2_000 });
  });

  it('findHeatingFlags gives the same flags as the old computation on random pack traces', () => {
    fc.assert(fc.property(trace, (t) => {
      const series = toSeries(t);
      expect(findHeatingFlags(series, t.batteryKwh)).toEqual(oracleFlags(series, t.batteryKwh));
    }), { seed: SEED, numRuns: 300 });
  });

  it('the traces do reach flags (the comparison is not only of empty lists)', () => {
    const flagged = fc.sample(trace, { seed: SEED, numRuns: 300 }).filter((t) => oracleFlags(toSeries(t), t.batteryKwh).length > 0);
    expect(flagged.length).toBeGreaterThan(0);
  });
});
