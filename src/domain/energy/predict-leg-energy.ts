import { predictKwhPerKm, type EnergyModel } from './energy-model.ts';

/** A leg to predict: its length and the conditions along it. */
export interface LegConditions {
  distanceKm: number;
  avgSpeedKph: number;
  outsideTempC: number;
  batteryTempC?: number | undefined;
  cabinSetpointC?: number | undefined;
  /** Net climb over the leg (negative when it ends lower). */
  altGainM?: number | undefined;
  /** observed/predicted for this vehicle (see deviceCalibrationFactor); 1 when unknown. */
  calibrationFactor?: number | undefined;
}

export interface LegEnergyPrediction {
  kwhPerKm: number;
  expectedKwh: number;
  /** The model's band: optimistic (low) and pessimistic (high) energy. */
  lowKwh: number;
  highKwh: number;
  expectedSocPct: number;
  lowSocPct: number;
  highSocPct: number;
}

function legKwhPerKm(model: EnergyModel, leg: LegConditions): number {
  const climbMPerKm = leg.distanceKm > 0 && leg.altGainM !== undefined && Number.isFinite(leg.altGainM) ? leg.altGainM / leg.distanceKm : 0;
  const factor = leg.calibrationFactor !== undefined && Number.isFinite(leg.calibrationFactor) ? leg.calibrationFactor : 1;
  return factor * predictKwhPerKm(model, { ...leg, climbMPerKm });
}

/** Expected energy for a leg, in kWh and in % of a battery of `batteryKwh`, with the model's band. */
export function predictLegEnergy(model: EnergyModel, leg: LegConditions, batteryKwh: number): LegEnergyPrediction {
  if (!(batteryKwh > 0)) throw new RangeError(`batteryKwh must be > 0 (got ${batteryKwh})`);
  if (!(leg.distanceKm >= 0)) throw new RangeError(`distanceKm must be >= 0 (got ${leg.distanceKm})`);
  const kwhPerKm = legKwhPerKm(model, leg);
  const expectedKwh = kwhPerKm * leg.distanceKm;
  const lowKwh = expectedKwh * model.band.lowRatio;
  const highKwh = expectedKwh * model.band.highRatio;
  const pct = (kwh: number) => (kwh / batteryKwh) * 100;
  return { kwhPerKm, expectedKwh, lowKwh, highKwh, expectedSocPct: pct(expectedKwh), lowSocPct: pct(lowKwh), highSocPct: pct(highKwh) };
}

export interface ArrivalSocPrediction {
  expectedPct: number;
  /** Arrival SoC if consumption is at the optimistic end of the band (the higher arrival SoC). */
  optimisticPct: number;
  /** ... and at the pessimistic end. */
  pessimisticPct: number;
  kwhPerKm: number;
}

/** SoC on arrival after the leg, starting from `socPct` (may go below 0: how far short it falls). */
export function predictArrivalSocPct(model: EnergyModel, leg: LegConditions, socPct: number, batteryKwh: number): ArrivalSocPrediction {
  const p = predictLegEnergy(model, leg, batteryKwh);
  return { expectedPct: socPct - p.expectedSocPct, optimisticPct: socPct - p.lowSocPct, pessimisticPct: socPct - p.highSocPct, kwhPerKm: p.kwhPerKm };
}

/** km the car can still drive in these conditions before SoC falls to `reservePct`. */
export function remainingRangeKm(
  model: EnergyModel,
  conditions: Omit<LegConditions, 'distanceKm' | 'altGainM'>,
  socPct: number,
  batteryKwh: number,
  reservePct = 0,
): number {
  const kwhPerKm = legKwhPerKm(model, { ...conditions, distanceKm: 1 });
  const usableKwh = (Math.max(0, socPct - reservePct) / 100) * batteryKwh;
  return usableKwh / kwhPerKm;
}
