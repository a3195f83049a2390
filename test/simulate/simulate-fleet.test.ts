import { createHash } from 'node:crypto';
import { TRAIN_PHYSICS_CONFIG } from '../../src/simulate/train-physics-config.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { haversineKm } from '../../src/domain/geo-distance.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { simulateFleet, type SimulatedFleet } from '../../src/simulate/simulate-fleet.ts';

function hashFleet(fleet: SimulatedFleet): string {
  const h = createHash('sha256');
  for (const d of fleet.devices) {
    const s = d.series;
    h.update(d.deviceId);
    for (const col of [s.tsMs, s.speedKph, s.socPct, s.rangeKm, s.batteryTempC, s.outsideTempC, s.lat, s.lon, s.altM, s.odometerKm, s.powerKw]) h.update(new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
    h.update(s.state.join(','));
    h.update(s.errorCodes.map((c) => c?.join('|') ?? '').join(','));
  }
  h.update(JSON.stringify(fleet.labels));
  h.update(JSON.stringify(fleet.legs));
  return h.digest('hex');
}

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
// Incidents at raised rates so a small fleet shows every kind.
const RATES = { breakdownPerDeviceDay: 0.35, shortfallPerDeviceDay: 0.35, lookalikePerDeviceDay: 2.5 };

beforeAll(() => {
  fleet = simulateFleet({ seed: 11, devices: 8, days: 4, rates: RATES, config: TRAIN_PHYSICS_CONFIG });
});

describe('simulateFleet', () => {
  it('is deterministic: the same seed gives the same fleet, another seed a different one', () => {
    const small = { devices: 3, days: 2 };
    const a = hashFleet(simulateFleet({ seed: 5, ...small }));
    const b = hashFleet(simulateFleet({ seed: 5, ...small }));
    const c = hashFleet(simulateFleet({ seed: 6, ...small }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('refuses bad options, naming the option', () => {
    expect(() => simulateFleet({ seed: 1, devices: 0, days: 1 })).toThrow('devices and days must be at least 1');
    expect(() => simulateFleet({ seed: 1.5, devices: 1, days: 1 })).toThrow('seed must be an integer');
    expect(() => simulateFleet({ seed: 1, devices: 1, days: 1, rates: { breakdownPerDeviceDay: 2 } })).toThrow('rates.breakdownPerDeviceDay must be a probability');
    expect(() => simulateFleet({ seed: 1, devices: 1, days: 1, startMs: Number.NaN })).toThrow('startMs');
  });

  it('describes each device and covers the window from 2025-01-06 UTC', () => {
    const start = Date.UTC(2025, 0, 6);
    expect(fleet.devices).toHaveLength(8);
    expect(new Set(fleet.devices.map((d) => d.climate))).toEqual(new Set(['arctic', 'cold', 'temperate', 'hot']));
    for (const d of fleet.devices) {
      // Batteries are drawn per device (domain randomisation), 40–100 kWh, with or without a heat pump.
      expect(d.batteryKwh).toBeGreaterThanOrEqual(40);
      expect(d.batteryKwh).toBeLessThanOrEqual(100);
      expect(d.cutoffSocPct).toBeGreaterThanOrEqual(0);
      expect(d.cutoffSocPct).toBeLessThanOrEqual(2);
      expect(d.series.tsMs[0]!).toBeGreaterThanOrEqual(start);
      expect(d.series.tsMs[d.series.length - 1]!).toBeLessThan(start + 4 * 86_400_000);
      // Data runs to the window's end, unless the unit sleeps while parked or went dark for good.
      const dark = d.quirks.parkedHeartbeatS === 0 || fleet.labels.some((l) => l.deviceId === d.deviceId && l.shapes.includes('never_returns'));
      if (!dark) expect(d.series.tsMs[d.series.length - 1]!).toBeGreaterThan(start + 4 * 86_400_000 - d.quirks.parkedHeartbeatS * 1000 - 120_000);
    }
    expect(fleet.chargers.some((c) => c.chargerId.endsWith('-depot'))).toBe(true);
  });

  it('is physically sane: time, speed, acceleration, SoC and odometer', () => {
    const glitches = fleet.labels.filter((l) => l.subkind === 'soc_glitch');
    // Collected, not asserted per sample: half a million expect() calls would take minutes.
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    for (const d of fleet.devices) {
      const s = d.series;
      const glitchAt = new Set(glitches.filter((l) => l.deviceId === d.deviceId).map((l) => l.startMs));
      for (let i = 0; i < s.length; i++) {
        const at = `${d.deviceId}[${i}]`;
        check(s.speedKph[i]! >= 0, `${at} speed < 0`);
        check(s.socPct[i]! >= 0 && s.socPct[i]! <= 100, `${at} SoC ${s.socPct[i]}`);
        // Units word the state their own way: the schema's words, parked as `off`, or the gear.
        const words = d.quirks.wording === 'gears' ? ['D', 'N', 'R', 'P', 'charging'] : d.quirks.wording === 'off' ? ['driving', 'charging', 'off'] : ['driving', 'charging', 'parked', 'off'];
        check(words.includes(s.state[i]!), `${at} state ${s.state[i]} (${d.quirks.wording})`);
        if (s.state[i] === 'charging') check(s.powerKw[i]! < 0, `${at} charging with power ${s.powerKw[i]}`);
        if (s.state[i] === 'parked' || s.state[i] === 'charging' || s.state[i] === 'P') check(s.speedKph[i] === 0, `${at} ${s.state[i]} at ${s.speedKph[i]} km/h`);
        // Sensor resolution: integer SoC and 1 km/h speed steps on the units that report so.
        if (d.quirks.socStepPct === 1) check(Number.isInteger(s.socPct[i]!), `${at} SoC ${s.socPct[i]} on an integer-SoC unit`);
        if (d.quirks.speedStepKph === 1) check(Number.isInteger(s.speedKph[i]!), `${at} speed ${s.speedKph[i]} on a 1 km/h unit`);
        if (d.quirks.standingCode) check(s.errorCodes[i]?.includes(d.quirks.standingCode) ?? false, `${at} standing code ${d.quirks.standingCode} missing`);
        if (i === 0) continue;
        check(s.tsMs[i]! > s.tsMs[i - 1]!, `${at} time not increasing`);
        check(s.odometerKm[i]! >= s.odometerKm[i - 1]!, `${at} odometer decreasing`);
        if (s.tsMs[i]! - s.tsMs[i - 1]! === 1000) check(Math.abs(s.speedKph[i]! - s.speedKph[i - 1]!) <= 5 * 3.6 + 0.01, `${at} acceleration ${s.speedKph[i - 1]} → ${s.speedKph[i]} km/h in 1 s`);
        // SoC rises only when energy flows into the battery (a charger, or regenerative braking).
        // (Across a connection drop anything may have happened unseen, regeneration included.)
        const seen = s.tsMs[i]! - s.tsMs[i - 1]! <= 60_000;
        if (seen && s.socPct[i]! > s.socPct[i - 1]! + 0.011 && !glitchAt.has(s.tsMs[i]!) && !glitchAt.has(s.tsMs[i - 1]!)) {
          check(s.powerKw[i]! < 0, `${at} SoC ${s.socPct[i - 1]} → ${s.socPct[i]} with power ${s.powerKw[i]}`);
        }
      }
      // Sampling: 1 Hz while driving or charging; parked, the unit's own heartbeat, or silence.
      const parked = d.quirks.wording === 'gears' ? 'P' : d.quirks.wording === 'off' ? 'off' : 'parked';
      const driving = d.quirks.wording === 'gears' ? 'D' : 'driving';
      const beatMs = d.quirks.parkedHeartbeatS * 1000;
      let parkedBeats = 0;
      let longSilences = 0;
      let drivingSeconds = 0;
      for (let i = 1; i < s.length; i++) {
        const dt = s.tsMs[i]! - s.tsMs[i - 1]!;
        if (s.state[i] === parked && s.state[i - 1] === parked && dt === beatMs) parkedBeats++;
        if (s.state[i - 1] === parked && dt > 3_600_000) longSilences++;
        if (s.state[i] === driving && s.state[i - 1] === driving && dt === 1000) drivingSeconds++;
      }
      if (beatMs > 0) check(parkedBeats > 2_400_000 / beatMs, `${d.deviceId}: ${parkedBeats} parked heartbeats of ${d.quirks.parkedHeartbeatS} s`);
      else check(parkedBeats === 0 && longSilences > 0, `${d.deviceId}: silent while parked, yet ${parkedBeats} heartbeats and ${longSilences} long silences`);
      check(drivingSeconds > 600, `${d.deviceId}: ${drivingSeconds} s driven at 1 Hz`);
    }
    expect(problems).toEqual([]);
  });

  it('charges only at a charger of the fleet', () => {
    const far: string[] = [];
    for (const d of fleet.devices) {
      const s = d.series;
      for (let i = 1; i < s.length; i++) {
        if (s.state[i] !== 'charging' || s.state[i - 1] === 'charging') continue;
        const nearestKm = Math.min(...fleet.chargers.map((c) => haversineKm(c.lat, c.lon, s.lat[i]!, s.lon[i]!)));
        if (nearestKm > 0.05) far.push(`${d.deviceId} at ${new Date(s.tsMs[i]!).toISOString()}: ${nearestKm.toFixed(2)} km from a charger`);
      }
    }
    expect(far).toEqual([]);
  });

  it('labels every kind of moment, each inside the data window', () => {
    const kinds = new Set(fleet.labels.map((l) => l.kind));
    expect(kinds).toEqual(new Set(['breakdown', 'charge_shortfall', 'lookalike']));
    for (const l of fleet.labels) {
      expect(l.endMs).toBeGreaterThanOrEqual(l.startMs);
      expect(Number.isFinite(l.lat) && Number.isFinite(l.lon)).toBe(true);
    }
    expect(new Set(fleet.labels.map((l) => l.labelId)).size).toBe(fleet.labels.length);
  });

  it('loss of propulsion: auxiliary power only, P0A0F only when coded, a coast-down or a hard stop, then standing ≥ 15 min', () => {
    const labels = fleet.labels.filter((l) => l.subkind === 'loss_of_propulsion' || l.subkind === 'ramp_shutdown');
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) {
      const d = fleet.devices.find((x) => x.deviceId === l.deviceId)!;
      const s = d.series;
      const i = indexAt(s, l.startMs);
      expect(s.speedKph[i]!).toBeGreaterThan(20);
      const codes = (s.errorCodes[i] ?? []).filter((c) => c !== d.quirks.standingCode);
      expect(codes, l.note).toEqual(l.shapes.includes('coded') ? ['P0A0F'] : []);
      let j = i;
      while (s.speedKph[j]! > 0) {
        // Propulsion gone: the battery feeds the auxiliaries only (0.1–0.3 kW), never regeneration.
        expect(s.powerKw[j]!).toBeLessThan(0.35);
        expect(s.powerKw[j]!).toBeGreaterThanOrEqual(0.05);
        j++;
      }
      const decel = (s.speedKph[i]! / 3.6) / ((s.tsMs[j]! - s.tsMs[i]!) / 1000);
      if (l.shapes.includes('hard_stop')) {
        // Harder than a driver's ordinary braking (a 12 s stop from 120 km/h is 2.8 m/s²).
        expect(decel).toBeGreaterThan(2);
        expect(decel).toBeLessThan(4.8);
      } else {
        expect(l.shapes).toContain('coast');
        expect(decel).toBeGreaterThan(0.2);
        expect(decel).toBeLessThan(1.1);
      }
      const stoppedUntil = s.tsMs[j]! + 15 * 60_000;
      for (let k = j; k < s.length && s.tsMs[k]! < stoppedUntil; k++) expect(s.speedKph[k]).toBe(0);
    }
  });

  it('a stranded leg ends at the car\'s cut-off (0–2 %) after limp mode, and every stranding is labelled', () => {
    const stranded = fleet.legs.filter((l) => l.strandedMs !== null);
    expect(stranded.length).toBeGreaterThan(0);
    for (const leg of stranded) {
      const d = fleet.devices.find((x) => x.deviceId === leg.deviceId)!;
      const s = d.series;
      const i = indexAt(s, leg.strandedMs!);
      // Displayed SoC at the stop: the cut-off, give or take the unit's rounding.
      expect(s.socPct[i]!).toBeLessThanOrEqual(d.cutoffSocPct + d.quirks.socStepPct / 2 + 0.01);
      expect(s.speedKph[i]).toBe(0);
      // Limp mode: over the last minutes before the cut-off the car never drew full power.
      let maxKw = 0;
      for (let k = indexAt(s, leg.strandedMs! - 120_000); k < i; k++) maxKw = Math.max(maxKw, s.powerKw[k]!);
      expect(maxKw).toBeLessThan(31);
      const label = fleet.labels.find((l) => l.deviceId === leg.deviceId && l.kind === 'charge_shortfall' && l.startMs <= leg.strandedMs! && l.endMs >= leg.strandedMs!);
      expect(label, `stranding of ${leg.legId}`).toBeDefined();
      expect(label!.shapes).toContain('limp_cutoff');
    }
  });

  it('produces every kind of charge shortfall and look-alike', () => {
    const shortfalls = simulateFleet({ seed: 1, devices: 6, days: 5, config: TRAIN_PHYSICS_CONFIG, rates: { breakdownPerDeviceDay: 0, shortfallPerDeviceDay: 1, lookalikePerDeviceDay: 0 } });
    expect(new Set(shortfalls.labels.map((l) => l.subkind))).toEqual(new Set(['stranded', 'cold_departure', 'cold_soak', 'arrived_below_reserve', 'departure_short']));
    // Departure-short legs: they left a charger with less energy than they needed, and say how much.
    const short = shortfalls.legs.filter((g) => g.departureShort);
    expect(short.length).toBeGreaterThan(0);
    for (const leg of short) {
      expect(leg.departureShort!.energyNeededKwh).toBeGreaterThan(leg.departureShort!.energyOnBoardKwh);
      expect(leg.strandedMs !== null || leg.arriveSocPct! < 5).toBe(true);
    }
    for (const l of shortfalls.labels.filter((x) => x.subkind === 'cold_departure')) {
      const leg = shortfalls.legs.find((g) => g.deviceId === l.deviceId && g.departMs === l.startMs)!;
      expect(leg.minOutsideTempC).toBeLessThanOrEqual(2);
      expect(leg.strandedMs !== null || leg.arriveSocPct! < 5).toBe(true);
    }
    for (const l of shortfalls.labels.filter((x) => x.subkind === 'arrived_below_reserve')) {
      const leg = shortfalls.legs.find((g) => g.deviceId === l.deviceId && g.arriveMs === l.endMs)!;
      expect(leg.toChargerId).not.toBeNull();
      expect(leg.arriveSocPct!).toBeLessThan(5);
      expect(leg.arriveSocPct!).toBeGreaterThan(0);
    }
    expect(new Set(fleet.labels.filter((l) => l.kind === 'lookalike').map((l) => l.subkind))).toEqual(
      new Set(['connection_drop', 'parked_at_destination', 'soc_glitch', 'gps_jump', 'tunnel', 'stop_and_go', 'car_park_crawl']),
    );
  });

  it('at the default rates, most legs arrive normally and every kind of incident is there', () => {
    const usual = simulateFleet({ seed: 3, devices: 8, days: 4, config: TRAIN_PHYSICS_CONFIG });
    const arrived = usual.legs.filter((l) => l.arriveMs !== null).length;
    // (About one incident every two device-days ends a leg early: a breakdown or a stranding.)
    expect(arrived / usual.legs.length).toBeGreaterThan(0.65);
    const count = (kind: string) => usual.labels.filter((l) => l.kind === kind).length;
    // 32 device-days (fewer whole local days) at about 0.25 breakdowns, 0.24 shortfalls and 0.5 look-alikes each.
    expect(count('breakdown')).toBeGreaterThanOrEqual(3);
    expect(count('charge_shortfall')).toBeGreaterThanOrEqual(3);
    expect(count('lookalike')).toBeGreaterThanOrEqual(4);
  });
});
