import { describe, expect, it } from 'vitest';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import { findBreakdownCandidates } from '../../src/domain/detect/breakdown-rules.ts';
import { SeriesBuilder } from './series-builder.ts';

/** A car with a SoC channel, cruising at kph under power. */
function drive(kph: number, socPct = 60): SeriesBuilder {
  const b = new SeriesBuilder();
  b.socPct = socPct;
  b.odometerKm = 12_000;
  return b.stand(5).accelerate(kph).cruise(300, kph > 80 ? 25 : 8);
}

const ctx = { deviceId: 'car', chargers: [], fromMs: 0 };

describe('breakdowns that reach the telemetry without any fault code', () => {
  it('122 kph, battery power down to auxiliary draw (0.2 kW), stopped in ~12 s, then towed: a breakdown from the power cut', async () => {
    const b = drive(122);
    const lossMs = b.tsMs + 1000;
    b.decelerate(2.8, 0, { powerKw: 0.2 }).stand(35, 'off').tow(20, 50).stand(60, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'stop', startMs: lossMs, codes: [], fault: 'braked_without_power', subkind: 'loss_of_propulsion' });
    expect(c[0]!.decelMps2).toBeGreaterThan(2.5);
    expect(c[0]!.tow).not.toBeNull();
    const events = await createBreakdownDetector({ scorer: null }).detect(b.build(), ctx);
    expect(events).toHaveLength(1);
    expect(events[0]!.evidence.find((e) => e.signal === 'fault_sign')?.value).toBe('braked_without_power');
  });

  it('the same hard powerless stop, standing on the shoulder in "parked" wording, is still a breakdown', () => {
    const b = drive(122);
    b.decelerate(2.8, 0, { powerKw: 0.15 }).stand(40, 'parked');
    expect(findBreakdownCandidates(b.build())).toHaveLength(1);
  });

  it('a coast-down with no power, silence (a unit that sleeps when parked), then a restart 92 min later', () => {
    const b = drive(100);
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.6, 0, { powerKw: 0.1 }).wait(2);
    b.gap(92 * 60, 0);
    b.accelerate(60).cruise(600);
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ startMs: lossMs, fault: 'coast_down', recovered: true });
    expect(c[0]!.restMs).toBeGreaterThan(90 * 60_000);
  });

  it('a coast-down whose data goes silent while still rolling, back 92 min later where it stopped, is a breakdown', () => {
    const b = drive(100);
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.6, 25, { powerKw: 0.1 });
    const lastMs = b.tsMs;
    b.gap(92 * 60, 0);
    b.stand(3, 'parked').accelerate(60).cruise(300);
    const c = findBreakdownCandidates(b.build());
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ trigger: 'data_gap', fault: 'coast_down' });
    expect(c[0]!.startMs).toBe(lossMs);
    expect(c[0]!.stopIndex).toBe(b.samples.findIndex((s) => s.tsMs === lastMs));
  });

  it('city speed: power lost at 45 kph, coasting to a stop and standing', () => {
    const b = drive(45);
    b.decelerate(0.9, 0, { powerKw: 0.3 }).stand(25, 'driving');
    const c = findBreakdownCandidates(b.build());
    expect(c).toMatchObject([{ fault: 'coast_down' }]);
    expect(c[0]!.speedAtLossKph).toBeGreaterThan(40);
  });

  it('an exit ramp: braking with regeneration from 110 to 55 kph, then the power goes and it rolls to a stop', () => {
    const b = drive(110).decelerate(1.5, 55, { powerKw: -20 });
    const lossMs = b.tsMs + 1000;
    b.decelerate(1.2, 0, { powerKw: 0.2 }).stand(30, 'off');
    expect(findBreakdownCandidates(b.build())).toMatchObject([{ startMs: lossMs, fault: 'coast_down' }]);
  });
});

describe('no-code look-alikes', () => {
  it('a hard stop at a light with regeneration, driving on after 90 s, is nothing', () => {
    const b = drive(60).decelerate(3, 0, { powerKw: -25 }).wait(90).accelerate(50).cruise(120);
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a hard stop with no regeneration on a full pack (98 %), then parked, is the driver: a full pack cannot take regeneration', () => {
    const b = drive(70, 98).decelerate(3, 0, { powerKw: 0.3 }).stand(120, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a hard stop with no regeneration on a cold pack (−5 °C), then parked, is the driver too', () => {
    const b = drive(70);
    b.batteryTempC = -5;
    b.cruise(30).decelerate(3, 0, { powerKw: 0.3 }).stand(120, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a hard powerless stop on a cold pack, then standing in gear on the 12 V draw alone at −21 °C, restarted 80 min later: a breakdown', () => {
    // A live car in gear at −21 °C with the cabin set to 21 °C heats (kilowatts); 0.3 kW is the 12 V system alone.
    const coldStop = (after: (b: SeriesBuilder) => SeriesBuilder, outsideC = -21) => {
      const b = drive(75);
      b.batteryTempC = 4;
      after(b.cruise(30).decelerate(2.9, 0, { powerKw: 0.3 })).accelerate(50).cruise(300, 10);
      const s = b.build();
      s.outsideTempC.fill(outsideC);
      s.cabinSetpointC.fill(21);
      return findBreakdownCandidates(s);
    };
    const dead = coldStop((b) => b.hold(120, 'driving', 0.3).stand(78, 'driving'));
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ fault: 'braked_without_power', inGearAfterStop: true, recovered: true });
    // Parked after the stop: the driver, whose cold pack explains the missing regeneration.
    expect(coldStop((b) => b.hold(120, 'parked', 0.3).stand(78, 'parked'))).toEqual([]);
    // In gear with the heater drawing: the high-voltage system is alive.
    expect(coldStop((b) => b.hold(120, 'driving', 4.5).stand(78, 'parked'))).toEqual([]);
    // In gear on 0.3 kW in mild weather: nothing to heat, so the low draw proves nothing.
    expect(coldStop((b) => b.hold(120, 'driving', 0.3).stand(78, 'driving'), 15)).toEqual([]);
  });

  it('coasting to a light with no power, waiting 2.5 min, driving on: a traffic signal, not a breakdown', () => {
    const b = drive(50).decelerate(0.8, 0, { powerKw: 0.2 }).wait(150).accelerate(50).cruise(120);
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a traffic jam: coasting into the queue, creeping forward under power every minute, then clearing', () => {
    const b = drive(90).decelerate(0.8, 0, { powerKw: 0.2 });
    for (let k = 0; k < 12; k++) b.wait(50).crawl(8, 5);
    b.accelerate(90).cruise(300);
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a one-second power reading near 0 kW as traction turns into regeneration is not a powerless stop', () => {
    const b = drive(40);
    b.decelerate(6, 20, { powerKw: 5 }).decelerate(20, 0, { powerKw: -0.3 }).stand(600, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('coasting in neutral at speed without a power channel (what the real Twizy logs show) is nothing', () => {
    const b = new SeriesBuilder();
    b.powerless = true;
    b.stand(5).accelerate(45).cruise(200).decelerate(0.5, 0, { state: 'N' }).stand(60, 'N');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('stopping at a charger and charging (power into the battery) is nothing, whatever the power before', () => {
    const b = drive(50).decelerate(0.7, 0, { powerKw: 0.2 }).wait(30);
    for (let m = 0; m < 60; m++) b.cruise(60, -45).samples.slice(-60).forEach((s) => (s.state = 'P'));
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });
});

describe('a thermal shutdown with no code, at a standstill', () => {
  it('a pack heating at ~20 °C/min, the driver stopping at a light with regeneration, propulsion gone, towed: a thermal_fault', () => {
    const b = drive(50);
    b.batteryTempC = 10;
    for (let s = 0; s < 90; s++) {
      b.batteryTempC += 20 / 60;
      b.cruise(1, 10);
    }
    b.decelerate(2, 0, { powerKw: -10 });
    for (let s = 0; s < 30; s++) {
      b.batteryTempC += 20 / 60;
      b.wait(1);
    }
    b.stand(40, 'driving').tow(15, 40).stand(30, 'off');
    const c = findBreakdownCandidates(b.build());
    expect(c).toMatchObject([{ subkind: 'thermal_fault', fault: 'pack_heating', packHeating: true }]);
    expect(c[0]!.maxBatteryTempC).toBeLessThan(55);
  });

  it('the same stop at a light with a pack warming normally, then parked, is nothing', () => {
    const b = drive(50);
    b.decelerate(2, 0, { powerKw: -10 }).wait(30).stand(40, 'driving').stand(300, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('a GPS fix that jumps 2 km away and back while parked is not a tow', () => {
    const b = drive(50);
    b.decelerate(2, 0, { powerKw: -10, codes: ['P0A7E'] }).stand(10, 'parked');
    b.lon += 0.03;
    b.stand(1, 'parked');
    b.lon -= 0.03;
    b.stand(60, 'parked');
    const c = findBreakdownCandidates(b.build());
    expect(c).toEqual([]);
  });
});

describe('a powerless hard stop on a cold pack', () => {
  it('is nothing when the car is then parked, and a breakdown when it is towed (a cold pack explains no regeneration, not a tow)', () => {
    const cold = () => {
      const b = drive(100);
      b.batteryTempC = -3;
      return b.cruise(30).decelerate(3, 0, { powerKw: 0.2 });
    };
    expect(findBreakdownCandidates(cold().stand(120, 'parked').build())).toEqual([]);
    expect(findBreakdownCandidates(cold().stand(40, 'driving').tow(20, 50).stand(30, 'off').build())).toMatchObject([{ fault: 'braked_without_power' }]);
  });
});

describe('net battery power in the cold', () => {
  it('braking at ~2 m/s² with the net power ≈ 0 because the heaters draw what regeneration gives, then the heaters still on at the stop: the driver arriving', () => {
    const b = drive(50).decelerate(2, 0, { powerKw: 0.1 });
    for (let s = 0; s < 20; s++) b.cruise(1, 6.5);
    b.stand(120, 'parked');
    expect(findBreakdownCandidates(b.build())).toEqual([]);
  });

  it('the same stop with only the 12 V draw left at the standstill is a dead drivetrain', () => {
    const b = drive(50).decelerate(2, 0, { powerKw: 0.1 });
    for (let s = 0; s < 20; s++) b.cruise(1, 0.2);
    b.stand(120, 'parked');
    expect(findBreakdownCandidates(b.build())).toMatchObject([{ fault: 'coast_down' }]);
  });
});
