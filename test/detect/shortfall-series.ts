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
  /**
   * Due north at a constant speed, drawing `kw`; stops when SoC reaches the scenario's cut-off
   * (stranded). `headingDeg` turns it (0 = north, 90 = east).
   */
  | { kind: 'drive'; minutes: number; speedKph: number; kw: number; headingDeg?: number };

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
  /** True SoC at which propulsion stops (default 0): a real car's cut-off of 0–2 %. */
  cutoffSocPct?: number;
  /** Limp mode over this many % above the cut-off: power limited to a third, speed falls with it. */
  limpPct?: number;
  /** Speed in limp mode as a share of the drive's (default 0.6); near 1: the road lets it hold its speed on the limited power. */
  limpSpeedFactor?: number;
  /** The gauge's step (default 0.01 %): 1 for a car that shows whole %. */
  socStepPct?: number;
}

/** Telemetry of a scripted day: parks log every 60 s, drives and charges at 1 Hz, as the fleet does. */
export function scenarioSeries(s: Scenario): TelemetrySeries {
  const rows: { t: number; v: number; soc: number; lat: number; lon: number; p: number; state: string }[] = [];
  let t = s.startMs ?? Date.UTC(2024, 0, 15, 8);
  let soc = s.socPct;
  let lat = s.lat;
  let lon = s.lon;
  const cutoff = s.cutoffSocPct ?? 0;
  const limp = s.limpPct ?? 0;
  for (const part of s.parts) {
    if (part.kind === 'park') {
      for (let k = 0; k < part.minutes; k++, t += 60_000) rows.push({ t, v: 0, soc, lat, lon, p: 0.02, state: part.state ?? 'parked' });
    } else if (part.kind === 'charge') {
      const step = (part.toSocPct - soc) / (part.minutes * 60);
      for (let k = 0; k < part.minutes * 60; k++, t += 1000, soc += step) rows.push({ t, v: 0, soc, lat, lon, p: -50, state: 'charging' });
    } else {
      const rad = ((part.headingDeg ?? 0) * Math.PI) / 180;
      for (let k = 0; k < part.minutes * 60; k++, t += 1000) {
        if (soc <= cutoff) {
          soc = Math.max(0, Math.min(soc, cutoff));
          rows.push({ t, v: 0, soc, lat, lon, p: 0.2, state: 'off' });
          continue;
        }
        const limping = soc <= cutoff + limp;
        const kw = limping ? part.kw / 3 : part.kw;
        const v = limping ? part.speedKph * (s.limpSpeedFactor ?? 0.6) : part.speedKph;
        rows.push({ t, v, soc, lat, lon, p: kw, state: 'driving' });
        soc -= (kw / 3600 / s.batteryKwh) * 100;
        lat += (v / 3600 / 111.2) * Math.cos(rad);
        lon += ((v / 3600 / 111.2) * Math.sin(rad)) / Math.cos((lat * Math.PI) / 180);
      }
    }
  }
  const series = emptySeries(rows.length);
  rows.forEach((r, i) => {
    series.tsMs[i] = r.t;
    series.speedKph[i] = r.v;
    const step = s.socStepPct ?? 0.01;
    series.socPct[i] = Math.round(Math.round(Math.max(0, r.soc) / step) * step * 100) / 100;
    series.rangeKm[i] = Number.isFinite(s.kmPerPct) ? Math.max(0, r.soc) * s.kmPerPct : Number.NaN;
    series.lat[i] = r.lat;
    series.lon[i] = r.lon;
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
