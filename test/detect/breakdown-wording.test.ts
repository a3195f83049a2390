import { describe, expect, it } from 'vitest';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { stateClass } from '../../src/domain/detect/breakdown-signals.ts';
import { SeriesBuilder } from './series-builder.ts';

/** Every row's state rewritten as a `ready`/`standby` unit words it (driving → ready, parked → standby). */
function readyStandby(b: SeriesBuilder): SeriesBuilder {
  for (const s of b.samples) s.state = s.state === 'driving' ? 'ready' : s.state === 'parked' ? 'standby' : s.state;
  return b;
}

/** A hard powerless stop on a cold pack at −21 °C, then standing 2 min at 1 Hz and 78 min more in `after` state on the 12 V draw, then driving on. */
function coldStop(after: 'driving' | 'parked', wording: (b: SeriesBuilder) => SeriesBuilder) {
  const b = new SeriesBuilder();
  b.socPct = 60;
  b.batteryTempC = 4;
  b.stand(5).accelerate(75).cruise(330, 10).decelerate(2.9, 0, { powerKw: 0.3 }).hold(120, after, 0.3).stand(78, after).accelerate(50).cruise(300, 10);
  const s = wording(b).build();
  s.outsideTempC.fill(-21);
  s.cabinSetpointC.fill(21);
  return findBreakdownCandidates(s);
}

describe('state wording: ready / standby units', () => {
  it('reads `ready` as the high-voltage system live (in gear) and `standby`/`sleep` as parked, never as off', () => {
    expect(stateClass('ready')).toBe('driving');
    expect(stateClass('READY')).toBe('driving');
    expect(stateClass('standby')).toBe('parked');
    expect(stateClass('sleep')).toBe('parked');
    expect(stateClass('asleep')).toBe('parked');
    expect(stateClass('standby')).not.toBe('off');
  });

  it('a car left `ready` after a hard powerless stop on the 12 V draw in the cold is dead in gear, as with `driving`; `standby` is parked', () => {
    const words = coldStop('driving', (b) => b);
    expect(words).toMatchObject([{ fault: 'braked_without_power', inGearAfterStop: true }]);
    const ready = coldStop('driving', readyStandby);
    expect(ready).toMatchObject([{ fault: 'braked_without_power', inGearAfterStop: true }]);
    expect(ready[0]!.startMs).toBe(words[0]!.startMs);
    // Standby after the stop: parked by the driver, whose cold pack explains the missing regeneration.
    expect(coldStop('parked', readyStandby)).toEqual([]);
  });
});
