import { describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { SeriesBuilder } from './series-builder.ts';

/**
 * A car running out of energy: SoC falling in whole-% steps, a limp mode (power limited to a few
 * kW) over the last 3 %, then propulsion cut at `cutoffPct`, coasting to a stop and standing.
 */
function runsOut(cutoffPct: number, step = 1): SeriesBuilder {
  const b = new SeriesBuilder();
  b.odometerKm = 1_000;
  b.socPct = cutoffPct + 8;
  b.stand(5).accelerate(100);
  while (b.socPct > cutoffPct + 3) {
    b.cruise(60, 25);
    b.socPct = Math.round((b.socPct - step) / step) * step;
  }
  // Limp mode: power limited, the car slows to ~50 kph.
  b.decelerate(0.3, 50, { powerKw: 6 });
  while (b.socPct > cutoffPct) {
    b.cruise(90, 6);
    b.socPct = Math.max(cutoffPct, Math.round((b.socPct - step) / step) * step);
  }
  return b.decelerate(0.5, 0, { powerKw: 0.1 }).stand(60, 'off');
}

describe('strandings are not breakdowns', () => {
  for (const cutoff of [0, 0.6, 1, 1.5, 2]) {
    it(`cut off at ${cutoff} % displayed after a limp mode: no breakdown (it is the shortfall detector's stranded)`, async () => {
      const s = runsOut(cutoff, cutoff % 1 === 0 ? 1 : 0.1).build();
      expect(findBreakdownCandidates(s)).toEqual([]);
      expect(await createBreakdownDetector({ scorer: null }).detect(s, { deviceId: 'car', chargers: [], fromMs: 0 })).toEqual([]);
    });
  }

  it('uses the registered cut-off: a car known to cut at 0 % that loses propulsion at 2 % has broken down', () => {
    const b = new SeriesBuilder();
    b.socPct = 2;
    b.stand(5).accelerate(90).cruise(300, 20).decelerate(0.6, 0, { powerKw: 0.1 }).stand(60, 'off');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
    expect(findBreakdownCandidates(b.build(), { device: { cutoffSocPct: 0 } })).toHaveLength(1);
  });

  it('a loss of propulsion at 40 % is a breakdown whatever the cut-off', () => {
    const b = new SeriesBuilder();
    b.socPct = 40;
    b.stand(5).accelerate(90).cruise(300, 20).decelerate(0.6, 0, { powerKw: 0.1 }).stand(60, 'off');
    expect(findBreakdownCandidates(b.build(), { device: { cutoffSocPct: 2 } })).toHaveLength(1);
  });
});
