import { describe, expect, it } from 'vitest';
import { simulateFleet } from '../../src/simulate/simulate-fleet.ts';
import { limpCapKw } from '../../src/simulate/leg-runner.ts';
import { HELD_OUT_CONFIG_NAMES, SIMULATOR_CONFIGS, TRAIN_CONFIG_NAME } from '../../src/simulate/simulator-configs.ts';

describe('simulator configurations', () => {
  it('train is the default; an unknown name is refused, naming the known ones', () => {
    const a = simulateFleet({ seed: 3, devices: 2, days: 1 });
    const b = simulateFleet({ seed: 3, devices: 2, days: 1, config: TRAIN_CONFIG_NAME });
    expect(a.labels).toEqual(b.labels);
    expect(Array.from(a.devices[0]!.series.socPct)).toEqual(Array.from(b.devices[0]!.series.socPct));
    expect(() => simulateFleet({ seed: 3, devices: 1, days: 1, config: 'holdout' })).toThrow("unknown simulator config 'holdout'; known: train, holdout-mixed, holdout-cold, holdout-unseen");
  });

  it('held-out configurations share no region, climate or vehicle platform with train', () => {
    const train = SIMULATOR_CONFIGS[TRAIN_CONFIG_NAME]!;
    for (const name of HELD_OUT_CONFIG_NAMES) {
      const c = SIMULATOR_CONFIGS[name]!;
      for (const site of c.sites) {
        expect(train.sites.some((t) => t.climate === site.climate || (t.lat === site.lat && t.lon === site.lon))).toBe(false);
      }
      for (const p of c.platforms) expect(train.platforms.some((t) => t.name === p.name)).toBe(false);
      // A heartbeat interval or a standing code train never shows.
      expect(c.quirks.parkedHeartbeatS.some((s) => !train.quirks.parkedHeartbeatS.includes(s)) || c.quirks.standingCodes.some((s) => !train.quirks.standingCodes.includes(s))).toBe(true);
    }
  });

  it('a held-out fleet is drawn from its own world: its climates, batteries 40–100 kWh, heat pumps or not', () => {
    const cold = simulateFleet({ seed: 9, devices: 6, days: 1, config: 'holdout-cold' });
    expect(new Set(cold.devices.map((d) => d.climate))).toEqual(new Set(['nordic', 'prairie']));
    for (const d of cold.devices) {
      expect(d.batteryKwh).toBeGreaterThanOrEqual(40);
      expect(d.batteryKwh).toBeLessThanOrEqual(100);
      expect(d.model.startsWith('Boreal')).toBe(true);
    }
    const mixed = simulateFleet({ seed: 9, devices: 12, days: 1, config: 'holdout-mixed' });
    expect(new Set(mixed.devices.map((d) => d.heatPump))).toEqual(new Set([true, false]));
    // Chargers nobody plans on are on the map too: small AC posts and chargers off motorway exits.
    expect(mixed.chargers.some((c) => c.chargerId.includes('-ac-'))).toBe(true);
    expect(mixed.chargers.some((c) => c.chargerId.includes('-exit-'))).toBe(true);
  });
});

describe('holdout-unseen: a world no rule was read or tuned on', () => {
  it('shares no climate, platform, heartbeat or standing code with train or the other held-outs', () => {
    const unseen = SIMULATOR_CONFIGS['holdout-unseen']!;
    const others = Object.values(SIMULATOR_CONFIGS).filter((c) => c.name !== 'holdout-unseen');
    for (const o of others) {
      for (const site of unseen.sites) expect(o.sites.some((t) => t.climate === site.climate)).toBe(false);
      for (const p of unseen.platforms) expect(o.platforms.some((t) => t.name === p.name)).toBe(false);
      expect(unseen.quirks.standingCodes.some((c) => o.quirks.standingCodes.includes(c))).toBe(false);
      expect(unseen.quirks.parkedHeartbeatS.some((s) => s > 0 && !o.quirks.parkedHeartbeatS.includes(s))).toBe(true);
    }
    // The other held-outs (read earlier) stay as they were measured: none of the reporting shapes below.
    for (const name of ['holdout-mixed', 'holdout-cold']) {
      const o = SIMULATOR_CONFIGS[name]!;
      expect(o.quirks.wording.standby ?? 0).toBe(0);
      expect(o.quirks.sparseDrivingShare ?? 0).toBe(0);
      expect(o.strandings.taperedLimpShare ?? 0).toBe(0);
    }
  });

  it('train, the fitting world, draws the reporting shapes real fleets have: ready/standby wording, sparse modems, GPS scatter, tapered limp modes', () => {
    const f = simulateFleet({ seed: 5, devices: 24, days: 1, config: TRAIN_CONFIG_NAME });
    const shapes = new Set(f.labels.flatMap((l) => l.shapes));
    const states = new Set(f.devices.flatMap((d) => Array.from(d.series.state)));
    expect(states.has('ready') || states.has('standby')).toBe(true);
    for (const s of ['sparse_modem', 'gps_jitter', 'tapered_limp']) expect(shapes.has(s), s).toBe(true);
  });

  it('draws microcars and heavy vans with their own batteries, ready/standby wording, sparse modems and tapered limp modes', () => {
    const f = simulateFleet({ seed: 5, devices: 24, days: 1, config: 'holdout-unseen' });
    const micro = f.devices.filter((d) => d.model.startsWith('Wasp'));
    const van = f.devices.filter((d) => d.model.startsWith('Atlas Cargo'));
    expect(micro.length).toBeGreaterThan(0);
    expect(van.length).toBeGreaterThan(0);
    for (const d of micro) expect(d.batteryKwh).toBeLessThanOrEqual(14);
    for (const d of van) expect(d.batteryKwh).toBeGreaterThanOrEqual(90);
    const states = new Set(f.devices.flatMap((d) => Array.from(d.series.state)));
    expect(states.has('ready') || states.has('standby')).toBe(true);
    // A sparse modem: some device drives with rows further apart than 1 s throughout.
    const gapsWhileDriving = f.devices.map((d) => {
      const s = d.series;
      let min = Number.POSITIVE_INFINITY;
      for (let i = 1; i < s.length; i++) if (s.speedKph[i]! > 20 && s.speedKph[i - 1]! > 20) min = Math.min(min, s.tsMs[i]! - s.tsMs[i - 1]!);
      return min;
    });
    expect(gapsWhileDriving.some((g) => Number.isFinite(g) && g >= 2000)).toBe(true);
    expect(gapsWhileDriving.some((g) => g === 1000)).toBe(true);
  });

  it('a tapered limp mode falls from full power at the band top to the limp power at the cut-off; a stepped one is flat', () => {
    const spec = { cutoffSocPct: 1, limpBelowSocPct: 4, limpKw: 10, limpTapered: true };
    expect(limpCapKw(spec, 100, 4)).toBeCloseTo(100);
    expect(limpCapKw(spec, 100, 2.5)).toBeCloseTo(55);
    expect(limpCapKw(spec, 100, 1)).toBeCloseTo(10);
    expect(limpCapKw({ ...spec, limpTapered: false }, 100, 3.9)).toBe(10);
  });
});
