import { describe, expect, it } from 'vitest';
import { simulateFleet } from '../../src/simulate/simulate-fleet.ts';
import { HELD_OUT_CONFIG_NAMES, SIMULATOR_CONFIGS, TRAIN_CONFIG_NAME } from '../../src/simulate/simulator-configs.ts';

describe('simulator configurations', () => {
  it('train is the default; an unknown name is refused, naming the known ones', () => {
    const a = simulateFleet({ seed: 3, devices: 2, days: 1 });
    const b = simulateFleet({ seed: 3, devices: 2, days: 1, config: TRAIN_CONFIG_NAME });
    expect(a.labels).toEqual(b.labels);
    expect(Array.from(a.devices[0]!.series.socPct)).toEqual(Array.from(b.devices[0]!.series.socPct));
    expect(() => simulateFleet({ seed: 3, devices: 1, days: 1, config: 'holdout' })).toThrow("unknown simulator config 'holdout'; known: train, holdout-mixed, holdout-cold");
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
