import type { PlatformSpec } from './simulator-config.ts';

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
  /** A heat pump heats the cabin at 2–3× the efficiency of a resistive heater (less so in deep cold). */
  heatPump: boolean;
}

/** A vehicle model on `platform` with a battery of `batteryKwh` (the battery adds ~6 kg per kWh). */
export function buildVehicleModel(platform: PlatformSpec, batteryKwh: number, heatPump: boolean): VehicleModel {
  const kwh = Math.round(batteryKwh);
  return {
    model: `${platform.name} ${kwh}${heatPump ? ' HP' : ''}`,
    batteryKwh: kwh,
    massKg: Math.round(platform.gliderKg + 6 * kwh),
    cdAM2: platform.cdAM2,
    rollingCoeff: platform.rollingCoeff,
    ratedRangeKm: Math.round(kwh / platform.ratedKwhPerKm),
    maxDriveKw: platform.maxDriveKw,
    maxRegenKw: Math.round(platform.maxDriveKw * 0.45),
    maxDcKw: Math.round(kwh * platform.dcCRate),
    maxAcKw: platform.maxAcKw,
    heatPump,
  };
}

const G = 9.81;
const AIR_DENSITY = 1.2;
const DRIVETRAIN_EFFICIENCY = 0.9;
const REGEN_EFFICIENCY = 0.65;
const AUX_KW = 0.3;

/**
 * Battery power for traction, kW (negative = regenerating), at speed `speedMps` with acceleration,
 * road grade (rise/run) and a head wind `headwindMps` (negative = tail wind) along the road.
 */
export function tractionPowerKw(m: VehicleModel, speedMps: number, accelMps2: number, grade: number, headwindMps = 0): number {
  const air = speedMps + headwindMps;
  const force = m.massKg * accelMps2 + m.massKg * G * m.rollingCoeff * (speedMps > 0.1 ? 1 : 0) + 0.5 * AIR_DENSITY * m.cdAM2 * air * Math.abs(air) + m.massKg * G * grade;
  const wheelKw = (force * speedMps) / 1000;
  if (wheelKw >= 0) return Math.min(m.maxDriveKw, wheelKw / DRIVETRAIN_EFFICIENCY);
  // Below walking pace the motor cannot recover much; friction brakes take the rest.
  const recoverable = speedMps < 2 ? speedMps / 2 : 1;
  return Math.max(-m.maxRegenKw, wheelKw * REGEN_EFFICIENCY * recoverable);
}

/**
 * Cabin heating or cooling towards the set-point, kW. A resistive heater draws more below 0 °C
 * (more heat lost through the glass); a heat pump needs a third of that when mild, and loses its
 * advantage towards −20 °C, where it falls back to resistive heating.
 */
export function hvacPowerKw(outsideC: number, setpointC: number, heatPump = false): number {
  const delta = setpointC - outsideC;
  if (delta > 0) {
    const resistive = Math.min(6, delta * (outsideC < 0 ? 0.16 : 0.1));
    if (!heatPump) return resistive;
    const cop = Math.max(1, Math.min(3, 1 + (outsideC + 20) / 12));
    return resistive / cop;
  }
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
