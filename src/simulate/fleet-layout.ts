import type { Charger } from '../domain/chargers/charger.ts';
import type { DeviceSpec, Weather } from './device-context.ts';
import { makeTerrain, offsetPoint, type Terrain } from './route-builder.ts';
import { SeededRandom } from './seeded-random.ts';
import { CLIMATES, VEHICLE_MODELS, type Climate } from './vehicle-physics.ts';

/** Where each climate's fleets are based (a real region of that climate), and its ground altitude. */
const BASES: Record<string, { lat: number; lon: number; altM: number }> = {
  arctic: { lat: 69.65, lon: 18.96, altM: 40 },
  cold: { lat: 45.5, lon: -73.57, altM: 60 },
  temperate: { lat: 45.76, lon: 4.84, altM: 220 },
  hot: { lat: 33.45, lon: -112.07, altM: 340 },
};

export interface FleetSite {
  fleet: string;
  climate: Climate;
  lat: number;
  lon: number;
  terrain: Terrain;
  weather: Weather;
  chargers: Charger[];
}

export interface FleetLayout {
  sites: FleetSite[];
  devices: { spec: DeviceSpec; site: FleetSite }[];
  chargers: Charger[];
}

export const deviceIdOf = (index: number): string => `sim-${String(index).padStart(4, '0')}`;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * The fleets (one per climate, more for large sizes), their depots and public chargers, each
 * device's model and home charger, and the weather. Depends on the seed and sizes only, so one
 * device can be simulated without the others.
 */
export function buildFleetLayout(seed: number, deviceCount: number, days: number, startMs: number): FleetLayout {
  const rand = new SeededRandom(seed).fork(7_000_001);
  const siteCount = Math.max(1, Math.min(deviceCount, 4 + Math.floor(deviceCount / 50)));
  const sites: FleetSite[] = [];
  for (let k = 0; k < siteCount; k++) {
    const climate = CLIMATES[k % CLIMATES.length]!;
    const base = BASES[climate.name]!;
    const shift = k < CLIMATES.length ? { lat: base.lat, lon: base.lon } : offsetPoint(base.lat, base.lon, rand.uniform(0, 2 * Math.PI), rand.uniform(150, 400));
    const fleet = `fleet-${String.fromCharCode(97 + (k % 26))}${k >= 26 ? Math.floor(k / 26) : ''}`;
    const swingC = (climate.maxC - climate.minC) * 0.22;
    const dailyMeanC = new Float64Array(days + 2);
    let mean = rand.uniform(climate.minC + swingC, climate.maxC - swingC);
    for (let d = 0; d < dailyMeanC.length; d++) {
      mean = Math.max(climate.minC + swingC, Math.min(climate.maxC - swingC, mean + rand.uniform(-3, 3)));
      dailyMeanC[d] = mean;
    }
    const chargers: Charger[] = [{ chargerId: `${fleet}-depot`, name: `${fleet} depot`, lat: round6(shift.lat), lon: round6(shift.lon), powerKw: 22 }];
    for (let i = 1; i <= 16; i++) {
      const p = offsetPoint(shift.lat, shift.lon, rand.uniform(0, 2 * Math.PI), i <= 6 ? rand.uniform(4, 40) : rand.uniform(40, 220));
      chargers.push({ chargerId: `${fleet}-pub-${String(i).padStart(2, '0')}`, name: `${fleet} public charger ${i}`, lat: round6(p.lat), lon: round6(p.lon), powerKw: rand.pick([50, 100, 150]) });
    }
    sites.push({
      fleet,
      climate,
      lat: shift.lat,
      lon: shift.lon,
      terrain: makeTerrain(rand, base.altM),
      weather: { startMs, dailyMeanC, swingC, utcOffsetH: shift.lon / 15 },
      chargers,
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
    devices.push({ site, spec: { deviceId, model: rand.pick(VEHICLE_MODELS), fleet: site.fleet, climate: site.climate, home, setpointC: Math.round(rand.uniform(19, 23)) } });
  }
  return { sites, devices, chargers: [...sites.flatMap((s) => s.chargers), ...homeChargers] };
}
