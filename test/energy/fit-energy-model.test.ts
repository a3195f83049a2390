import { describe, expect, it } from 'vitest';
import { driveWindows } from '../../src/domain/energy/drive-windows.ts';
import type { EnergyCoefficients } from '../../src/domain/energy/energy-model.ts';
import { buildEnergyModel, fitSource } from '../../src/domain/energy/fit-energy-model.ts';
import { solveLeastSquares } from '../../src/domain/energy/least-squares.ts';
import { mulberry32 as seeded } from '../../src/domain/seeded-random.ts';
import { syntheticDrive, type SyntheticStretch } from './synthetic-drive.ts';

const KNOWN: EnergyCoefficients = { rolling: 0.1, aero: 0.000016, aux: 0.4, hvac: 0.12, grade: 0.004, coldBattery: 0.002 };

function varied(seed: number, count: number): SyntheticStretch[] {
  const r = seeded(seed);
  return Array.from({ length: count }, () => ({
    minutes: 4,
    speedKph: 20 + r() * 100,
    outsideTempC: -15 + r() * 40,
    batteryTempC: -10 + r() * 40,
    cabinSetpointC: 18 + r() * 6,
    climbMPerKm: -20 + r() * 40,
  }));
}

describe('least squares', () => {
  it('solves an exactly determined system and a weighted over-determined one', () => {
    expect(solveLeastSquares([[1, 0], [0, 2]], [3, 4]).map((v) => +v.toFixed(12))).toEqual([3, 2]);
    // y = 2 + 3x with one outlier carrying almost no weight.
    const beta = solveLeastSquares([[1, 0], [1, 1], [1, 2], [1, 3]], [2, 5, 8, 100], [1, 1, 1, 1e-12]);
    expect(beta[0]).toBeCloseTo(2, 6);
    expect(beta[1]).toBeCloseTo(3, 6);
  });

  it('names a feature the data cannot identify', () => {
    expect(() => solveLeastSquares([[1, 2], [2, 4], [3, 6]], [1, 2, 3])).toThrow(/rank deficient/);
    expect(() => solveLeastSquares([[1, 0], [1, 0], [1, 0]], [1, 2, 3])).toThrow(/feature 1 is zero/);
  });
});

describe('fitting the energy model', () => {
  it('recovers known coefficients from series made with them', () => {
    const series = syntheticDrive(KNOWN, varied(7, 160));
    const windows = driveWindows(series, { windowKm: 2 });
    expect(windows.length).toBeGreaterThan(200);
    const fit = fitSource({ name: 'synthetic', description: 'test', unit: 'kwh_per_km', windows, features: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'] });
    for (const [name, value] of Object.entries(KNOWN)) {
      expect(Math.abs(fit.coefficients[name as keyof EnergyCoefficients] / value - 1), name).toBeLessThan(0.03);
    }
    expect(fit.error.r2).toBeGreaterThan(0.99);
    expect(fit.error.rmsePerKm).toBeLessThan(0.01);
  });

  it('still recovers them through 10 % power noise, and reports the noise in its band', () => {
    const series = syntheticDrive(KNOWN, varied(11, 200), { noise: ((r) => () => (r() - 0.5) * 0.2)(seeded(3)) });
    const fit = fitSource({ name: 'noisy', description: 'test', unit: 'kwh_per_km', windows: driveWindows(series, { windowKm: 2 }), features: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'] });
    expect(Math.abs(fit.coefficients.rolling / KNOWN.rolling - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.coefficients.hvac / KNOWN.hvac - 1)).toBeLessThan(0.1);
    const model = buildEnergyModel(fit, [], {});
    expect(model.band.lowRatio).toBeLessThan(1);
    expect(model.band.highRatio).toBeGreaterThan(1);
  });

  it('fits a SoC-only source in %/km on the features it can identify, the others fixed at 0', () => {
    const series = syntheticDrive(KNOWN, varied(5, 120), { batteryKwh: 10 });
    series.powerKw.fill(Number.NaN);
    const fit = fitSource({ name: 'soc-only', description: 'test', unit: 'pct_per_km', windows: driveWindows(series, { windowKm: 2 }), features: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'] });
    // 10 kWh pack: 1 kWh/km is 10 %/km.
    expect(Math.abs(fit.coefficients.rolling / (KNOWN.rolling * 10) - 1)).toBeLessThan(0.03);
    expect(Math.abs(fit.coefficients.hvac / (KNOWN.hvac * 10) - 1)).toBeLessThan(0.03);
    const partial = fitSource({ name: 'partial', description: 'test', unit: 'pct_per_km', windows: driveWindows(series, { windowKm: 2 }), features: ['rolling', 'aero'] });
    expect(partial.coefficients.hvac).toBe(0);
    expect(partial.fittedFeatures).toEqual(['rolling', 'aero']);
  });

  it('is deterministic: the same data gives the same JSON', () => {
    const fit = () => JSON.stringify(fitSource({ name: 'd', description: 'test', unit: 'kwh_per_km', windows: driveWindows(syntheticDrive(KNOWN, varied(9, 60)), { windowKm: 2 }), features: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'] }));
    expect(fit()).toBe(fit());
  });
});
