import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { loadTwizyTrips, TWIZY_FILES as FILES } from './twizy-trips.ts';

let trips: Awaited<ReturnType<typeof loadTwizyTrips>>;
let series: Map<string, TelemetrySeries>;

beforeAll(async () => {
  trips = await loadTwizyTrips();
  series = trips.series;
});

afterAll(async () => trips?.dispose());

describe('breakdowns in the real twizy-rsk trips', () => {
  it('finds none: every trip ends parked, and the gaps between trips are not breakdowns', async () => {
    expect(FILES).toHaveLength(14);
    // Everything-flagged detector (no model): even the rules stage must stay quiet.
    const detector = createBreakdownDetector({ scorer: null });
    let stops = 0;
    for (const [id, s] of series) {
      for (let i = 1; i < s.length; i++) if (s.speedKph[i - 1]! >= 3 && s.speedKph[i]! < 3) stops++;
      expect(s.length, id).toBeGreaterThan(500);
      expect(findBreakdownCandidates(s), id).toEqual([]);
      expect(await detector.detect(s, { deviceId: id, chargers: [], fromMs: -8.64e15 }), id).toEqual([]);
    }
    // The trips do stop (lights, junctions, arrivals): the rules were really put to the test.
    expect(stops).toBeGreaterThan(100);
  });
});
