import type { Charger } from '../domain/chargers/charger.ts';
import type { DeviceSpec, Weather } from './device-context.ts';
import { makeTerrain, offsetPoint, type Terrain } from './route-builder.ts';
import { SeededRandom } from './seeded-random.ts';
import type { SimulatorConfig, SiteSpec } from './simulator-config.ts';
import { drawQuirks } from './telemetry-quirks.ts';
import { buildVehicleModel } from './vehicle-physics.ts';

export interface FleetSite {
  fleet: string;
  climate: SiteSpec;
  lat: number;
  lon: number;
  terrain: Terrain;
  weather: Weather;
  /** Chargers the drivers use (depot, public DC); the site also has others they never plan on. */
  chargers: Charger[];
  otherChargers: Charger[];
}

export interface FleetLayout {
  sites: FleetSite[];
  devices: { spec: DeviceSpec; site: FleetSite }[];
  chargers: Charger[];
}

export const deviceIdOf = (index: number): string => `sim-${String(index).padStart(4, '0')}`;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * The fleets (one per site of the configuration, more for large sizes), their depots and public
 * chargers, the small AC and motorway-exit chargers nobody plans on, each device's model, quirks
 * and home charger, and the weather. Depends on the seed, sizes and configuration only, so one
 * device can be simulated without the others.
 */
export function buildFleetLayout(seed: number, deviceCount: number, days: number, startMs: number, config: SimulatorConfig): FleetLayout {
  const rand = new SeededRandom(seed).fork(7_000_001);
  const siteCount = Math.max(1, Math.min(deviceCount, config.sites.length + Math.floor(deviceCount / 50)));
  const sites: FleetSite[] = [];
  for (let k = 0; k < siteCount; k++) {
    const climate = config.sites[k % config.sites.length]!;
    const shift = k < config.sites.length ? { lat: climate.lat, lon: climate.lon } : offsetPoint(climate.lat, climate.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(150, 400));
    const fleet = `fleet-${String.fromCharCode(97 + (k % 26))}${k >= 26 ? Math.floor(k / 26) : ''}`;
    const swingC = (climate.maxC - climate.minC) * rand.uniform(0.18, 0.3);
    const dailyMeanC = new Float64Array(days + 2);
    const lo = climate.minC + swingC;
    const hi = climate.maxC - swingC;
    let mean = rand.uniform(lo, hi);
    for (let d = 0; d < dailyMeanC.length; d++) {
      // A front: a mild day followed by a much colder one (cold mornings after mild afternoons).
      const front = rand.chance(climate.frontChance) ? -rand.uniform(6, 14) : rand.uniform(-3, 3.5);
      mean = Math.max(lo, Math.min(hi, mean + front));
      dailyMeanC[d] = mean;
    }
    const chargers: Charger[] = [{ chargerId: `${fleet}-depot`, name: `${fleet} depot`, lat: round6(shift.lat), lon: round6(shift.lon), powerKw: 22 }];
    for (let i = 1; i <= 16; i++) {
      const p = offsetPoint(shift.lat, shift.lon, rand.uniform(0, 2 * Math.PI), i <= 6 ? rand.uniform(4, 40) : rand.uniform(40, 220));
      chargers.push({ chargerId: `${fleet}-pub-${String(i).padStart(2, '0')}`, name: `${fleet} public charger ${i}`, lat: round6(p.lat), lon: round6(p.lon), powerKw: rand.pick([50, 100, 150]) });
    }
    // Chargers nobody in the fleet plans on: small AC posts in villages and DC sites a few km off
    // a motorway exit. They are on the map, so "the nearest charger" is often not the next usable one.
    const otherChargers: Charger[] = [];
    for (let i = 1; i <= config.chargers.smallAcPerSite; i++) {
      const p = offsetPoint(shift.lat, shift.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(3, 180));
      otherChargers.push({ chargerId: `${fleet}-ac-${String(i).padStart(2, '0')}`, name: `${fleet} AC post ${i}`, lat: round6(p.lat), lon: round6(p.lon), powerKw: rand.pick([7, 11, 22]) });
    }
    for (let i = 1; i <= config.chargers.exitDcPerSite; i++) {
      const p = offsetPoint(shift.lat, shift.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(30, 200));
      otherChargers.push({ chargerId: `${fleet}-exit-${String(i).padStart(2, '0')}`, name: `${fleet} charger off motorway exit ${i}`, lat: round6(p.lat), lon: round6(p.lon), powerKw: rand.pick([50, 150]) });
    }
    sites.push({
      fleet,
      climate,
      lat: shift.lat,
      lon: shift.lon,
      terrain: makeTerrain(rand, climate.altM),
      weather: { startMs, dailyMeanC, swingC, utcOffsetH: shift.lon / 15 },
      chargers,
      otherChargers,
    });
  }
  const devices: FleetLayout['devices'] = [];
  const homeChargers: Charger[] = [];
  for (let d = 0; d < deviceCount; d++) {
    const site = sites[d % siteCount]!;
    const deviceId = deviceIdOf(d);
    let home = site.chargers[0]!;
    // Some cars sleep at the depot, others at a driver's home charger.
    if (rand.chance(0.4)) {
      const p = offsetPoint(site.lat, site.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(2, 15));
      home = { chargerId: `home-${deviceId}`, name: `home charger of ${deviceId}`, lat: round6(p.lat), lon: round6(p.lon), powerKw: 11 };
      homeChargers.push(home);
    }
    const platform = rand.pick(config.platforms);
    const kwh = platform.batteryKwh ?? config.batteryKwh;
    const model = buildVehicleModel(platform, rand.uniform(kwh[0], kwh[1]), rand.chance(config.heatPumpShare));
    const st = config.strandings;
    const cutoffSocPct = rand.uniform(st.cutoffSocPct[0], st.cutoffSocPct[1]);
    devices.push({
      site,
      spec: {
        deviceId,
        model,
        fleet: site.fleet,
        climate: site.climate,
        home,
        setpointC: Math.round(rand.uniform(19, 23)),
        config,
        quirks: drawQuirks(rand, config.quirks),
        cutoffSocPct,
        limpBelowSocPct: cutoffSocPct + rand.uniform(st.limpPct[0], st.limpPct[1]),
        limpKw: rand.uniform(st.limpKw[0], st.limpKw[1]),
        registered: rand.chance(config.quirks.registeredShare),
        // Drawn last and only where configured, so older configurations' fleets stay identical.
        ...(st.taperedLimpShare !== undefined ? { limpTapered: rand.chance(st.taperedLimpShare) } : {}),
      },
    });
  }
  return { sites, devices, chargers: [...sites.flatMap((s) => [...s.chargers, ...s.otherChargers]), ...homeChargers] };
}
