import { describe, expect, it } from 'vitest';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import { createChargeShortfallDetector } from '../../src/domain/detect/charge-shortfall.ts';
import { predictKwhPerKm } from '../../src/domain/energy/energy-model.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { northKm, scenarioSeries, testEnergyModel, type Scenario } from './shortfall-series.ts';

const model = testEnergyModel();
const LAT = 52;
const LON = 0.5;
const home: Charger = { chargerId: 'home', name: 'Home', lat: LAT, lon: LON, powerKw: 11 };
const charger = (km: number, id = `c${km}`): Charger => ({ chargerId: id, name: `Charger ${km} km north`, lat: northKm(LAT, km), lon: LON, powerKw: 150 });
const ctx = (chargers: Charger[], fromMs = 0) => ({ deviceId: 'car-1', chargers, fromMs });
const detector = createChargeShortfallDetector({ energyModel: model });
/** What the test model says a car at 80 km/h and −5 °C draws, so the series and the model agree. */
const kw80 = predictKwhPerKm(model, { avgSpeedKph: 80, outsideTempC: -5, batteryTempC: 0, cabinSetpointC: 21 }) * 80;

const base = (socPct: number, parts: Scenario['parts'], kmPerPct = 4): Scenario => ({ lat: LAT, lon: LON, socPct, batteryKwh: 60, outsideTempC: -5, kmPerPct, parts });

function strandIndex(series: TelemetrySeries): number {
  for (let i = 0; i < series.length; i++) if (series.state[i] === 'off') return i;
  return -1;
}

describe('charge-shortfall: retrospective', () => {
  it('a drive that runs out of charge away from a charger is stranded (critical), and was warned about ≥ 10 min before', async () => {
    // 20 % of 60 kWh at ~0.3 kWh/km: ~40 km; the next charger is 150 km on.
    const series = scenarioSeries(base(20, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 90, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 60, state: 'off' }]));
    const events = await detector.detect(series, ctx([home, charger(150)]));
    const stranded = events.filter((e) => e.subkind === 'stranded');
    expect(stranded).toHaveLength(1);
    expect(stranded[0]!.severity).toBe('critical');
    const strandMs = series.tsMs[strandIndex(series)]!;
    expect(Math.abs(stranded[0]!.startMs - strandMs)).toBeLessThan(5_000);
    const warned = events.filter((e) => e.subkind === 'predicted_shortfall');
    expect(warned).toHaveLength(1);
    expect(strandMs - warned[0]!.startMs).toBeGreaterThanOrEqual(10 * 60_000);
    // Warned at departure: the leg starts after the 30-minute park.
    expect(warned[0]!.startMs - series.tsMs[0]!).toBeLessThanOrEqual(31 * 60_000);
    expect(warned[0]!.severity).toBe('critical');
    expect(warned[0]!.evidence.map((e) => e.signal)).toEqual(expect.arrayContaining(['soc_pct', 'range_km', 'distance_to_charger_km', 'predicted_kwh_per_km', 'outside_temp_c', 'model_band_soc_pct', 'predicted_arrival_soc_pct']));
  });

  it('a leg that arrives comfortably fires nothing', async () => {
    // 90 %, a charger 60 km on: it arrives with ~60 %.
    const series = scenarioSeries(base(90, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 45, speedKph: 80, kw: kw80 }, { kind: 'charge', minutes: 20, toSocPct: 90 }, { kind: 'park', minutes: 30 }]));
    expect(await detector.detect(series, ctx([home, charger(60)]))).toEqual([]);
  });

  it('arriving at a charger under the reserve fires arrived_below_reserve', async () => {
    // 12 %: 30 km at ~0.3 kWh/km uses ~9 %, the charger is right at the end of the drive.
    const series = scenarioSeries(base(12, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 24, speedKph: 80, kw: kw80 * 1.5 }, { kind: 'charge', minutes: 30, toSocPct: 60 }]));
    const events = await detector.detect(series, ctx([home, charger(32)]));
    const arrived = events.filter((e) => e.subkind === 'arrived_below_reserve');
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.severity).toBe('warning');
    expect(events.some((e) => e.subkind === 'stranded')).toBe(false);
  });

  it('a one-sample SoC glitch to 0 % fires nothing', async () => {
    const series = scenarioSeries(base(80, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 45, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 30 }]));
    const mid = 30 * 60 / 60 + 20 * 60; // 20 minutes into the drive
    series.socPct[mid] = 0;
    series.rangeKm[mid] = 0;
    // And at the very stop.
    const stop = 30 + 45 * 60;
    series.socPct[stop] = 0;
    series.rangeKm[stop] = 0;
    expect(await detector.detect(series, ctx([home, charger(60)]))).toEqual([]);
  });
});

describe('charge-shortfall: predictive', () => {
  it('warns before departure for the Norwich → Milford shape: 28 %, 32 mi shown, 61 mi to the Supercharger at 15 °F', async () => {
    const norwich = { lat: 41.5243, lon: -72.0759 };
    const milford: Charger = { chargerId: 'milford', name: 'Milford Supercharger', lat: 41.2307, lon: -73.064, powerKw: 120 };
    const scenario: Scenario = { lat: norwich.lat, lon: norwich.lon, socPct: 28, batteryKwh: 85, outsideTempC: -9.4, kmPerPct: (32 * 1.609344) / 28, parts: [{ kind: 'park', minutes: 60 }, { kind: 'drive', minutes: 30, speedKph: 90, kw: 30 }] };
    const series = scenarioSeries(scenario);
    const departMs = series.tsMs[60]!;
    const events = await detector.detect(series, ctx([milford]));
    const warned = events.filter((e) => e.subkind === 'predicted_shortfall');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.startMs).toBeLessThanOrEqual(departMs + 60_000);
    expect(warned[0]!.summary).toMatch(/Milford/);
  });

  it('updates one event per leg as the margin shrinks, the predictions listed with their times', async () => {
    const series = scenarioSeries(base(30, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 120, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 30, state: 'off' }]));
    const events = (await detector.detect(series, ctx([home, charger(200)]))).filter((e) => e.subkind === 'predicted_shortfall');
    expect(events).toHaveLength(1);
    const updates = events[0]!.evidence.filter((e) => e.signal === 'predicted_arrival_soc_pct');
    expect(updates.length).toBeGreaterThan(1);
    for (let k = 1; k < updates.length; k++) expect(updates[k]!.atMs!).toBeGreaterThan(updates[k - 1]!.atMs!);
  });

  it('finds the same events on the whole history as on the window from fromMs − lookbackMs', async () => {
    const day = scenarioSeries(base(35, [
      { kind: 'park', minutes: 60 }, { kind: 'drive', minutes: 30, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 600 },
      { kind: 'drive', minutes: 60, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 60, state: 'off' },
    ]));
    const fromMs = day.tsMs[0]! + 11 * 3_600_000;
    const whole = await detector.detect(day, ctx([home, charger(150)], fromMs));
    const first = day.tsMs.findIndex((t) => t >= fromMs - detector.lookbackMs);
    const cut = Object.fromEntries(Object.entries(day).map(([k, v]) => [k, k === 'length' ? day.length - first : (v as Float64Array).slice(first)])) as unknown as TelemetrySeries;
    const windowed = await detector.detect(cut, ctx([home, charger(150)], fromMs));
    expect(whole.length).toBeGreaterThan(0);
    expect(windowed).toEqual(whole);
  });

  it('a leg still under way gets the event it will keep: same id and start, no end yet', async () => {
    const series = scenarioSeries(base(20, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 90, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 60, state: 'off' }]));
    const batch = (await detector.detect(series, ctx([home, charger(150)]))).find((e) => e.subkind === 'predicted_shortfall')!;
    const upTo = series.tsMs.findIndex((t) => t >= series.tsMs[0]! + 50 * 60_000);
    const live = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, k === 'length' ? upTo : (v as Float64Array).slice(0, upTo)])) as unknown as TelemetrySeries;
    const partial = (await detector.detect(live, ctx([home, charger(150)]))).filter((e) => e.subkind === 'predicted_shortfall');
    expect(partial).toHaveLength(1);
    expect(partial[0]!.eventId).toBe(batch.eventId);
    expect(partial[0]!.startMs).toBe(batch.startMs);
    expect(partial[0]!.endMs).toBeNull();
    expect(batch.endMs).not.toBeNull();
  });

  it('without chargers nothing is predicted', async () => {
    const series = scenarioSeries(base(20, [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 20, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: 30 }]));
    expect(await detector.detect(series, ctx([]))).toEqual([]);
  });
});

describe('charge-shortfall: cold soak', () => {
  it('flags displayed range lost overnight in the cold beyond what the SoC lost', async () => {
    const series = scenarioSeries({ ...base(70, [{ kind: 'park', minutes: 600 }, { kind: 'drive', minutes: 10, speedKph: 50, kw: 10 }]), outsideTempC: -18 });
    // The pack cools: the same SoC shows 35 % less range by morning.
    for (let i = 0; i < 600; i++) series.rangeKm[i] = series.socPct[i]! * 4 * (1 - (0.35 * i) / 600);
    // Parked away from chargers: the nearest is 150 km off, more than the range left.
    const events = await detector.detect(series, ctx([charger(150)]));
    const soak = events.filter((e) => e.subkind === 'cold_soak');
    expect(soak).toHaveLength(1);
    expect(soak[0]!.severity).toBe('warning');
    expect(soak[0]!.startMs).toBe(series.tsMs[0]);
  });

  it('does not flag a cold night that costs nothing, nor one parked at a charger', async () => {
    const series = scenarioSeries({ ...base(70, [{ kind: 'park', minutes: 600 }, { kind: 'drive', minutes: 10, speedKph: 50, kw: 10 }]), outsideTempC: -18 });
    expect((await detector.detect(series, ctx([charger(150)]))).filter((e) => e.subkind === 'cold_soak')).toEqual([]);
    for (let i = 0; i < 600; i++) series.rangeKm[i] = series.socPct[i]! * 4 * (1 - (0.35 * i) / 600);
    expect((await detector.detect(series, ctx([home]))).filter((e) => e.subkind === 'cold_soak')).toEqual([]);
  });
});
