import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import type { EnergyCoefficients } from '../../src/domain/energy/energy-model.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';

/** A stretch at constant conditions, for series made from known coefficients. */
export interface SyntheticStretch {
  minutes: number;
  speedKph: number;
  outsideTempC: number;
  batteryTempC: number;
  cabinSetpointC: number;
  climbMPerKm?: number;
}

/** Power a car with `c` draws at speed v (kW = kWh/km × km/h), term by term as the model reads it. */
export function syntheticPowerKw(c: EnergyCoefficients, s: SyntheticStretch): number {
  const v = s.speedKph;
  const perKm = c.rolling + c.aero * v * v + c.grade * (s.climbMPerKm ?? 0) + c.coldBattery * Math.max(0, 20 - s.batteryTempC);
  return perKm * v + c.aux + c.hvac * Math.abs(s.cabinSetpointC - s.outsideTempC);
}

/** A 1 Hz drive through `stretches`, SoC falling with the energy drawn from a `batteryKwh` pack. */
export function syntheticDrive(
  c: EnergyCoefficients,
  stretches: readonly SyntheticStretch[],
  opts: { startMs?: number; batteryKwh?: number; socPct?: number; noise?: () => number } = {},
): TelemetrySeries {
  const n = stretches.reduce((s, x) => s + x.minutes * 60, 0);
  const series = emptySeries(n);
  let t = opts.startMs ?? Date.UTC(2024, 0, 1);
  let soc = opts.socPct ?? 90;
  let alt = 100;
  let odo = 0;
  let i = 0;
  for (const s of stretches) {
    const power = syntheticPowerKw(c, s);
    for (let k = 0; k < s.minutes * 60; k++, i++) {
      series.tsMs[i] = t;
      series.speedKph[i] = s.speedKph;
      series.powerKw[i] = power * (1 + (opts.noise?.() ?? 0));
      series.socPct[i] = soc;
      series.outsideTempC[i] = s.outsideTempC;
      series.batteryTempC[i] = s.batteryTempC;
      series.cabinSetpointC[i] = s.cabinSetpointC;
      series.altM[i] = alt;
      series.odometerKm[i] = odo;
      series.state[i] = 'driving';
      const km = s.speedKph / 3600;
      soc -= (power / 3600 / (opts.batteryKwh ?? 60)) * 100;
      alt += (s.climbMPerKm ?? 0) * km;
      odo += km;
      t += 1000;
    }
  }
  return series;
}

