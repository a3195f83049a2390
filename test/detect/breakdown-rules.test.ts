import { describe, expect, it } from 'vitest';
import { BREAKDOWN_FEATURE_COUNT, breakdownFeatureRow, BREAKDOWN_FEATURES } from '../../src/domain/detect/breakdown-features.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { SeriesBuilder } from './series-builder.ts';

/** Drive off and cruise at kph for a while: the normal start of every scenario. */
const drive = (kph = 90, b = new SeriesBuilder()) => b.stand(5).accelerate(kph).cruise(300);

describe('breakdown rules: real breakdowns', () => {
  it('a loss of propulsion at 90 kph is one candidate starting where the power went to zero', () => {
    const b = drive(90);
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.6, 0, { powerKw: 0, codes: ['P0A0F'] }).stand(3, 'driving').stand(30, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'stop', subkind: 'loss_of_propulsion', startMs: lossMs, powertrainCode: true, recovered: false, tow: null });
    expect(c[0]!.speedAtLossKph).toBeGreaterThan(85);
    expect(c[0]!.decelMps2).toBeCloseTo(0.6, 1);
    expect(c[0]!.coastFraction).toBe(1);
    expect(c[0]!.restMs).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('finds the moment from the power alone when no code is logged', () => {
    const b = drive(100);
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.5, 0, { powerKw: 0.1 }).stand(40, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ startMs: lossMs, subkind: 'loss_of_propulsion', codes: [] });
  });

  it('a breakdown followed by a tow is one candidate whose end covers the tow', () => {
    const b = drive(90);
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.6, 0, { powerKw: 0, codes: ['P0A0F'] }).stand(45, 'off').tow(25, 40);
    const towEndMs = b.tsMs;
    b.stand(120, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]!.startMs).toBe(lossMs);
    expect(c[0]!.tow).not.toBeNull();
    expect(c[0]!.tow!.distanceKm).toBeGreaterThan(10);
    expect(c[0]!.endMs).toBe(towEndMs);
  });

  it('a shutdown on an exit ramp (off while moving, stop within seconds, data stops) is a shutdown', () => {
    const b = drive(100).decelerate(1.5, 55);
    const offMs = b.tsMs + 1000;
    b.decelerate(5, 0, { powerKw: 0, state: 'off' });
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ subkind: 'shutdown', startMs: offMs, offWhileMoving: true });
  });

  it('a 12 V failure (codes, then silence while moving, reappearing hours later elsewhere) starts at the first code and ends when the data resumed', () => {
    const b = drive(80).cruise(20, 15);
    const silentMs = b.tsMs + 1000;
    for (let s = 0; s < 15; s++) b.cruise(1, 15).samples.at(-1)!.codes = ['U0100', 'B1325'];
    b.gap(5 * 3600, 0);
    b.lon += 0.3; // towed ~22 km meanwhile
    const resumeMs = b.tsMs + 60_000;
    b.stand(30, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'data_gap', subkind: 'twelve_volt_failure', startMs: silentMs, endMs: resumeMs, lowVoltageCode: true });
    expect(c[0]!.tow).not.toBeNull();
  });

  it('a thermal fault (hot pack, derated power, P0A7E, shutdown) is a thermal_fault', () => {
    const b = drive(90);
    b.batteryTempC = 63;
    b.cruise(60, 4);
    b.decelerate(0.8, 0, { powerKw: 0, codes: ['P0A7E'] }).stand(30, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]!.subkind).toBe('thermal_fault');
  });
});

describe('breakdown rules: look-alikes', () => {
  it('a connection drop while driving, the car reappearing further on and moving, is no candidate', () => {
    for (const seconds of [45, 180, 600]) {
      const b = drive(90).gap(seconds).cruise(120);
      b.decelerate(2, 0).stand(30);
      expect(findBreakdownCandidates(b.build()), `${seconds} s`).toHaveLength(0);
    }
  });

  it('a tunnel (no GPS and no data for two minutes at 70 kph) is no candidate', () => {
    const b = drive(70).gap(120).cruise(60);
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });

  it('parking at a destination (braking with regeneration, then parked) is no candidate', () => {
    const b = drive(60).decelerate(1.5, 20).cruise(20).decelerate(2, 0, { powerKw: -8 }).stand(240, 'parked');
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });

  it('parking without power data (a log like the twizy trips) is no candidate', () => {
    const b = new SeriesBuilder();
    b.powerless = true;
    drive(60, b).decelerate(2, 0).stand(60, 'parked');
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });

  it('stop-and-go traffic is no candidate', () => {
    const b = drive(50);
    for (let k = 0; k < 20; k++) b.accelerate(25).cruise(10).decelerate(1.5, 0, { powerKw: 0 }).wait(30);
    b.accelerate(80).cruise(60);
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });

  it('a car-park crawl at walking pace, then parked, is no candidate', () => {
    const b = drive(40).decelerate(2, 8);
    for (let k = 0; k < 6; k++) b.crawl(20, 7).decelerate(1, 0, { powerKw: 0 }).wait(10);
    b.stand(120, 'parked');
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });

  it('the end of a live window while cruising is no candidate, even with a warning code showing', () => {
    expect(findBreakdownCandidates(drive(90).build())).toHaveLength(0);
    const warned = drive(90);
    warned.batteryTempC = 57;
    warned.cruise(30, 10).samples.slice(-30).forEach((s) => (s.codes = ['P0A7E']));
    expect(findBreakdownCandidates(warned.build())).toHaveLength(0);
  });

  it('a live window ending just after lost-communication codes while driving is a 12 V candidate already', () => {
    const b = drive(90);
    const firstMs = b.tsMs + 1000;
    b.cruise(20, 15).samples.slice(-20).forEach((s) => (s.codes = ['U0100']));
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'data_end', subkind: 'twelve_volt_failure', startMs: firstMs });
  });
});

describe('breakdown features', () => {
  it('gives one documented, finite value per feature', () => {
    const b = drive(90).decelerate(0.6, 0, { powerKw: 0, codes: ['P0A0F'] }).stand(30, 'off');
    const [c] = findBreakdownCandidates(b.build());
    const row = breakdownFeatureRow(c!);
    expect(row).toHaveLength(BREAKDOWN_FEATURE_COUNT);
    expect(BREAKDOWN_FEATURES).toHaveLength(BREAKDOWN_FEATURE_COUNT);
    for (const v of row) expect(Number.isFinite(v)).toBe(true);
    expect(row[BREAKDOWN_FEATURES.indexOf('powertrain_code')]).toBe(1);
    expect(row[BREAKDOWN_FEATURES.indexOf('off_after_fraction')]).toBeGreaterThan(0.9);
  });
});

describe('breakdown rules: one breakdown, one candidate', () => {
  it('an overheating car that stops, limps on for a minute and then shuts down is one candidate from the first stop', () => {
    const b = drive(80);
    b.batteryTempC = 58;
    const firstMs = b.tsMs + 1000;
    b.decelerate(1, 0, { powerKw: 0.1, codes: ['P0A7E'] }).wait(40);
    b.batteryTempC = 64;
    b.accelerate(30).cruise(30, 3).decelerate(1.5, 0, { powerKw: 0, state: 'off', codes: ['P0A7E'] }).stand(40, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ startMs: firstMs, subkind: 'thermal_fault', recovered: false });
  });
});

describe('breakdown rules: silence before the stop', () => {
  it('a car that reappears after a few silent minutes coasting with fault codes, then stops for good, is a candidate', () => {
    const b = drive(110).gap(250, 100);
    b.speedKph = 17;
    const resumeMs = b.tsMs + 1000;
    b.decelerate(2.6, 0, { powerKw: 0.05, codes: ['U0100', 'B1325'] }).wait(30).stand(60, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'stop', subkind: 'twelve_volt_failure', startMs: resumeMs });
    expect(c[0]!.maxSpeedBeforeKph).toBeGreaterThan(100);
  });
});

describe('breakdown rules: warnings without a breakdown', () => {
  it('an overheating, derated car that the driver brakes to a stop and parks is no candidate', () => {
    const b = drive(60);
    b.batteryTempC = 59;
    b.cruise(60, 5);
    b.decelerate(1.5, 0, { powerKw: -9, codes: ['P0A7E'] }).stand(90, 'parked', ['P0A7E']);
    expect(findBreakdownCandidates(b.build())).toHaveLength(0);
  });
});

describe('breakdown rules: shut down at the stop', () => {
  it('an overheating car braked to a stop that goes off for good within seconds is a thermal_fault', () => {
    const b = drive(60);
    b.batteryTempC = 63;
    const firstCodeMs = b.tsMs + 1000;
    b.cruise(30, 5).samples.slice(-30).forEach((s) => (s.codes = ['P0A7E']));
    b.decelerate(1.5, 0, { powerKw: -9, codes: ['P0A7E'] }).wait(5).stand(60, 'off', ['P0A7E']);
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]!.subkind).toBe('thermal_fault');
    expect(c[0]!.startMs).toBeGreaterThanOrEqual(firstCodeMs);
  });
});
