import { describe, expect, it } from 'vitest';
import { evaluateClaim } from '../../src/domain/claims/evaluate-claim.ts';
import { claimUnitProblem } from '../../src/domain/claims/claim-channels.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const MPH = 1.609344;
const fToC = (f: number) => ((f - 32) * 5) / 9;

/** 1 Hz samples; `fill(i)` sets the channels of second i. */
function series(seconds: number, fill: (s: TelemetrySeries, i: number) => void, skip: (i: number) => boolean = () => false): TelemetrySeries {
  const keep = Array.from({ length: seconds }, (_, i) => i).filter((i) => !skip(i));
  const s = emptySeries(keep.length);
  keep.forEach((i, k) => {
    s.tsMs[k] = T0 + i * 1000;
    const one = emptySeries(1);
    fill(one, i);
    for (const key of ['speedKph', 'socPct', 'rangeKm', 'cabinSetpointC'] as const) s[key][k] = one[key][0]!;
  });
  return s;
}

describe('bound claims', () => {
  // 10 minutes: 70 mph for the first 9, 50 mph for the last.
  const s = series(600, (x, i) => { x.speedKph[0] = (i < 540 ? 70 : 50) * MPH; });

  it('contradicts "speed ≤ 54 mph most of the time" when 90 % of samples are at 70 mph, and reports the logged figures in mph', () => {
    const v = evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '<=', value: 54, unit: 'mph', fromMs: T0, toMs: T0 + 599_000, tolerance: 2, share: 0.9 });
    expect(v.verdict).toBe('contradicted');
    expect(v.unit).toBe('mph');
    expect(v.logged).toMatchObject({ samples: 600, min: 50, max: 70, median: 70, p90: 70, shareWithin: 0.1, coveragePct: 100 });
    expect(v.explanation).toContain('10 % of 600 samples');
  });

  it('supports "speed ≤ 72 mph" always, and a bound that holds only for the last minute when share is low enough', () => {
    expect(evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '<=', value: 72, unit: 'mph', fromMs: T0, toMs: T0 + 599_000 }).verdict).toBe('supported');
    expect(evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '<', value: 55, unit: 'mph', fromMs: T0, toMs: T0 + 599_000, share: 0.1 }).verdict).toBe('supported');
    expect(evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '>', value: 60, unit: 'mph', fromMs: T0, toMs: T0 + 599_000 }).verdict).toBe('contradicted');
    // The same kind of bound in km/h: 70 mph = 112.7 km/h is above 110 km/h.
    expect(evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '<=', value: 110, unit: 'km/h', fromMs: T0, toMs: T0 + 599_000 }).verdict).toBe('contradicted');
  });

  it('has not enough data with no samples in the range, or with a gap over most of it', () => {
    const none = evaluateClaim(s, { kind: 'bound', channel: 'speed', op: '<=', value: 54, unit: 'mph', fromMs: T0 + 3_600_000, toMs: T0 + 7_200_000 });
    expect(none.verdict).toBe('not_enough_data');
    expect(none.logged.samples).toBe(0);
    // Samples only in the first and last 30 s of a 10-minute range: a 9-minute hole.
    const holey = series(600, (x) => { x.speedKph[0] = 100; }, (i) => i >= 30 && i < 570);
    const v = evaluateClaim(holey, { kind: 'bound', channel: 'speed', op: '<=', value: 54, unit: 'mph', fromMs: T0, toMs: T0 + 599_000 });
    expect(v.verdict).toBe('not_enough_data');
    expect(v.logged.coveragePct).toBeLessThan(15);
    expect(v.explanation).toMatch(/covers only/);
  });

  it('ignores missing values (NaN) rather than counting them as within', () => {
    const gappy = series(600, (x, i) => { x.speedKph[0] = i % 2 === 0 ? 100 : Number.NaN; });
    const v = evaluateClaim(gappy, { kind: 'bound', channel: 'speed', op: '<=', value: 54, unit: 'mph', fromMs: T0, toMs: T0 + 599_000 });
    expect(v.logged.samples).toBe(300);
    expect(v.verdict).toBe('contradicted');
  });
});

describe('value_at claims', () => {
  // SoC rises 50 → 80 % over an hour of charging, one sample a minute.
  const s = series(3600, (x, i) => { x.socPct[0] = 50 + (30 * i) / 3599; x.rangeKm[0] = (50 + (30 * i) / 3599) * 3; }, (i) => i % 60 !== 0 && i !== 3599);
  const end = T0 + 3_599_000;

  it('contradicts "charged to 100 %" at the unplug with the logged value, and supports "charged to 80 %"', () => {
    const full = evaluateClaim(s, { kind: 'value_at', channel: 'soc', atMs: end, op: '>=', value: 100, unit: '%', tolerance: 2 });
    expect(full.verdict).toBe('contradicted');
    expect(full.logged.valueAt).toBe(80);
    expect(full.logged.valueAtMs).toBe(end);
    expect(full.explanation).toContain('80 %');
    expect(evaluateClaim(s, { kind: 'value_at', channel: 'soc', atMs: end, op: '>=', value: 80, unit: '%' }).verdict).toBe('supported');
  });

  it('converts miles at the edge: 240 km displayed is 149.1 mi', () => {
    const v = evaluateClaim(s, { kind: 'value_at', channel: 'range', atMs: end, op: '<=', value: 150, unit: 'mi' });
    expect(v.verdict).toBe('supported');
    expect(v.logged.valueAt).toBeCloseTo(149.13, 1);
  });

  it('takes the nearest sample inside the window, and has not enough data when none is inside it', () => {
    const mid = evaluateClaim(s, { kind: 'value_at', channel: 'soc', atMs: T0 + 1_810_000, op: '>=', value: 0, unit: '%', windowMs: 60_000 });
    expect(mid.logged.valueAtMs).toBe(T0 + 1_800_000);
    const later = evaluateClaim(s, { kind: 'value_at', channel: 'soc', atMs: end + 3_600_000, op: '>=', value: 100, unit: '%' });
    expect(later.verdict).toBe('not_enough_data');
    expect(later.logged.samples).toBe(0);
  });
});

describe('change claims', () => {
  // Set-point 72 °F, raised to 74 °F at minute 10; 20 minutes at 1 Hz.
  const raised = series(1200, (x, i) => { x.cabinSetpointC[0] = Math.round(fToC(i < 600 ? 72 : 74) * 10) / 10; });
  const at = T0 + 600_000;

  it('contradicts "turned the heat down" when the set-point went up, saying so in °F', () => {
    const v = evaluateClaim(raised, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'lowered', unit: '°F' });
    expect(v.verdict).toBe('contradicted');
    expect(v.logged.before).toBeCloseTo(72, 0);
    expect(v.logged.max).toBeCloseTo(74, 0);
    // Stored as 22.2 / 23.3 °C (0.1 °C steps), so back in °F: 72 and 73.9.
    expect(v.explanation).toContain('raised from 72 °F to 73.9 °F');
    expect(evaluateClaim(raised, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'raised', unit: '°F' }).verdict).toBe('supported');
  });

  it('contradicts a change claim on a flat trace, and supports "lowered" when it was', () => {
    const flat = series(1200, (x) => { x.cabinSetpointC[0] = 22; });
    const v = evaluateClaim(flat, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'lowered' });
    expect(v.verdict).toBe('contradicted');
    expect(v.explanation).toContain('stayed at 22 °C');
    const lowered = series(1200, (x, i) => { x.cabinSetpointC[0] = i < 700 ? 22 : 20; });
    expect(evaluateClaim(lowered, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'lowered' }).verdict).toBe('supported');
    // A 0.1 °C wobble is not a change by default, but is with minDelta 0.05.
    const wobble = series(1200, (x, i) => { x.cabinSetpointC[0] = i < 600 ? 22 : 21.9; });
    expect(evaluateClaim(wobble, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'lowered' }).verdict).toBe('contradicted');
    expect(evaluateClaim(wobble, { kind: 'change', channel: 'cabin_setpoint', atMs: at, direction: 'lowered', minDelta: 0.05 }).verdict).toBe('supported');
  });

  it('has not enough data when one side of the moment has no samples', () => {
    const v = evaluateClaim(raised, { kind: 'change', channel: 'cabin_setpoint', atMs: T0, direction: 'lowered' });
    expect(v.verdict).toBe('not_enough_data');
    expect(v.explanation).toContain('before the moment');
  });
});

describe('units', () => {
  it('refuses a unit of another quantity for the channel', () => {
    expect(claimUnitProblem('speed', 'mi')).toMatch(/does not measure speed/);
    expect(claimUnitProblem('cabin_setpoint', '°F')).toBeUndefined();
    expect(() => evaluateClaim(emptySeries(0), { kind: 'value_at', channel: 'soc', atMs: T0, op: '>=', value: 1, unit: 'mph' })).toThrow(/does not measure/);
  });
});
