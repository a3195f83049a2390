import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import { createChargeShortfallDetector } from '../../src/domain/detect/charge-shortfall.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { loadTwizyTrips } from './twizy-trips.ts';
import { testEnergyModel } from './shortfall-series.ts';

let trips: Awaited<ReturnType<typeof loadTwizyTrips>>;
let series: Map<string, TelemetrySeries>;

beforeAll(async () => {
  trips = await loadTwizyTrips();
  series = trips.series;
});

afterAll(async () => trips?.dispose());

const FAR_AWAY: Charger[] = [
  { chargerId: 'milford-ct', name: 'Milford CT Supercharger', lat: 41.2307, lon: -73.0645, powerKw: 120 },
  { chargerId: 'norwich-ct', name: 'Norwich CT public charger', lat: 41.5243, lon: -72.0759, powerKw: 7 },
];

/** Chargers where the trips start and end (a home and a work charger), as a fleet operator would list them. */
function tripEndChargers(s: TelemetrySeries): Charger[] {
  const fixes = [...s.lat.keys()].filter((i) => Number.isFinite(s.lat[i]!) && Number.isFinite(s.lon[i]!));
  const a = fixes[0]!;
  const b = fixes.at(-1)!;
  return [
    { chargerId: 'start', name: 'Trip start', lat: s.lat[a]!, lon: s.lon[a]!, powerKw: 3 },
    { chargerId: 'end', name: 'Trip end', lat: s.lat[b]!, lon: s.lon[b]!, powerKw: 3 },
  ];
}

describe('charge-shortfall on the real twizy-rsk trips', () => {
  const detector = createChargeShortfallDetector({ energyModel: testEnergyModel() });

  it('T3_05_25_2021_04 carries a one-sample SoC glitch to ~0 %, and nothing fires on it', async () => {
    const s = series.get('T3_05_25_2021_04.csv')!;
    expect(Math.min(...s.socPct.filter(Number.isFinite))).toBeLessThan(1);
    expect(await detector.detect(s, { deviceId: 'T3_05_25_2021_04.csv', chargers: [], fromMs: -8.64e15 })).toEqual([]);
    expect(await detector.detect(s, { deviceId: 'T3_05_25_2021_04.csv', chargers: tripEndChargers(s), fromMs: -8.64e15 })).toEqual([]);
  });

  it('no trip, alone or as one vehicle history, produces a shortfall event', async () => {
    for (const [id, s] of series) {
      const chargers = tripEndChargers(s);
      expect(await detector.detect(s, { deviceId: id, chargers: [], fromMs: -8.64e15 }), id).toEqual([]);
      expect(await detector.detect(s, { deviceId: id, chargers, fromMs: -8.64e15 }), `${id} with chargers`).toEqual([]);
      // The charger table is shared: the Model S fixture's Connecticut chargers are no target for a car in Rabat.
      expect(await detector.detect(s, { deviceId: id, chargers: FAR_AWAY, fromMs: -8.64e15 }), `${id} with chargers 7,000 km away`).toEqual([]);
    }
  });
});
