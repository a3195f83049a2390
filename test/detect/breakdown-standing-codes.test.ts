import { describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { standingCodes } from '../../src/domain/detect/breakdown-signals.ts';
import { SeriesBuilder } from './series-builder.ts';

const HARMLESS = 'B1342';

/** Every row of this car carries a harmless code (a body-module fault nobody fixed). */
function withStandingCode(b: SeriesBuilder): SeriesBuilder {
  for (const s of b.samples) s.codes = [...(s.codes ?? []), HARMLESS];
  return b;
}

describe('standing codes are context, not evidence', () => {
  it('a normal stop at a charger (braked with regeneration, then charging) by a car with a code on every row is nothing', () => {
    const b = new SeriesBuilder();
    b.socPct = 30;
    b.stand(20, 'parked').accelerate(80).cruise(900, 18).decelerate(1.5, 0, { powerKw: -10 }).stand(3, 'off');
    for (let m = 0; m < 40; m++) b.cruise(60, -50).samples.slice(-60).forEach((s) => (s.state = 'charging'));
    const s = withStandingCode(b).build();
    expect(findBreakdownCandidates(s)).toEqual([]);
  });

  it('a normal stop parked as "off" by a car with the code on every row, after a short drive, is nothing', () => {
    const b = new SeriesBuilder().stand(20, 'off').accelerate(50).cruise(240, 8).decelerate(1.5, 0, { powerKw: -8 }).stand(120, 'off');
    expect(findBreakdownCandidates(withStandingCode(b).build())).toEqual([]);
  });

  it('the end of a live window while cruising, with a standing lost-communication code, is no candidate', () => {
    const b = new SeriesBuilder().stand(20, 'parked').accelerate(90).cruise(600, 20);
    for (const s of b.samples) s.codes = ['U0100'];
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('without the standing code the same off-after-stop is still nothing, and a fresh code is still evidence', async () => {
    const b = new SeriesBuilder().stand(20, 'off').accelerate(90).cruise(900, 20);
    b.decelerate(0.6, 0, { powerKw: 0, codes: ['P0A0F'] }).stand(40, 'off');
    const s = withStandingCode(b).build();
    const c = findBreakdownCandidates(s);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ codes: ['P0A0F'], standingCodes: [HARMLESS], powertrainCode: true });
    const [e] = await createBreakdownDetector({ scorer: null }).detect(s, { deviceId: 'car', chargers: [], fromMs: 0 });
    expect(e!.evidence.find((x) => x.signal === 'standing_codes')?.value).toBe(HARMLESS);
    expect(e!.evidence.find((x) => x.signal === 'error_codes')?.value).toBe('P0A0F');
  });

  it('a code that first shows two minutes before the power goes is a warning, not standing', () => {
    const b = new SeriesBuilder().stand(20, 'parked').accelerate(90).cruise(900, 20);
    b.cruise(120, 20).samples.slice(-120).forEach((s) => (s.codes = ['SHUTTING_DOWN']));
    const s = b.build();
    expect(standingCodes(s, s.length - 1).size).toBe(0);
  });

  it('a code seen while the car stood before this drive is standing, even after a drive shorter than 15 min', () => {
    const b = new SeriesBuilder().stand(10, 'parked');
    b.samples.slice(-10).forEach((x) => (x.codes = ['C1234']));
    b.accelerate(60).cruise(400, 10);
    const s = b.build();
    expect([...standingCodes(s, s.length - 1)]).toEqual(['C1234']);
  });
});

describe('standing codes on a unit that is silent while parked', () => {
  it('a code on the first row after the unit wakes (already moving) is standing', () => {
    const b = new SeriesBuilder().stand(1, 'parked').gap(3 * 3600, 0);
    b.accelerate(40).cruise(600, 8);
    for (const x of b.samples) x.codes = ['U0155'];
    const s = b.build();
    expect([...standingCodes(s, s.length - 1)]).toEqual(['U0155']);
  });

  it('a unit silent while parked wakes as the car sets off with the code already showing: a stop 2 min later is no fault', () => {
    const b = new SeriesBuilder();
    b.socPct = 55;
    // Its last row yesterday, then nothing until the car sets off at walking pace.
    b.stand(3, 'off').gap(20 * 3600, 0);
    b.crawl(1, 6).accelerate(45).cruise(60, 6);
    // Slowing to a light with light power (no regeneration to see), standing a minute, driving on.
    b.decelerate(1.1, 0, { powerKw: 0.2 }).wait(60).accelerate(60).cruise(300, 12);
    const s = withStandingCode(b).build();
    const wake = b.samples.findIndex((x) => x.speedKph === 6);
    expect(standingCodes(s, wake + 80).has(HARMLESS)).toBe(true);
    expect(findBreakdownCandidates(s)).toEqual([]);
    // The same code appearing fresh at the stop (not on the first rows) is still the moment's evidence.
    const fresh = b.build();
    const stop = b.samples.findIndex((x, i) => i > wake + 60 && x.speedKph < 40 && x.powerKw === 0.2);
    for (let i = stop; i < fresh.length; i++) fresh.errorCodes[i] = ['P0A0F'];
    expect(findBreakdownCandidates(fresh).map((c) => c.codes)).toEqual([['P0A0F']]);
  });
});
