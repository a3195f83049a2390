import { describe, expect, it } from 'vitest';
import { driveWindows, holeStepS } from '../../src/domain/energy/drive-windows.ts';
import type { EnergyCoefficients } from '../../src/domain/energy/energy-model.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { syntheticDrive } from './synthetic-drive.ts';

const KNOWN: EnergyCoefficients = { rolling: 0.1, aero: 0.000016, aux: 0.4, hvac: 0.12, grade: 0.004, coldBattery: 0.002 };

/** Every `everyS`-th sample of a 1 Hz series: a modem that sends a row that often while driving. */
function everyNth(s: TelemetrySeries, everyS: number): TelemetrySeries {
  const keep = Array.from({ length: Math.ceil(s.length / everyS) }, (_, k) => k * everyS);
  const f = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    length: keep.length, tsMs: f(s.tsMs), speedKph: f(s.speedKph), socPct: f(s.socPct), rangeKm: f(s.rangeKm), batteryTempC: f(s.batteryTempC),
    outsideTempC: f(s.outsideTempC), cabinSetpointC: f(s.cabinSetpointC), lat: f(s.lat), lon: f(s.lon), altM: f(s.altM), odometerKm: f(s.odometerKm),
    powerKw: f(s.powerKw), state: keep.map((i) => s.state[i]!), errorCodes: keep.map((i) => s.errorCodes[i]!),
  };
}

describe('drive windows of a logger that sends every few seconds', () => {
  const drive = syntheticDrive(KNOWN, [{ minutes: 40, speedKph: 90, outsideTempC: 10, batteryTempC: 20, cabinSetpointC: 21 }]);

  it('take a hole to be a step well beyond the logger’s own cadence', () => {
    expect(holeStepS(drive, 10, 2)).toBe(10);
    expect(holeStepS(everyNth(drive, 5), 10, 2)).toBe(12.5);
    expect(holeStepS(everyNth(drive, 15), 10, 2)).toBe(37.5);
    expect(holeStepS(everyNth(drive, 90), 10, 2)).toBe(60); // never past a minute
  });

  for (const everyS of [1, 5, 15, 30]) {
    it(`cover the road and the energy of a 60 km drive logged every ${everyS} s`, () => {
      const windows = driveWindows(everyS === 1 ? drive : everyNth(drive, everyS), { windowKm: 3 });
      const km = windows.reduce((s, w) => s + w.distanceKm, 0);
      const kwh = windows.reduce((s, w) => s + w.energyKwh, 0);
      expect(windows.length).toBeGreaterThanOrEqual(18);
      expect(km).toBeGreaterThan(56.5); // a last window short of 0.8 × 3 km is dropped
      expect(km).toBeLessThanOrEqual(60.1);
      // 0.1 + 0.000016·90² = 0.2296 kWh/km of driving, plus aux and heating per hour.
      expect(kwh / km).toBeCloseTo(0.2296 + (0.4 + 0.12 * 11) / 90, 2);
    });
  }

  it('still end at a real hole in a sparse log', () => {
    const sparse = everyNth(drive, 15);
    const cut = Math.floor(sparse.length / 2);
    const tsMs = Float64Array.from(sparse.tsMs, (t, i) => (i >= cut ? t + 5 * 60_000 : t));
    const windows = driveWindows({ ...sparse, tsMs }, { windowKm: 3 });
    expect(windows.every((w) => w.endMs <= tsMs[cut - 1]! || w.startMs >= tsMs[cut]!)).toBe(true);
  });
});
