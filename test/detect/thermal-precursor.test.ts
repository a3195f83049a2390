import { describe, expect, it } from 'vitest';
import { createThermalPrecursorDetector, maxPlausibleRiseC } from '../../src/domain/detect/thermal-precursor.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { sliceSeries } from './series-builder.ts';

const T0 = Date.UTC(2026, 0, 12, 7, 0, 0);
const MIN = 60_000;
const detector = createThermalPrecursorDetector();

/** 1 Hz pack temperature and power from functions of the second; 0.5 °C sensor steps. */
function pack(seconds: number, tempC: (s: number) => number, powerKw: (s: number) => number, stepC = 0.5): TelemetrySeries {
  const out = emptySeries(seconds);
  for (let i = 0; i < seconds; i++) {
    out.tsMs[i] = T0 + i * 1000;
    out.batteryTempC[i] = Math.round(tempC(i) / stepC) * stepC;
    out.powerKw[i] = powerKw(i);
    out.speedKph[i] = powerKw(i) > 0 ? 90 : 0;
    out.state[i] = powerKw(i) >= 0 ? 'driving' : 'charging';
  }
  return out;
}

const ramp = (fromS: number, durationS: number, fromC: number, toC: number) => (s: number) => (s < fromS ? fromC : s > fromS + durationS ? toC : fromC + ((toC - fromC) * (s - fromS)) / durationS);
const ctx = (device = { batteryKwh: 60 }) => ({ deviceId: 'car', chargers: [], fromMs: 0, device });

describe('abnormal pack heating, judged from physics alone', () => {
  it('7 → 55 °C in 9 min while driving at 25 kW: flagged minutes before the shutdown', async () => {
    const onsetS = 20 * 60;
    const shutdownMs = T0 + (onsetS + 9 * 60) * 1000;
    const s = pack(onsetS + 9 * 60 + 1, ramp(onsetS, 9 * 60, 7, 55), () => 25);
    const events = await detector.detect(s, ctx());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'anomaly', subkind: 'pack_heating', severity: 'critical', detector: 'thermal-precursor@1' });
    expect(events[0]!.startMs).toBeLessThanOrEqual(shutdownMs - 2 * MIN);
    expect(events[0]!.startMs).toBeGreaterThan(T0 + onsetS * 1000);
  });

  it('2 → 71 °C in 2.5 min: flagged at least 2 min before the shutdown, with no device history and an unknown pack', async () => {
    const onsetS = 90;
    const shutdownMs = T0 + (onsetS + 150) * 1000;
    const s = pack(onsetS + 151, ramp(onsetS, 150, 2, 71), () => 30);
    const events = await detector.detect(s, { deviceId: 'car', chargers: [], fromMs: 0 });
    expect(events).toHaveLength(1);
    expect(events[0]!.startMs).toBeLessThanOrEqual(shutdownMs - 2 * MIN);
    expect(events[0]!.evidence[0]).toMatchObject({ signal: 'battery_temp_rise_c' });
  });

  it('the same runaway with no power channel is still flagged (an assumed 1C is the bound)', async () => {
    const s = pack(600, ramp(120, 150, 2, 71), () => 30);
    s.powerKw.fill(Number.NaN);
    const events = await detector.detect(s, ctx());
    expect(events).toHaveLength(1);
    expect(events[0]!.startMs).toBeLessThanOrEqual(T0 + (120 + 150) * 1000 - 2 * MIN);
  });
});

describe('healthy packs stay inside the bound', () => {
  it('hard motorway driving warming the pack 0.8 °C/min for 30 min', async () => {
    expect(await detector.detect(pack(40 * 60, ramp(60, 30 * 60, 20, 44), () => 60), ctx())).toEqual([]);
  });

  it('a DC fast charge at 150 kW (2.5C) warming it 1.5 °C/min', async () => {
    expect(await detector.detect(pack(30 * 60, ramp(60, 20 * 60, 15, 45), () => -150), ctx())).toEqual([]);
  });

  it('pre-conditioning with a 7 kW heater on a 40 kWh pack at the heater\'s limit (~2.5 °C/min)', async () => {
    const bound = maxPlausibleRiseC(7, 40, 60);
    expect(bound).toBeGreaterThan(2.5);
    expect(await detector.detect(pack(20 * 60, ramp(60, 10 * 60, -10, 15), () => 7), ctx({ batteryKwh: 40 }))).toEqual([]);
  });

  it('a one- or two-sample glitch (the sensor reading 120 °C) is not heating', async () => {
    const s = pack(20 * 60, () => 25, () => 20);
    s.batteryTempC[600] = 120;
    s.batteryTempC[900] = 119;
    s.batteryTempC[901] = 121;
    expect(await detector.detect(s, ctx())).toEqual([]);
  });

  it('a parked car whose reading jumps across a heartbeat silence is not judged across the silence', async () => {
    const s = pack(1200, (i) => (i < 600 ? 5 : 30), () => 0.2);
    for (let i = 600; i < 1200; i++) s.tsMs[i] = s.tsMs[i]! + 3 * 3_600_000;
    expect(await detector.detect(s, ctx())).toEqual([]);
  });
});

describe('live and batch agree', () => {
  it('a live window from a look-back before the new rows finds the event a full run finds', async () => {
    const s = pack(3600, ramp(2400, 150, 20, 75), () => 30);
    const batch = await detector.detect(s, ctx());
    expect(batch).toHaveLength(1);
    for (const fromMs of [T0 + 2300_000, batch[0]!.startMs]) {
      const start = s.tsMs.findIndex((t) => t >= fromMs - detector.lookbackMs);
      const live = await detector.detect(sliceSeries(s, start), { ...ctx(), fromMs });
      expect(live).toEqual(batch);
    }
  });
});
