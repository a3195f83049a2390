import type { QuirkMix } from './simulator-config.ts';
import type { SeededRandom } from './seeded-random.ts';

/**
 * How one device's telematics unit reports what the car does. These change only what is
 * emitted, never the physics, so a dry run and the real run agree whatever the quirks are.
 */
export interface DeviceQuirks {
  /** `words`: driving/charging/parked/off; `off`: parked is reported as `off`; `gears`: D/N/R/P; `standby`: ready/charging/standby/off. */
  wording: 'words' | 'off' | 'gears' | 'standby';
  /** Gear-reporting units that say `P` while charging instead of `charging`. */
  parkWhileCharging: boolean;
  /** Seconds between heartbeats while parked; 0 = silent while parked (one row when it parks). */
  parkedHeartbeatS: number;
  /** A harmless code the unit reports on every row (context, not evidence), or null. */
  standingCode: string | null;
  gpsBlankPerHour: number;
  gpsStalePerHour: number;
  socStepPct: number;
  speedStepKph: number;
  tempStepC: number;
  /** Seconds of driving a unit loses when the car is switched off at the end of a drive (buffer not flushed). */
  tailLossS: number;
  /** Seconds between rows while driving (1 = every second; a batched or throttled modem sends less). */
  drivingSampleS?: number;
  /** Scatter of the reported position, metres (0 = exact). */
  gpsJitterM?: number;
}

export function drawQuirks(rand: SeededRandom, mix: QuirkMix): DeviceQuirks {
  const w = mix.wording;
  const wording = (['words', 'off', 'gears', 'standby'] as const)[rand.weighted(w.standby === undefined ? [w.words, w.off, w.gears] : [w.words, w.off, w.gears, w.standby])]!;
  const q: DeviceQuirks = {
    wording,
    parkWhileCharging: wording === 'gears' && rand.chance(0.5),
    parkedHeartbeatS: mix.parkedHeartbeatS[rand.weighted(mix.parkedHeartbeatWeights)]!,
    standingCode: rand.chance(mix.standingCodeShare) ? rand.pick(mix.standingCodes) : null,
    gpsBlankPerHour: mix.gpsBlankPerHour * rand.uniform(0, 2),
    gpsStalePerHour: mix.gpsStalePerHour * rand.uniform(0, 2),
    socStepPct: rand.chance(mix.integerSocShare) ? 1 : rand.chance(0.5) ? 0.1 : 0.01,
    speedStepKph: rand.chance(mix.wholeKphShare) ? 1 : 0.01,
    tempStepC: rand.chance(mix.halfDegreeShare) ? 0.5 : 0.1,
    tailLossS: rand.chance(0.3) ? rand.int(1, 8) : 0,
  };
  // Drawn only where a configuration has them, so older configurations' fleets stay identical.
  if (mix.sparseDrivingShare !== undefined && mix.sparseDrivingS) q.drivingSampleS = rand.chance(mix.sparseDrivingShare) ? rand.pick(mix.sparseDrivingS) : 1;
  if (mix.gpsJitterShare !== undefined && mix.gpsJitterM !== undefined) q.gpsJitterM = rand.chance(mix.gpsJitterShare) ? rand.uniform(3, mix.gpsJitterM) : 0;
  return q;
}

/** Quirk-free reporting: the simulator's original output (tests of the physics use it). */
export const PLAIN_QUIRKS: DeviceQuirks = {
  wording: 'words',
  parkWhileCharging: false,
  parkedHeartbeatS: 60,
  standingCode: null,
  gpsBlankPerHour: 0,
  gpsStalePerHour: 0,
  socStepPct: 0.01,
  speedStepKph: 0.01,
  tempStepC: 0.1,
  tailLossS: 0,
};

/** The state as this unit words it. */
export function reportedState(q: DeviceQuirks, state: 'driving' | 'charging' | 'parked' | 'off', speedKph: number): string {
  if (q.wording === 'words') return state;
  if (q.wording === 'off') return state === 'parked' ? 'off' : state;
  if (q.wording === 'standby') return state === 'driving' ? 'ready' : state === 'parked' ? 'standby' : state;
  if (state === 'driving') return 'D';
  if (state === 'charging') return q.parkWhileCharging ? 'P' : 'charging';
  // Propulsion off while still rolling: the gear reads neutral.
  if (state === 'off' && speedKph > 0) return 'N';
  return 'P';
}
