import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { FEATURE_OPTIONS, type EnergyModel } from '../../src/domain/energy/energy-model.ts';

/** A model with round, known coefficients (≈ 0.2 kWh/km at 80 km/h and 20 °C) for detector tests. */
export function testEnergyModel(): EnergyModel {
  const error = {
    windows: 100, distanceKm: 300, rmsePerKm: 0.01, maePerKm: 0.008, r2: 0.95,
    residualQuantilesPerKm: { p05: -0.02, p25: -0.005, p50: 0, p75: 0.005, p95: 0.02 },
    ratioQuantiles: { p05: 0.85, p25: 0.95, p50: 1, p75: 1.05, p95: 1.15 },
  };
  const coefficients = { rolling: 0.1, aero: 0.000016, aux: 0.4, hvac: 0.12, grade: 0.004, coldBattery: 0.002 };
  return {
    schemaVersion: 1, name: 'energy-model@test', unit: 'kwh_per_km', coefficients, ...FEATURE_OPTIONS,
    band: { lowRatio: 0.85, highRatio: 1.15, quantiles: 'p05-p95' }, error,
    sources: [{ name: 'test', unit: 'kwh_per_km', description: 'test', fittedFeatures: ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'], coefficients, error }],
    training: {},
  };
}

export type Part =
  | { kind: 'park'; minutes: number; state?: string }
  | { kind: 'charge'; minutes: number; toSocPct: number }
  /** Due north at a constant speed, drawing `kw`; stops when SoC reaches 0 (stranded). */
  | { kind: 'drive'; minutes: number; speedKph: number; kw: number };

export interface Scenario {
  startMs?: number;
  lat: number;
  lon: number;
  socPct: number;
  batteryKwh: number;
  outsideTempC: number;
  /** Displayed km per % of SoC; NaN: the car shows no range. */
  kmPerPct: number;
  parts: Part[];
}

/** Telemetry of a scripted day: parks log every 60 s, drives and charges at 1 Hz, as the fleet does. */
export function scenarioSeries(s: Scenario): TelemetrySeries {
  const rows: { t: number; v: number; soc: number; lat: number; p: number; state: string }[] = [];
  let t = s.startMs ?? Date.UTC(2024, 0, 15, 8);
  let soc = s.socPct;
  let lat = s.lat;
  for (const part of s.parts) {
    if (part.kind === 'park') {
      for (let k = 0; k < part.minutes; k++, t += 60_000) rows.push({ t, v: 0, soc, lat, p: 0.02, state: part.state ?? 'parked' });
    } else if (part.kind === 'charge') {
      const step = (part.toSocPct - soc) / (part.minutes * 60);
      for (let k = 0; k < part.minutes * 60; k++, t += 1000, soc += step) rows.push({ t, v: 0, soc, lat, p: -50, state: 'charging' });
    } else {
      for (let k = 0; k < part.minutes * 60; k++, t += 1000) {
        if (soc <= 0) {
          soc = 0;
          rows.push({ t, v: 0, soc, lat, p: 0, state: 'off' });
          continue;
        }
        rows.push({ t, v: part.speedKph, soc, lat, p: part.kw, state: 'driving' });
        soc -= (part.kw / 3600 / s.batteryKwh) * 100;
        lat += part.speedKph / 3600 / 111.2;
      }
    }
  }
  const series = emptySeries(rows.length);
  rows.forEach((r, i) => {
    series.tsMs[i] = r.t;
    series.speedKph[i] = r.v;
    series.socPct[i] = Math.round(Math.max(0, r.soc) * 100) / 100;
    series.rangeKm[i] = Number.isFinite(s.kmPerPct) ? Math.max(0, r.soc) * s.kmPerPct : Number.NaN;
    series.lat[i] = r.lat;
    series.lon[i] = s.lon;
    series.powerKw[i] = r.p;
    series.outsideTempC[i] = s.outsideTempC;
    series.batteryTempC[i] = s.outsideTempC + 5;
    series.cabinSetpointC[i] = 21;
    series.state[i] = r.state;
  });
  return series;
}

/** A point `km` due north of (lat, lon). */
export const northKm = (lat: number, km: number): number => lat + km / 111.2;
