import { describe, expect, it } from 'vitest';
import { createChannelAnomalyDetector } from '../../src/domain/detect/channel-anomalies.ts';
import { predictKwhPerKm } from '../../src/domain/energy/energy-model.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';
import { join } from 'node:path';
import { loadEnergyModel } from '../../src/models/load-energy-model.ts';
import { testEnergyModel } from './shortfall-series.ts';
import { loadTwizyTrips } from './twizy-trips.ts';

const model = testEnergyModel();
const BATTERY_KWH = 60;

interface Stretch {
  hours: number;
  outsideTempC: number;
  /** Moving or parked (a heartbeat a minute). */
  driving: boolean;
  /** Consumption over what the test model expects (1: a healthy car). */
  factor?: number;
  /** Speeds drawn in this range, a new one every 5 min (default 25–95 km/h). */
  speedKph?: [number, number];
}

/**
 * A car whose SoC falls exactly as the energy model says for the speed (25–95 km/h, changing every
 * few minutes) and the outside air, times `factor`; 0.1 % gauge; pack at ambient + 5 °C.
 */
function day(stretches: Stretch[], seed = 3): TelemetrySeries {
  const rnd = mulberry32(seed);
  const rows: { t: number; v: number; soc: number; out: number }[] = [];
  let t = Date.UTC(2025, 0, 6, 6);
  let soc = 95;
  let v = 60;
  for (const st of stretches) {
    const step = st.driving ? 1000 : 60_000;
    for (let k = 0; k < (st.hours * 3_600_000) / step; k++, t += step) {
      if (st.driving && k % 300 === 0) v = (st.speedKph?.[0] ?? 25) + rnd() * ((st.speedKph?.[1] ?? 95) - (st.speedKph?.[0] ?? 25));
      const speed = st.driving ? v : 0;
      rows.push({ t, v: speed, soc, out: st.outsideTempC });
      if (st.driving) {
        const kwhPerKm = predictKwhPerKm(model, { avgSpeedKph: speed, outsideTempC: st.outsideTempC, batteryTempC: st.outsideTempC + 5, cabinSetpointC: 21 });
        soc -= ((kwhPerKm * (st.factor ?? 1) * speed) / 3600 / BATTERY_KWH) * 100;
      }
    }
  }
  const s = emptySeries(rows.length);
  rows.forEach((r, i) => {
    s.tsMs[i] = r.t;
    s.speedKph[i] = r.v;
    s.socPct[i] = Math.round(r.soc * 10) / 10;
    s.outsideTempC[i] = r.out;
    s.batteryTempC[i] = r.out + 5;
    s.cabinSetpointC[i] = 21;
    s.lat[i] = 45.5;
    s.lon[i] = -73.6;
    s.altM[i] = 60;
    s.state[i] = r.v > 0 ? 'driving' : 'parked';
  });
  return s;
}

const consumption = async (s: TelemetrySeries, withModel: boolean) =>
  (await createChannelAnomalyDetector(withModel ? { energyModel: model } : {}).detect(s, { deviceId: 'car', chargers: [], fromMs: -1e15 })).filter((e) => e.subkind === 'consumption');

// A mild afternoon's driving, then the air falls to −15 °C (a cold front, the evening) and the car
// is in town: the heater and a cold pack double the kWh per km at city speeds.
const mildThenCold: Stretch[] = [
  { hours: 3, outsideTempC: 15, driving: true },
  { hours: 1, outsideTempC: 5, driving: false },
  { hours: 2.5, outsideTempC: -15, driving: true, speedKph: [20, 40] },
];

describe('consumption anomalies against the energy model', () => {
  it('the cold drive after a mild one is what the model expects: no anomaly (the last-6-h baseline alone calls it one)', async () => {
    const s = day(mildThenCold);
    expect(await consumption(s, true)).toEqual([]);
    expect((await consumption(s, false)).length).toBeGreaterThan(0);
  });

  it('a cold morning judged against yesterday afternoon (a night parked in between) stays quiet', async () => {
    const s = day([{ hours: 4, outsideTempC: 12, driving: true }, { hours: 14, outsideTempC: -10, driving: false }, { hours: 2, outsideTempC: -20, driving: true }]);
    expect(await consumption(s, true)).toEqual([]);
  });

  it('consumption twice what the conditions explain (a dragging brake) is flagged, with the ratio in the summary', async () => {
    const s = day([...mildThenCold, { hours: 1.5, outsideTempC: -15, driving: true, factor: 2.2, speedKph: [20, 40] }]);
    const found = await consumption(s, true);
    expect(found).toHaveLength(1);
    const faultStartMs = s.tsMs[s.tsMs.length - 1]! - 1.5 * 3_600_000;
    expect(found[0]!.startMs).toBeGreaterThan(faultStartMs);
    expect(found[0]!.startMs - faultStartMs).toBeLessThan(30 * 60_000);
    expect(found[0]!.summary).toMatch(/what the energy model expects/);
    expect(found[0]!.evidence.find((e) => e.signal === 'soc_pct_per_expected_kwh_baseline_median')!.value as number).toBeCloseTo(100 / BATTERY_KWH, 1);
  });

  it('a healthy car whose data is lost for 8 min while driving (a dropped connection) is not flagged: the SoC used in the gap has no road', async () => {
    const s = day([{ hours: 2.5, outsideTempC: 15, driving: true, speedKph: [80, 80] }]);
    // Cut 8 min of rows out of the drive, 20 min before the end: the car reappears further on, lower.
    const gapFromMs = s.tsMs[s.length - 1]! - 20 * 60_000;
    const keep = [...s.tsMs].map((t, i) => (t < gapFromMs || t >= gapFromMs + 8 * 60_000 ? i : -1)).filter((i) => i >= 0);
    const cut = emptySeries(keep.length);
    for (const col of ['tsMs', 'speedKph', 'socPct', 'outsideTempC', 'batteryTempC', 'cabinSetpointC', 'lat', 'lon', 'altM'] as const) keep.forEach((i, j) => (cut[col][j] = s[col][i]!));
    keep.forEach((i, j) => (cut.state[j] = s.state[i]!));
    expect(cut.length).toBeLessThan(s.length - 400);
    expect(cut.socPct.at(-1)).toBeGreaterThan(5);
    const a = await consumption(s, true);
    const b = await consumption(cut, true);
    expect(a).toEqual([]);
    expect(b).toEqual([]);
  });

  it('stays quiet on every real twizy-rsk trip with the committed energy model (each trip, and all as one history)', async () => {
    const trips = await loadTwizyTrips();
    try {
      const detector = createChannelAnomalyDetector({ energyModel: loadEnergyModel(join(import.meta.dirname, '../../models/energy-model.json')) });
      for (const [id, series] of trips.series) expect([id, await detector.detect(series, { deviceId: id, chargers: [], fromMs: -1e15 })]).toEqual([id, []]);
    } finally {
      await trips.dispose();
    }
  });
});
