import { beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_PHYSICS_CONFIG } from '../../src/simulate/train-physics-config.ts';
import { haversineKm } from '../../src/domain/geo-distance.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import type { MomentLabel } from '../../src/simulate/moment-label.ts';
import { simulateFleet, type SimulatedFleet } from '../../src/simulate/simulate-fleet.ts';

/** Index of the first sample at or after `tsMs`. */
function indexAt(s: TelemetrySeries, tsMs: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.tsMs[mid]! < tsMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let fleet: SimulatedFleet;
const seriesOf = (l: MomentLabel): TelemetrySeries => fleet.devices.find((d) => d.deviceId === l.deviceId)!.series;
const labelsOf = (subkind: string): MomentLabel[] => fleet.labels.filter((l) => l.subkind === subkind);

beforeAll(() => {
  fleet = simulateFleet({ seed: 23, devices: 8, days: 5, config: TRAIN_PHYSICS_CONFIG, rates: { breakdownPerDeviceDay: 0.8, shortfallPerDeviceDay: 0.15, lookalikePerDeviceDay: 3 } });
});

/** Did the car move (GPS) while reporting speed 0 and state off (P in gears): a tow. */
function towedWithin(s: TelemetrySeries, fromMs: number, toMs: number): boolean {
  const off = (x: string | null) => x === 'off' || x === 'P';
  for (let i = indexAt(s, fromMs) + 1; i < s.length && s.tsMs[i]! <= toMs; i++) {
    if (!off(s.state[i]!) || s.speedKph[i] !== 0 || !off(s.state[i - 1]!)) continue;
    if (haversineKm(s.lat[i - 1]!, s.lon[i - 1]!, s.lat[i]!, s.lon[i]!) > 0.05) return true;
  }
  return false;
}

describe('simulated breakdowns carry their signatures', () => {
  it('has every breakdown kind', () => {
    expect(new Set(fleet.labels.filter((l) => l.kind === 'breakdown').map((l) => l.subkind))).toEqual(
      new Set(['loss_of_propulsion', 'ramp_shutdown', 'twelve_volt_failure', 'thermal_fault']),
    );
  });

  it('ramp shutdown: on the exit ramp at 30–90 km/h, stopped at the breakdown\'s own deceleration', () => {
    const ramps = labelsOf('ramp_shutdown');
    expect(ramps.length).toBeGreaterThan(0);
    for (const l of ramps) {
      const s = seriesOf(l);
      const i = indexAt(s, l.startMs);
      expect(l.shapes).toContain('ramp');
      expect(s.speedKph[i - 1]!).toBeGreaterThanOrEqual(29);
      expect(s.speedKph[i - 1]!).toBeLessThanOrEqual(91);
      // The unit says `off` (N in gears) or still driving: both happen.
      expect(['off', 'N', 'driving', 'D']).toContain(s.state[i]);
      let j = i;
      while (s.speedKph[j]! > 0) j++;
      expect(s.tsMs[j]! - s.tsMs[i]!).toBeLessThanOrEqual(((s.speedKph[i - 1]! / 3.6) / (l.shapes.includes('hard_stop') ? 2.4 : 0.28)) * 1000 + 5000);
    }
  });

  it('12 V failure: the data stops at speed (after U0100/B1325 only when coded); it comes back hours later elsewhere, or never', () => {
    const failures = labelsOf('twelve_volt_failure');
    expect(failures.length).toBeGreaterThan(0);
    for (const l of failures) {
      const d = fleet.devices.find((x) => x.deviceId === l.deviceId)!;
      const s = d.series;
      const i = indexAt(s, l.startMs);
      expect(l.shapes).toContain('telemetry_lost');
      const codes = (s.errorCodes[i] ?? []).filter((c) => c !== d.quirks.standingCode);
      expect(codes).toEqual(l.shapes.includes('coded') ? ['U0100', 'B1325'] : []);
      let last = i;
      while (last + 1 < s.length && s.tsMs[last + 1]! - s.tsMs[last]! === 1000) last++;
      // On a motorway the last row is at speed; in town the unit may die while waiting at a light.
      if (!l.shapes.includes('city')) expect(s.speedKph[last]!).toBeGreaterThan(20);
      if (l.shapes.includes('never_returns')) {
        expect(last).toBe(s.length - 1);
        continue;
      }
      if (l.shapes.includes('restart')) {
        // Jump-started where it stopped: dark for 20 min or more, then it reappears there.
        expect(s.tsMs[last + 1]! - s.tsMs[last]!).toBeGreaterThan(20 * 60_000);
        // (Positions from the nearest rows with a GPS fix: some units have blank stretches.)
        let a = last;
        while (a > 0 && Number.isNaN(s.lat[a]!)) a--;
        let b = last + 1;
        while (b < s.length - 1 && Number.isNaN(s.lat[b]!)) b++;
        // It coasted on unseen after the last row: no further than the odometer says, and not towed.
        expect(haversineKm(s.lat[a]!, s.lon[a]!, s.lat[b]!, s.lon[b]!)).toBeLessThan(0.5 + s.odometerKm[b]! - s.odometerKm[a]!);
        expect(s.odometerKm[last + 1]! - s.odometerKm[last]!).toBeLessThan(5);
        continue;
      }
      expect(s.tsMs[last + 1]! - s.tsMs[last]!).toBeGreaterThan(2 * 3_600_000);
      expect(haversineKm(s.lat[last]!, s.lon[last]!, s.lat[last + 1]!, s.lon[last + 1]!)).toBeGreaterThan(1);
      expect(l.endMs).toBe(s.tsMs[last + 1]!);
    }
  });

  it('thermal fault: the pack heats faster than physics allows (≥ 3 °C/min), P0A7E only when coded, then shuts down', () => {
    const faults = labelsOf('thermal_fault');
    expect(faults.length).toBeGreaterThan(0);
    for (const l of faults) {
      const d = fleet.devices.find((x) => x.deviceId === l.deviceId)!;
      const s = d.series;
      expect(l.shutdownMs).toBeGreaterThan(l.startMs);
      const a = indexAt(s, l.startMs);
      const b = indexAt(s, l.shutdownMs!);
      const rateCPerMin = (s.batteryTempC[b]! - s.batteryTempC[a]!) / ((s.tsMs[b]! - s.tsMs[a]!) / 60_000);
      expect(rateCPerMin).toBeGreaterThanOrEqual(3);
      // Hot at a shutdown on the road; a car that reached its destination first is shut down as it parks.
      if (s.speedKph[b]! > 0) expect(s.batteryTempC[b]!).toBeGreaterThanOrEqual(49.5);
      expect((l.shutdownMs! - l.startMs) / 1000).toBeGreaterThanOrEqual(s.speedKph[b]! > 0 ? 149 : 0);
      let coded = false;
      for (let i = a; i <= b; i++) coded ||= s.errorCodes[i]?.includes('P0A7E') ?? false;
      expect(coded).toBe(l.shapes.includes('coded'));
      // After the shutdown the car has no propulsion: it comes to rest.
      let j = b;
      while (s.speedKph[j]! > 0) j++;
      expect(s.tsMs[j]! - s.tsMs[b]!).toBeLessThan(300_000);
    }
  });

  it('loss of propulsion with an observed tow ends in a tow inside the label; a restart drives on', () => {
    for (const l of [...labelsOf('loss_of_propulsion'), ...labelsOf('ramp_shutdown')]) {
      const s = seriesOf(l);
      if (l.shapes.includes('tow')) expect(towedWithin(s, l.startMs, l.endMs)).toBe(true);
      if (l.shapes.includes('restart')) expect(s.speedKph[indexAt(s, l.endMs) + 30]!).toBeGreaterThan(0);
    }
  });

  it('about half the breakdowns reach the telemetry without a fault code; they happen on highways, ramps and in town', () => {
    const all = fleet.labels.filter((l) => l.kind === 'breakdown');
    const noCode = all.filter((l) => l.shapes.includes('no_code')).length;
    expect(noCode / all.length).toBeGreaterThan(0.25);
    expect(noCode / all.length).toBeLessThan(0.75);
    for (const where of ['highway', 'ramp', 'city']) expect(all.some((l) => l.shapes.includes(where)), where).toBe(true);
  });
});

describe('simulated look-alikes look like what they are', () => {
  it('connection drop: a 30 s–10 min gap while driving, the car further on', () => {
    const drops = labelsOf('connection_drop');
    expect(drops.length).toBeGreaterThan(0);
    for (const l of drops) {
      const s = seriesOf(l);
      const after = indexAt(s, l.startMs);
      const gapMs = s.tsMs[after]! - s.tsMs[after - 1]!;
      expect(gapMs).toBeGreaterThanOrEqual(30_000);
      expect(gapMs).toBeLessThanOrEqual(601_000);
      expect(['driving', 'D']).toContain(s.state[after - 1]);
      expect(s.odometerKm[after]! - s.odometerKm[after - 1]!).toBeGreaterThan(0.1);
      expect(s.speedKph[after]!).toBeGreaterThan(0);
    }
  });

  it('tunnel: no GPS for minutes while the speed goes on', () => {
    for (const l of labelsOf('tunnel')) {
      const s = seriesOf(l);
      let hidden = 0;
      let moving = 0;
      for (let i = indexAt(s, l.startMs); s.tsMs[i]! < l.endMs; i++) {
        hidden += Number.isNaN(s.lat[i]!) ? 1 : 0;
        moving += s.speedKph[i]! > 0 ? 1 : 0;
      }
      expect(hidden).toBeGreaterThanOrEqual(60);
      expect(moving).toBeGreaterThan(hidden / 2);
    }
  });

  it('SoC glitch: one sample at 0 or 100 % between ordinary ones', () => {
    for (const l of labelsOf('soc_glitch')) {
      const s = seriesOf(l);
      const i = indexAt(s, l.startMs);
      expect([0, 100]).toContain(s.socPct[i]);
      expect(Math.abs(s.socPct[i - 1]! - s.socPct[i + 1]!)).toBeLessThan(1);
      expect(Math.abs(s.socPct[i]! - s.socPct[i - 1]!)).toBeGreaterThan(5);
    }
  });

  it('GPS jump: the position leaps kilometres and comes back', () => {
    for (const l of labelsOf('gps_jump')) {
      const s = seriesOf(l);
      const i = indexAt(s, l.startMs);
      const j = indexAt(s, l.endMs) + 1;
      expect(haversineKm(s.lat[i - 1]!, s.lon[i - 1]!, s.lat[i]!, s.lon[i]!)).toBeGreaterThan(1.5);
      expect(haversineKm(s.lat[i - 1]!, s.lon[i - 1]!, s.lat[j]!, s.lon[j]!)).toBeLessThan(0.2);
    }
  });

  it('stop-and-go and car-park crawl: stops and slow movement, no error codes', () => {
    for (const l of [...labelsOf('stop_and_go'), ...labelsOf('car_park_crawl')]) {
      const s = seriesOf(l);
      let stops = 0;
      let maxKph = 0;
      for (let i = indexAt(s, l.startMs); s.tsMs[i]! <= l.endMs; i++) {
        if (s.speedKph[i] === 0 && s.speedKph[i - 1]! > 0) stops++;
        maxKph = Math.max(maxKph, s.speedKph[i]!);
        expect(s.errorCodes[i]).toBeNull();
      }
      expect(stops).toBeGreaterThan(0);
      expect(maxKph).toBeLessThan(l.subkind === 'car_park_crawl' ? 12 : 40);
    }
  });
});
