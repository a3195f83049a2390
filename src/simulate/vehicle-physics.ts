/**
 * Longitudinal vehicle physics, HVAC, pack thermal model and charging curve for the simulator.
 * Plain functions of SI-ish inputs; numbers are typical published figures for small, mid-size
 * and large EVs, not any one car.
 */

export interface VehicleModel {
  model: string;
  batteryKwh: number;
  massKg: number;
  /** Drag area Cd·A, m². */
  cdAM2: number;
  rollingCoeff: number;
  /** Range at 20 °C the dashboard shows for a full battery. */
  ratedRangeKm: number;
  maxDriveKw: number;
  maxRegenKw: number;
  maxDcKw: number;
  maxAcKw: number;
}

export const VEHICLE_MODELS: readonly VehicleModel[] = [
  { model: 'Volta City 40', batteryKwh: 40, massKg: 1550, cdAM2: 0.66, rollingCoeff: 0.0095, ratedRangeKm: 270, maxDriveKw: 110, maxRegenKw: 40, maxDcKw: 50, maxAcKw: 7.4 },
  { model: 'Volta Tourer 60', batteryKwh: 60, massKg: 1850, cdAM2: 0.6, rollingCoeff: 0.009, ratedRangeKm: 390, maxDriveKw: 150, maxRegenKw: 60, maxDcKw: 100, maxAcKw: 11 },
  { model: 'Volta Grand 85', batteryKwh: 85, massKg: 2150, cdAM2: 0.56, rollingCoeff: 0.0085, ratedRangeKm: 520, maxDriveKw: 250, maxRegenKw: 80, maxDcKw: 150, maxAcKw: 11 },
];

export interface Climate {
  name: string;
  /** Coldest night and warmest afternoon of the climate, °C. */
  minC: number;
  maxC: number;
}

export const CLIMATES: readonly Climate[] = [
  { name: 'arctic', minC: -25, maxC: -5 },
  { name: 'cold', minC: -10, maxC: 5 },
  { name: 'temperate', minC: 5, maxC: 22 },
  { name: 'hot', minC: 25, maxC: 40 },
];

const G = 9.81;
const AIR_DENSITY = 1.2;
const DRIVETRAIN_EFFICIENCY = 0.9;
const REGEN_EFFICIENCY = 0.65;
const AUX_KW = 0.3;

/** Battery power for traction, kW (negative = regenerating), at speed `speedMps` with acceleration and road grade (rise/run). */
export function tractionPowerKw(m: VehicleModel, speedMps: number, accelMps2: number, grade: number): number {
  const force = m.massKg * accelMps2 + m.massKg * G * m.rollingCoeff * (speedMps > 0.1 ? 1 : 0) + 0.5 * AIR_DENSITY * m.cdAM2 * speedMps * speedMps + m.massKg * G * grade;
  const wheelKw = (force * speedMps) / 1000;
  if (wheelKw >= 0) return Math.min(m.maxDriveKw, wheelKw / DRIVETRAIN_EFFICIENCY);
  // Below walking pace the motor cannot recover much; friction brakes take the rest.
  const recoverable = speedMps < 2 ? speedMps / 2 : 1;
  return Math.max(-m.maxRegenKw, wheelKw * REGEN_EFFICIENCY * recoverable);
}

/** Cabin heating or cooling towards the set-point, kW (heat pump below ~0 °C gets less efficient). */
export function hvacPowerKw(outsideC: number, setpointC: number): number {
  const delta = setpointC - outsideC;
  if (delta > 0) return Math.min(6, delta * (outsideC < 0 ? 0.16 : 0.1));
  return Math.min(4, -delta * 0.12);
}

/** Pack heater while driving or charging a cold pack, kW. */
export function packHeaterKw(packTempC: number): number {
  return packTempC < 5 ? 3 : 0;
}

/** Fraction of battery power turned into heat in the pack: more when cold (higher internal resistance). */
function heatFraction(packTempC: number): number {
  return 0.03 + 0.002 * Math.max(0, 20 - packTempC);
}

/**
 * One step of the pack thermal model: heat from losses and the heater, exchange with outside air
 * (faster while moving) and active cooling above 35 °C. Returns the new pack temperature.
 */
export function packTempStep(m: VehicleModel, packTempC: number, outsideC: number, batteryPowerKw: number, heaterKw: number, dtS: number, moving: boolean): number {
  const capacityKwhPerK = m.batteryKwh * 0.0025;
  const heatKw = Math.abs(batteryPowerKw) * heatFraction(packTempC) + heaterKw * 0.8;
  const tauS = moving ? 4 * 3600 : 8 * 3600;
  let next = packTempC + (heatKw * dtS) / 3600 / capacityKwhPerK - ((packTempC - outsideC) * dtS) / tauS;
  if (next > 35) next -= Math.min(next - 35, (0.004 * dtS * (next - 30)) / 5);
  return next;
}

/** Energy lost to internal resistance when cold, as a multiplier on drawn power. */
export function coldLossFactor(packTempC: number): number {
  return 1 + 0.006 * Math.max(0, 15 - packTempC);
}

/** Charging power the car accepts, kW (positive): flat to 50 %, tapering above 80 %, limited when the pack is cold. */
export function chargeAcceptKw(m: VehicleModel, chargerKw: number, socPct: number, packTempC: number): number {
  const limit = Math.min(chargerKw, chargerKw > 22 ? m.maxDcKw : m.maxAcKw);
  let taper = 1;
  if (socPct > 80) taper = Math.max(0.08, 0.55 - ((socPct - 80) / 20) * 0.47);
  else if (socPct > 50) taper = 1 - ((socPct - 50) / 30) * 0.45;
  const cold = packTempC < 15 ? Math.max(0.25, 1 - (15 - packTempC) * 0.035) : 1;
  // AC charging is slow enough that neither the taper (until the very top) nor a cold pack limits it much.
  return limit * (chargerKw > 22 ? taper * cold : Math.min(1, taper * 2) * Math.max(cold, 0.85));
}

/** The dashboard's rated range for a full battery, km: drops with a cold pack and cold air. */
export function ratedRangeKm(m: VehicleModel, packTempC: number, outsideC: number): number {
  const pack = 1 - 0.008 * Math.max(0, 20 - packTempC);
  const air = 1 - 0.004 * Math.max(0, 10 - outsideC);
  return m.ratedRangeKm * Math.max(0.45, pack * air);
}

/** Rough energy use for planning (kWh/km): what a driver's app would estimate, not the simulation itself. */
export function plannedKwhPerKm(m: VehicleModel, highway: boolean, outsideC: number): number {
  const base = (m.batteryKwh / m.ratedRangeKm) * (highway ? 1.25 : 0.95);
  return base * (1 + 0.012 * Math.max(0, 15 - outsideC));
}
