import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';

export interface SampleState {
  speedKph: number;
  /** SoC used per km while driving. */
  pctPerKm: number;
  batteryTempC: number;
  /** Extra SoC lost this second whatever the speed (a leak, a glitch). */
  extraSocDropPct?: number;
  socOverridePct?: number;
}

/**
 * `hours` of 1 Hz samples from 2024-03-01T00:00Z; `at(second)` says how the car behaves each
 * second; SoC follows the distance, quantised to 0.1 % like a real BMS reading.
 */
export function syntheticSeries(hours: number, at: (second: number, rnd: () => number) => SampleState, seed = 1): TelemetrySeries {
  const n = Math.round(hours * 3600);
  const s = emptySeries(n);
  const rnd = mulberry32(seed);
  const t0 = Date.UTC(2024, 2, 1);
  let soc = 95;
  let odo = 1000;
  for (let i = 0; i < n; i++) {
    const st = at(i, rnd);
    const km = st.speedKph / 3600;
    soc -= km * st.pctPerKm + (st.extraSocDropPct ?? 0);
    odo += km;
    s.tsMs[i] = t0 + i * 1000;
    s.speedKph[i] = st.speedKph;
    s.socPct[i] = st.socOverridePct ?? Math.round(soc * 10) / 10;
    s.batteryTempC[i] = Math.round((st.batteryTempC + (rnd() - 0.5) * 0.4) * 10) / 10;
    s.outsideTempC[i] = 15;
    s.lat[i] = 52.6;
    s.lon[i] = 1.3;
    s.odometerKm[i] = odo;
    s.state[i] = st.speedKph > 0 ? 'driving' : 'parked';
  }
  return s;
}

/** Normal driving: 25–35 km/h, 0.15 %/km, battery 22 °C. */
export const normal = (_i: number, rnd: () => number): SampleState => ({ speedKph: 25 + rnd() * 10, pctPerKm: 0.15, batteryTempC: 22 });
