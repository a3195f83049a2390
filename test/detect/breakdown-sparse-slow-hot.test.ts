import { describe, expect, it } from 'vitest';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { SeriesBuilder } from './series-builder.ts';

/** A car with a SoC channel, cruising at kph under power. */
function drive(kph: number): SeriesBuilder {
  const b = new SeriesBuilder();
  b.socPct = 60;
  b.odometerKm = 12_000;
  return b.stand(5).accelerate(kph).cruise(300, kph > 80 ? 25 : 8);
}

/** A modem that sends one row every `everyS` seconds while the car moves (standing rows kept). */
function sparse(b: SeriesBuilder, everyS: number): SeriesBuilder {
  let lastMs = Number.NEGATIVE_INFINITY;
  const kept = b.samples.filter((s) => {
    if (s.speedKph > 0 && s.tsMs - lastMs < everyS * 1000) return false;
    lastMs = s.tsMs;
    return true;
  });
  b.samples.splice(0, b.samples.length, ...kept);
  return b;
}

const climate = (s: TelemetrySeries, outsideC: number) => {
  s.outsideTempC.fill(outsideC);
  s.cabinSetpointC.fill(21);
  return s;
};

describe('a modem that sends a row every few seconds', () => {
  it('a hard powerless stop from 130 kph, then towed: one powerless row is what 3 s hold at its rate; the same stop at 1 Hz still needs three', () => {
    const stop = (everyS: number) => {
      const b = drive(130);
      b.decelerate(4.3, 0, { powerKw: 0.2 }).stand(3, 'driving').stand(30, 'off').tow(20, 50).stand(30, 'off');
      return findBreakdownCandidates(climate(sparse(b, everyS).build(), 2));
    };
    const c = stop(5);
    expect(c).toHaveLength(1);
    expect(c[0]!.sampleIntervalS).toBe(5);
    expect(c[0]!.powerSamples).toBeLessThan(3);
    expect(c[0]!.tow).not.toBeNull();
    expect(['coast_down', 'braked_without_power']).toContain(c[0]!.fault);
    expect(stop(1)).toMatchObject([{ fault: 'braked_without_power', sampleIntervalS: 1 }]);
  });

  it('a normal stop at a light with regeneration, by the same sparse modem, is nothing', () => {
    const b = drive(60).decelerate(2, 0, { powerKw: -15 }).wait(90).accelerate(50).cruise(300, 8);
    expect(findBreakdownCandidates(sparse(b, 10).build())).toEqual([]);
  });
});

describe('power lost at city-crawl speed (8–20 kph)', () => {
  /** Slowing in traffic to 15 kph, the power goes and the car is braked to a stop in about 2 s. */
  const slowLoss = (after: (b: SeriesBuilder) => SeriesBuilder, outsideC = -16) => {
    const b = drive(50).decelerate(2, 15, { powerKw: -8 }).cruise(1, 0.2);
    after(b.decelerate(3, 0, { powerKw: 0.2 }));
    return findBreakdownCandidates(climate(b.build(), outsideC));
  };

  it('is a breakdown when the car is then towed from where it stopped', () => {
    expect(slowLoss((b) => b.stand(40, 'off').tow(20, 50).stand(30, 'off'))).toHaveLength(1);
  });

  it('is a breakdown when the car stands in gear on the 12 V draw at −16 °C (a live car would heat), restarted an hour later', () => {
    expect(slowLoss((b) => b.hold(120, 'driving', 0.3).stand(60, 'driving').accelerate(40).cruise(300, 8))).toHaveLength(1);
  });

  it('is nothing when the car is parked there (a driver stopping in traffic), or stands in gear drawing heat', () => {
    expect(slowLoss((b) => b.hold(120, 'parked', 0.3).stand(60, 'parked').accelerate(40).cruise(300, 8))).toEqual([]);
    expect(slowLoss((b) => b.hold(120, 'driving', 4).stand(60, 'driving').accelerate(40).cruise(300, 8))).toEqual([]);
  });
});

describe('dead in gear in the heat', () => {
  it('a hard powerless stop on a cold-soaked pack at 44 °C outside, then in gear on 0.3 kW: a live car would cool its cabin (kW), so the high-voltage system is dead', () => {
    const stop = (outsideC: number) => {
      const b = drive(75);
      b.batteryTempC = 4;
      b.cruise(30).decelerate(2.9, 0, { powerKw: 0.3 }).hold(120, 'driving', 0.3).stand(78, 'driving').accelerate(50).cruise(300, 10);
      return findBreakdownCandidates(climate(b.build(), outsideC));
    };
    expect(stop(44)).toMatchObject([{ fault: 'braked_without_power', inGearAfterStop: true }]);
    // 21 °C outside: nothing to heat or cool, so the low draw proves nothing.
    expect(stop(21)).toEqual([]);
  });
});

describe('a thermal fault the driver braked to a stop', () => {
  it('a pack at 59 °C with a pack over-temperature code, braked with regeneration to a stop and then standing 45 min, is a thermal breakdown', () => {
    const run = (standMin: number) => {
      const b = drive(60);
      b.batteryTempC = 59;
      b.decelerate(1.5, 0, { powerKw: -10, codes: ['P0A7E'] }).hold(60, 'driving', 0.3).stand(standMin, 'driving', ['P0A7E']).accelerate(40).cruise(300, 8);
      return findBreakdownCandidates(b.build());
    };
    expect(run(45)).toMatchObject([{ fault: 'codes', subkind: 'thermal_fault' }]);
    // Driving on after 5 min: the driver stopped a working (derating) car.
    expect(run(5)).toEqual([]);
  });
});
