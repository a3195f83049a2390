import { describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { breakdownWakeAtMs, findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { SeriesBuilder } from './series-builder.ts';

/** Lost communication with a module and a low-voltage body code: what a failing 12 V supply logs. */
const LOW_12V = ['U0100', 'B1325'];
const H = 3600;

/** City driving at 35 kph with an odometer, then the driver pulls over under light power as the 12 V fails. */
function failingAtCitySpeed(codes: string[] | null): SeriesBuilder {
  const b = new SeriesBuilder();
  b.socPct = 63;
  b.odometerKm = 31_000;
  b.stand(5).accelerate(35).cruise(300, 6);
  // Slowing gently with the drivetrain still drawing a few kW: no coast-down to see.
  b.decelerate(1, 0, { powerKw: 4, codes }).stand(1, 'driving', codes);
  return b;
}

const ctx = { deviceId: 'car', chargers: [], fromMs: 0 };

describe('a 12 V failure at a stop: the unit reports the failing supply, then falls silent where the car stopped', () => {
  it('codes at the stop, silence, back 12 km away with the odometer unchanged (towed while silent): a twelve_volt_failure', async () => {
    const b = failingAtCitySpeed(LOW_12V).silentTow(3.8 * H, 12).stand(20, 'parked');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'stop', subkind: 'twelve_volt_failure', fault: 'codes' });
    expect(c[0]!.tow?.distanceKm).toBeCloseTo(12, 0);
    const events = await createBreakdownDetector({ scorer: null }).detect(b.build(), ctx);
    expect(events.map((e) => e.subkind)).toEqual(['twelve_volt_failure']);
  });

  it('codes at the stop, then silent for 7 h and back where it stopped: the supply that feeds the unit failed', () => {
    const b = failingAtCitySpeed(LOW_12V).gap(7 * H, 0).stand(20, 'parked');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]!.silenceAfterStopMs).toBeGreaterThanOrEqual(7 * H * 1000);
  });

  it('the same codes with the unit reporting on while the car stands is a driver who stopped a working car', () => {
    const b = failingAtCitySpeed(LOW_12V).stand(90, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a unit that sleeps when parked (silent 7 h) with no codes is a parked car, and so is one driven off meanwhile (the odometer turned)', () => {
    expect(findBreakdownCandidates(failingAtCitySpeed(null).gap(7 * H, 0).stand(20, 'parked').build())).toEqual([]);
    // Driven 12 km while its unit slept: the odometer advanced with the position, so no tow.
    const drivenOff = failingAtCitySpeed(null).gap(7 * H, 12 / 7).stand(20, 'parked');
    expect(findBreakdownCandidates(drivenOff.build())).toEqual([]);
  });

  it('a silence shorter than a dropout after the codes proves nothing: back 2 min later where it stopped, standing', () => {
    const b = failingAtCitySpeed(LOW_12V).gap(120, 0).stand(90, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('codes at the stop and the data ends there: a provisional breakdown once silent 4 min (judged at now), with the timer set for it', async () => {
    // The unit writes a few seconds standing, then nothing: the series ends.
    const b = failingAtCitySpeed(LOW_12V);
    const s = b.build();
    const lastMs = s.tsMs[s.length - 1]!;
    expect(breakdownWakeAtMs(s, { nowMs: lastMs })).toBe(lastMs + 4 * 60_000);
    expect(findBreakdownCandidates(s, { nowMs: lastMs + 3 * 60_000 })).toEqual([]);
    const late = findBreakdownCandidates(s, { nowMs: lastMs + 5 * 60_000 });
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ silenceOngoing: true, subkind: 'twelve_volt_failure' });
    // Judged by the rules alone, as a silence at speed is: a scorer that says no cannot veto it.
    const veto = { score: async (_x: Float32Array, rows: number) => new Float32Array(rows) };
    const events = await createBreakdownDetector({ scorer: veto }).detect(s, { ...ctx, nowMs: lastMs + 5 * 60_000 });
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toMatch(/^Provisional/);
    expect(events[0]!.evidence.find((e) => e.signal === 'provisional')?.value).toBe(true);
    // Without the codes an ending at a stop is a parked car, and no timer is set for its silence.
    const parked = failingAtCitySpeed(null).build();
    expect(findBreakdownCandidates(parked, { nowMs: lastMs + 60 * 60_000 })).toEqual([]);
    expect(breakdownWakeAtMs(parked, { nowMs: parked.tsMs[parked.length - 1]! })).toBeUndefined();
  });
});
