import { describe, expect, it } from 'vitest';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import { createChargeShortfallDetector } from '../../src/domain/detect/charge-shortfall.ts';
import { energyExhaustedAt, powerCapped, socResolutionPct } from '../../src/domain/detect/shortfall-exhaustion.ts';
import type { DeviceFacts } from '../../src/domain/devices/device-facts.ts';
import { predictKwhPerKm } from '../../src/domain/energy/energy-model.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { mergeStands } from '../../src/domain/detect/shortfall-stands.ts';
import { segmentPeriods } from '../../src/domain/segmentation/segment-periods.ts';
import { northKm, scenarioSeries, testEnergyModel, type Scenario } from './shortfall-series.ts';

const model = testEnergyModel();
const LAT = 52;
const LON = 0.5;
const home: Charger = { chargerId: 'home', name: 'Home', lat: LAT, lon: LON, powerKw: 11 };
const far: Charger = { chargerId: 'far', name: 'Far charger', lat: northKm(LAT, 300), lon: LON, powerKw: 150 };
const detector = createChargeShortfallDetector({ energyModel: model });
const kw80 = predictKwhPerKm(model, { avgSpeedKph: 80, outsideTempC: -5, batteryTempC: 0, cabinSetpointC: 21 }) * 80;
const detect = (series: TelemetrySeries, device?: DeviceFacts) => detector.detect(series, { deviceId: 'car-1', chargers: [home, far], fromMs: 0, ...(device ? { device } : {}) });

/** 12 % of 60 kWh, driving north until the car cuts out (or the drive ends), then standing `offMin` minutes. */
const runOut = (opts: Partial<Scenario>, offMin = 60): TelemetrySeries =>
  scenarioSeries({
    lat: LAT, lon: LON, socPct: 12, batteryKwh: 60, outsideTempC: -5, kmPerPct: 4,
    parts: [{ kind: 'park', minutes: 30 }, { kind: 'drive', minutes: 120, speedKph: 80, kw: kw80 }, { kind: 'park', minutes: offMin, state: 'off' }],
    ...opts,
  });
const strandings = async (series: TelemetrySeries, device?: DeviceFacts) => (await detect(series, device)).filter((e) => e.subkind === 'stranded');

describe('charge-shortfall: strandings at a real cut-off (0–2 % after a limp mode)', () => {
  it('a car cut off at 1.5 % after limping over the last 2.5 %, on a whole-% gauge, is stranded (no facts: 2 % default + one step)', async () => {
    const series = runOut({ cutoffSocPct: 1.5, limpPct: 2.5, socStepPct: 1 });
    const found = await strandings(series);
    expect(found).toHaveLength(1);
    const cutIndex = series.state.indexOf('off', 31);
    expect(Math.abs(found[0]!.startMs - series.tsMs[cutIndex]!)).toBeLessThan(5_000);
    const cutoff = found[0]!.evidence.find((e) => e.signal === 'cutoff_soc_pct')!;
    expect(cutoff).toMatchObject({ value: 3, threshold: 2 });
    // The limp mode is in the evidence: the last minutes' peak power is a third of the drive's.
    const limp = found[0]!.evidence.find((e) => e.signal === 'power_kw_last_5_min_peak')!;
    expect(limp.value).toBeCloseTo(kw80 / 3, 1);
  });

  it('a limp mode that caps the power while the car still holds its speed (downhill, light car) is a limp mode too', async () => {
    // Power pinned at a third of the drive's, speed 95 % of it: the speed test alone would not see it.
    const series = runOut({ cutoffSocPct: 1.2, limpPct: 2.5, socStepPct: 1, limpSpeedFactor: 0.95 });
    const cut = series.state.indexOf('off', 31);
    expect(energyExhaustedAt(series, cut)).toMatchObject({ exhausted: true, basis: 'default' });
    expect(await strandings(series)).toHaveLength(1);
    // Without the limp mode the same stop at 1.2 % (shown 1 %) is an empty battery too when nothing
    // else says the car failed; with a fresh fault code at the cut it is not known to be one.
    const noLimp = runOut({ cutoffSocPct: 1.2, limpPct: 0, socStepPct: 1 });
    const noLimpCut = noLimp.state.indexOf('off', 31);
    expect(energyExhaustedAt(noLimp, noLimpCut).exhausted).toBe(true);
    noLimp.errorCodes[noLimpCut - 3] = ['P0A0F'];
    expect(energyExhaustedAt(noLimp, noLimpCut).exhausted).toBe(false);
  });

  it('powerCapped: a plateau under the earlier peak, not the varying power of ordinary driving or a flat cruise', () => {
    const rows = (powers: number[]) => {
      const s = emptySeries(powers.length);
      powers.forEach((p, i) => ((s.tsMs[i] = i * 1000), (s.speedKph[i] = 80), (s.powerKw[i] = p)));
      return s;
    };
    const varying = (n: number, peak: number) => Array.from({ length: n }, (_, i) => (peak / 2) * (1 + Math.sin(i / 3)));
    // 10 min of driving that peaks at 40 kW, then 5 min pinned at 15 kW.
    expect(powerCapped(rows([...varying(600, 40), ...Array(300).fill(15)]), 0, 600, 900)).toBe(true);
    // Ordinary driving in the band: a lower peak, but no plateau.
    expect(powerCapped(rows([...varying(600, 40), ...varying(300, 25)]), 0, 600, 900)).toBe(false);
    // A flat cruise at the same power as before: a plateau at the earlier peak is no limit.
    expect(powerCapped(rows(Array(900).fill(15)), 0, 600, 900)).toBe(false);
  });

  it('ran out 700 m short of a charger and not charged there: stranded; in the charger\'s car park (100 m) it arrived, below the reserve', async () => {
    const series = runOut({ cutoffSocPct: 1.5, limpPct: 2.5, socStepPct: 1 });
    const cut = series.state.indexOf('off', 31);
    const charger = (km: number): Charger => ({ chargerId: `c${km}`, name: `Charger at ${km} km`, lat: northKm(series.lat[cut]!, km), lon: LON, powerKw: 50 });
    const at = async (km: number) => (await detector.detect(series, { deviceId: 'car-1', chargers: [home, far, charger(km)], fromMs: 0 })).filter((e) => e.subkind === 'stranded' || e.subkind === 'arrived_below_reserve').map((e) => e.subkind);
    expect(await at(0.7)).toEqual(['stranded']);
    expect(await at(0.1)).toEqual(['arrived_below_reserve']);
  });

  it('uses the registered cut-off: 0.8 % on a 0.1 % gauge is empty for a car that cuts at 0.8 %', async () => {
    const series = runOut({ cutoffSocPct: 0.8, limpPct: 2, socStepPct: 0.1 });
    expect(await strandings(series, { cutoffSocPct: 0.8 })).toHaveLength(1);
    expect(energyExhaustedAt(series, series.state.indexOf('off', 31), { cutoffSocPct: 0.8 })).toMatchObject({ exhausted: true, limitPct: 0.9, basis: 'device' });
  });

  it('a car registered to cut at 0 % that loses propulsion at 1.5 % is not out of energy (left to the breakdown detector)', async () => {
    const series = runOut({ cutoffSocPct: 1.5, limpPct: 0 });
    expect(await strandings(series, { cutoffSocPct: 0 })).toEqual([]);
    expect(energyExhaustedAt(series, series.state.indexOf('off', 31), { model: 'Tesla Model S 85' }).exhausted).toBe(false);
  });

  it('stopping at 6 % away from a charger is not a stranding, whatever the gauge', async () => {
    const series = runOut({ cutoffSocPct: 6, socStepPct: 1 });
    expect(await strandings(series)).toEqual([]);
  });

  it('a car parked at 2.4 % (shown 2 %) that later drives on by itself (to a charge) was not stranded, once that drive is in the data', async () => {
    const series = scenarioSeries({
      lat: LAT, lon: LON, socPct: 6, batteryKwh: 60, outsideTempC: -5, kmPerPct: 4, socStepPct: 1,
      parts: [
        { kind: 'park', minutes: 30 },
        { kind: 'drive', minutes: 10, speedKph: 60, kw: 13 },
        { kind: 'park', minutes: 90 },
        { kind: 'drive', minutes: 5, speedKph: 40, kw: 6 },
        { kind: 'charge', minutes: 30, toSocPct: 40 },
      ],
    });
    const stopSoc = series.socPct[30 + 10 * 60 + 5]!;
    expect(stopSoc).toBe(2);
    expect(await strandings(series)).toEqual([]);
    // Before the data of the second drive arrives, a stop at 2 % away from a charger with nothing
    // else reported reads as the cut-off: stranded, until the drive on by itself withdraws it.
    const upToPark = { ...series, length: 30 + 10 * 60 + 60 };
    const cut = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, k === 'length' ? upToPark.length : (v as Float64Array | unknown[]).slice(0, upToPark.length)])) as unknown as TelemetrySeries;
    expect(await strandings(cut)).toHaveLength(1);
  });

  it('estimates the gauge step from the data (whole %, tenths, hundredths)', () => {
    for (const step of [1, 0.1, 0.01]) {
      const series = runOut({ cutoffSocPct: 1, socStepPct: step });
      expect(socResolutionPct(series, series.length - 1)).toBeCloseTo(Math.max(0.1, step), 5);
    }
  });

  it('a car that reports every 10 min once parked (segmentation cuts that into parks and gaps) still stands stranded: parks and quiet gaps are one stand', async () => {
    const series = runOut({ cutoffSocPct: 1.5, limpPct: 2.5, socStepPct: 1 }, 0);
    // Append 3 h of heartbeats every 10 min at the stop.
    const last = series.length - 1;
    const extra = 18;
    const grow = (a: Float64Array, f: (k: number) => number) => Float64Array.from([...a, ...Array.from({ length: extra }, (_, k) => f(k))]);
    const hb: TelemetrySeries = {
      ...series,
      length: series.length + extra,
      tsMs: grow(series.tsMs, (k) => series.tsMs[last]! + (k + 1) * 600_000),
      speedKph: grow(series.speedKph, () => 0),
      socPct: grow(series.socPct, () => series.socPct[last]!),
      rangeKm: grow(series.rangeKm, () => series.rangeKm[last]!),
      batteryTempC: grow(series.batteryTempC, () => series.batteryTempC[last]!),
      outsideTempC: grow(series.outsideTempC, () => series.outsideTempC[last]!),
      cabinSetpointC: grow(series.cabinSetpointC, () => Number.NaN),
      lat: grow(series.lat, () => series.lat[last]!),
      lon: grow(series.lon, () => series.lon[last]!),
      altM: grow(series.altM, () => Number.NaN),
      odometerKm: grow(series.odometerKm, () => Number.NaN),
      powerKw: grow(series.powerKw, () => 0.02),
      state: [...series.state, ...Array<string>(extra).fill('parked')],
      errorCodes: [...series.errorCodes, ...Array<null>(extra).fill(null)],
    };
    expect(await strandings(hb)).toHaveLength(1);
    const parts = mergeStands(segmentPeriods(hb));
    expect(parts.at(-1)).toMatchObject({ kind: 'park', endMs: hb.tsMs[hb.length - 1] });
  });
});
