import { haversineKm } from '../domain/geo-distance.ts';
import type { SeededRandom } from './seeded-random.ts';
import type { Habits } from './simulator-config.ts';

/** The road habits a route is built with (the original simulator's, unless a configuration says otherwise). */
export type RoadHabits = Pick<Habits, 'highwayKph' | 'cityKph' | 'rampKph' | 'detourMax'>;
const DEFAULT_ROAD: RoadHabits = { highwayKph: [90, 100, 110, 120, 130], cityKph: [30, 40, 50, 50, 60], rampKph: [50, 60, 70], detourMax: 1.02 };

const KM_PER_DEG_LAT = 111.32;

/** Rolling terrain of a fleet's region: altitude is a function of position, so every leg and tow agrees on it. */
export interface Terrain {
  baseM: number;
  ampM: readonly [number, number];
  /** Wavelengths in degrees. */
  waveDeg: readonly [number, number];
  phase: readonly [number, number];
}

export function makeTerrain(rand: SeededRandom, baseM: number): Terrain {
  return {
    baseM,
    ampM: [rand.uniform(15, 70), rand.uniform(5, 30)],
    waveDeg: [rand.uniform(0.08, 0.2), rand.uniform(0.02, 0.05)],
    phase: [rand.uniform(0, 6.28), rand.uniform(0, 6.28)],
  };
}

export function terrainAltM(t: Terrain, lat: number, lon: number): number {
  return (
    t.baseM +
    t.ampM[0] * Math.sin((2 * Math.PI * (lat + 0.7 * lon)) / t.waveDeg[0] + t.phase[0]) +
    t.ampM[1] * Math.sin((2 * Math.PI * (lon - 0.4 * lat)) / t.waveDeg[1] + t.phase[1])
  );
}

/**
 * A road from A to B: a gently winding line (GPS follows it at the speed driven), speed zones
 * (city 30–60 km/h with traffic lights, highway 90–130 km/h with an exit ramp) and the place of a
 * traffic jam if one is scripted.
 */
export interface Route {
  fromLat: number;
  fromLon: number;
  toLat: number;
  toLon: number;
  distanceKm: number;
  highway: boolean;
  /** Highway stretch [start, end] in km along the route; NaN on city routes. */
  highwayStartKm: number;
  highwayEndKm: number;
  /** Speed zones: zone i ends at zoneEndKm[i] with target zoneKph[i]. */
  zoneEndKm: Float64Array;
  zoneKph: Float64Array;
  /** Traffic lights along the route and how long each one is red when reached (0 = green). */
  lightKm: Float64Array;
  lightWaitS: Float64Array;
  wiggleKm: number;
  wiggleWaveKm: number;
  // Unit vectors of the line and its normal, in km east/north.
  ux: number;
  uy: number;
  kmPerDegLon: number;
}

export function buildRoute(rand: SeededRandom, fromLat: number, fromLon: number, toLat: number, toLon: number, preferHighway: boolean, road: RoadHabits = DEFAULT_ROAD): Route {
  const straightKm = Math.max(0.3, haversineKm(fromLat, fromLon, toLat, toLon));
  const kmPerDegLon = KM_PER_DEG_LAT * Math.cos((((fromLat + toLat) / 2) * Math.PI) / 180);
  const east = (toLon - fromLon) * kmPerDegLon;
  const north = (toLat - fromLat) * KM_PER_DEG_LAT;
  const len = Math.hypot(east, north) || 1;
  // Roads are longer than the straight line, some (a detour, a river to go round) much longer.
  const detour = road.detourMax > 1.02 ? 1.02 + (road.detourMax - 1.02) * rand.next() ** 2 : 1.02;
  const distanceKm = straightKm * detour;
  const highway = preferHighway && distanceKm > 12;
  const ends: number[] = [];
  const kph: number[] = [];
  const lights: number[] = [];
  const waits: number[] = [];
  const cityZones = (from: number, to: number) => {
    let at = from;
    while (at < to - 0.05) {
      const end = Math.min(to, at + rand.uniform(0.4, 2));
      ends.push(end);
      kph.push(rand.pick(road.cityKph));
      at = end;
    }
    let light = from + rand.uniform(0.2, 0.9);
    while (light < to - 0.15) {
      lights.push(light);
      waits.push(rand.chance(0.5) ? rand.uniform(8, 60) : 0);
      light += rand.uniform(0.3, 1.2);
    }
  };
  let highwayStartKm = Number.NaN;
  let highwayEndKm = Number.NaN;
  if (highway) {
    highwayStartKm = rand.uniform(1, Math.min(3, distanceKm * 0.15));
    highwayEndKm = distanceKm - rand.uniform(1.5, Math.min(3.5, distanceKm * 0.15));
    cityZones(0, highwayStartKm);
    let at = highwayStartKm;
    while (at < highwayEndKm - 0.7) {
      const end = Math.min(highwayEndKm - 0.6, at + rand.uniform(5, 25));
      ends.push(end);
      kph.push(rand.pick(road.highwayKph));
      at = end;
    }
    // The exit ramp: down to ramp speed before the city.
    ends.push(highwayEndKm);
    kph.push(rand.pick(road.rampKph));
    cityZones(highwayEndKm, distanceKm);
  } else {
    cityZones(0, distanceKm);
  }
  if (!ends.length || ends[ends.length - 1]! < distanceKm) {
    ends.push(distanceKm);
    kph.push(40);
  }
  const wiggleWaveKm = rand.uniform(3, 8);
  // The GPS track winds enough that its length matches the road's (arc length of a sine ≈ 1 + (πA/λ)²).
  const wiggleKm = detour > 1.02 ? Math.min(2.5, distanceKm * 0.3, (wiggleWaveKm * Math.sqrt(detour - 1)) / Math.PI) : Math.min(0.5, distanceKm * 0.025);
  return {
    fromLat,
    fromLon,
    toLat,
    toLon,
    distanceKm,
    highway,
    highwayStartKm,
    highwayEndKm,
    zoneEndKm: Float64Array.from(ends),
    zoneKph: Float64Array.from(kph),
    lightKm: Float64Array.from(lights),
    lightWaitS: Float64Array.from(waits),
    wiggleKm,
    wiggleWaveKm,
    ux: east / len,
    uy: north / len,
    kmPerDegLon,
  };
}

/** Writes the position `sKm` along the route into `out` (no allocation: called every simulated second). */
export function routePosition(r: Route, sKm: number, out: { lat: number; lon: number }): void {
  const f = Math.min(1, Math.max(0, sKm / r.distanceKm));
  // The winding fades out at both ends so the route starts and ends exactly at A and B.
  const side = r.wiggleKm * Math.sin((2 * Math.PI * sKm) / r.wiggleWaveKm) * Math.sin(Math.PI * f);
  out.lat = r.fromLat + f * (r.toLat - r.fromLat) + (r.ux * side) / KM_PER_DEG_LAT;
  out.lon = r.fromLon + f * (r.toLon - r.fromLon) - (r.uy * side) / r.kmPerDegLon;
}

/** A point `km` away from (lat, lon) on a compass bearing. */
export function offsetPoint(lat: number, lon: number, bearingRad: number, km: number): { lat: number; lon: number } {
  const kmPerDegLon = KM_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  return { lat: lat + (Math.cos(bearingRad) * km) / KM_PER_DEG_LAT, lon: lon + (Math.sin(bearingRad) * km) / kmPerDegLon };
}
