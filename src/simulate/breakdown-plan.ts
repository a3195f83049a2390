import type { BreakdownSubkind } from './moment-label.ts';
import type { SeededRandom } from './seeded-random.ts';
import type { BreakdownMix } from './simulator-config.ts';

/**
 * How one breakdown will look, drawn before the leg: where it happens, whether the fault reaches
 * the telemetry as a code, how the car stops and what follows. Real breakdowns are this varied:
 * about half report no code, some stop hard on the shoulder, a 12 V failure takes the modem with it.
 */
export interface BreakdownPlan {
  subkind: BreakdownSubkind;
  where: 'highway' | 'ramp' | 'city';
  coded: boolean;
  /** How the car comes to rest once propulsion is gone. */
  stop: 'coast' | 'hard_stop';
  decelMps2: number;
  /** State the unit reports after the failure: `off`, or it still says driving. */
  offAfter: boolean;
  after: 'tow' | 'restart' | 'silent_tow' | 'never_returns';
  /** Battery power reported once propulsion is gone: auxiliary draw only, kW. */
  auxKw: number;
  /** Thermal faults: heating rate (°C/s) and the pack temperature at which it shuts down. */
  thermalRateCPerS: number;
  thermalShutdownC: number;
  /** 12 V failures with a code: seconds of warnings before the modem dies. */
  warningS: number;
}

export function drawBreakdownPlan(rand: SeededRandom, mix: BreakdownMix): BreakdownPlan {
  const sw = mix.subkindWeights;
  const base = (['loss_of_propulsion', 'twelve_volt_failure', 'thermal_fault'] as const)[rand.weighted([sw.loss_of_propulsion, sw.twelve_volt_failure, sw.thermal_fault])]!;
  const ww = mix.whereWeights;
  const where = (['highway', 'ramp', 'city'] as const)[rand.weighted([ww.highway, ww.ramp, ww.city])]!;
  const hard = rand.chance(mix.hardStopShare);
  const aw = mix.afterWeights;
  let after: BreakdownPlan['after'] = (['tow', 'restart', 'silent_tow'] as const)[rand.weighted([aw.tow, aw.restart, aw.silent_tow])]!;
  // A dead 12 V system keeps the unit dark until the car is fixed: towed, jump-started where it
  // stopped (it reappears there and drives on), or dark for good.
  if (base === 'twelve_volt_failure') after = rand.chance(mix.neverReturnsShare) ? 'never_returns' : rand.chance(0.3) ? 'restart' : 'silent_tow';
  return {
    subkind: base === 'loss_of_propulsion' && where === 'ramp' ? 'ramp_shutdown' : base,
    where,
    coded: !rand.chance(mix.noCodeShare),
    stop: hard ? 'hard_stop' : 'coast',
    // A hard stop from 120 km/h in ~12 s is 2.8 m/s²; a coast-down without power 0.3–1 m/s².
    decelMps2: hard ? rand.uniform(2.5, 4.5) : rand.uniform(0.3, 1.0),
    offAfter: rand.chance(0.5),
    after,
    auxKw: rand.uniform(0.1, 0.3),
    thermalRateCPerS: rand.uniform(mix.thermalRateCPerMin[0], mix.thermalRateCPerMin[1]) / 60,
    thermalShutdownC: rand.uniform(50, 75),
    warningS: rand.int(20, 120),
  };
}

/** The shape tags of a breakdown label (see MomentLabel.shapes). */
export function breakdownShapes(p: BreakdownPlan): string[] {
  const stop = p.subkind === 'twelve_volt_failure' ? 'telemetry_lost' : p.stop;
  return [p.coded ? 'coded' : 'no_code', stop, p.where, p.after];
}
