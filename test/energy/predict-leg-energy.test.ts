import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceCalibrationFactor } from '../../src/domain/energy/device-calibration.ts';
import { predictKwhPerKm, predictPctPerKm } from '../../src/domain/energy/energy-model.ts';
import { predictArrivalSocPct, predictLegEnergy, remainingRangeKm } from '../../src/domain/energy/predict-leg-energy.ts';
import { loadEnergyModel } from '../../src/models/load-energy-model.ts';
import { testEnergyModel } from '../detect/shortfall-series.ts';

const model = testEnergyModel();
const mild = { avgSpeedKph: 80, outsideTempC: 20, batteryTempC: 25, cabinSetpointC: 21 };

describe('energy model predictions', () => {
  it('costs more per km when colder, faster or heated harder', () => {
    const at = (c: Partial<typeof mild>) => predictKwhPerKm(model, { ...mild, ...c });
    expect(at({ outsideTempC: -10, batteryTempC: -5 })).toBeGreaterThan(at({}));
    expect(at({ batteryTempC: 0 })).toBeGreaterThan(at({}));
    expect(at({ avgSpeedKph: 120 })).toBeGreaterThan(at({}));
    expect(at({ cabinSetpointC: 26, outsideTempC: 0 })).toBeGreaterThan(at({ cabinSetpointC: 18, outsideTempC: 0 }));
    // The same heating costs more per km in slow traffic (it runs for longer per km).
    const heatCost = (v: number) => at({ avgSpeedKph: v, outsideTempC: 0 }) - at({ avgSpeedKph: v, outsideTempC: 21 });
    expect(heatCost(20)).toBeGreaterThan(heatCost(80));
  });

  it('predicts a leg in kWh and % with the model band, and the arrival SoC', () => {
    // 0.1 + 0.000016·6400 + 0.4/80 + 0.12·1/80 = 0.2089 kWh/km
    const leg = predictLegEnergy(model, { distanceKm: 100, ...mild }, 50);
    expect(leg.kwhPerKm).toBeCloseTo(0.2089, 4);
    expect(leg.expectedKwh).toBeCloseTo(20.89, 2);
    expect(leg.expectedSocPct).toBeCloseTo(41.78, 2);
    expect(leg.lowKwh).toBeCloseTo(20.89 * 0.85, 2);
    expect(leg.highKwh).toBeCloseTo(20.89 * 1.15, 2);
    const climb = predictLegEnergy(model, { distanceKm: 100, ...mild, altGainM: 500 }, 50);
    expect(climb.expectedKwh - leg.expectedKwh).toBeCloseTo(500 * 0.004, 6);
    const arrival = predictArrivalSocPct(model, { distanceKm: 100, ...mild }, 60, 50);
    expect(arrival.expectedPct).toBeCloseTo(60 - 41.78, 2);
    expect(arrival.optimisticPct).toBeGreaterThan(arrival.expectedPct);
    expect(arrival.pessimisticPct).toBeLessThan(arrival.expectedPct);
    expect(predictLegEnergy(model, { distanceKm: 100, ...mild, calibrationFactor: 1.2 }, 50).expectedKwh).toBeCloseTo(20.89 * 1.2, 2);
    expect(() => predictLegEnergy(model, { distanceKm: 10, ...mild }, 0)).toThrow(/batteryKwh/);
  });

  it('gives % of the battery per km for a capacity', () => {
    expect(predictPctPerKm(model, mild, 50)).toBeCloseTo((0.2089 / 50) * 100, 4);
    expect(() => predictPctPerKm(model, mild, -1)).toThrow(/batteryKwh/);
  });

  it('gives the remaining range to a reserve', () => {
    expect(remainingRangeKm(model, mild, 50, 60, 0)).toBeCloseTo(30 / 0.2089, 1);
    expect(remainingRangeKm(model, mild, 50, 60, 5)).toBeCloseTo(27 / 0.2089, 1);
    expect(remainingRangeKm(model, mild, 3, 60, 5)).toBe(0);
  });

  it('calibrates a device by observed/predicted, shrunk towards 1 and clamped', () => {
    expect(deviceCalibrationFactor([])).toBe(1);
    expect(deviceCalibrationFactor([{ observed: 120, predicted: 100 }])).toBeCloseTo(122 / 102, 6);
    expect(deviceCalibrationFactor([{ observed: 1.2, predicted: 1 }])).toBeLessThan(1.1);
    expect(deviceCalibrationFactor([{ observed: 500, predicted: 100 }])).toBe(1.8);
  });
});

describe('loadEnergyModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-energy-'));
  it('loads a valid file and names what is wrong with a malformed one', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(model));
    expect(loadEnergyModel(good).coefficients).toEqual(model.coefficients);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...model, coefficients: { ...model.coefficients, aero: 'fast' } }));
    expect(() => loadEnergyModel(bad)).toThrow(/malformed.*coefficients\/aero/);
    writeFileSync(bad, '{"schemaVersion": 1,');
    expect(() => loadEnergyModel(bad)).toThrow(/not valid JSON/);
    expect(() => loadEnergyModel(join(dir, 'missing.json'))).toThrow(/cannot read.*train:energy/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the committed model', () => {
    const committed = loadEnergyModel(join(import.meta.dirname, '../../models/energy-model.json'));
    expect(committed.name).toBe('energy-model@1');
    expect(committed.band.lowRatio).toBeLessThan(1);
    expect(committed.band.highRatio).toBeGreaterThan(1);
  });
});
