import type { InjectionRates } from './injection-rates.ts';

/**
 * What a simulated world is drawn from (domain randomisation): climates, vehicles, driving and
 * charging habits, how breakdowns and strandings look, and the telemetry quirks of the units.
 * Each device draws its own values from these ranges, so a fleet is many slightly different
 * worlds. Detectors are fitted and tuned on one configuration (`train`) and scored on others.
 */
export interface SimulatorConfig {
  name: string;
  description: string;
  sites: readonly SiteSpec[];
  platforms: readonly PlatformSpec[];
  /** Battery capacity drawn uniformly per device, kWh. */
  batteryKwh: readonly [number, number];
  heatPumpShare: number;
  habits: Habits;
  breakdowns: BreakdownMix;
  strandings: StrandingMix;
  quirks: QuirkMix;
  rates: InjectionRates;
  chargers: { smallAcPerSite: number; exitDcPerSite: number };
}

/** A region a fleet is based in and its climate. */
export interface SiteSpec {
  climate: string;
  minC: number;
  maxC: number;
  lat: number;
  lon: number;
  altM: number;
  /** Chance per day that a front moves through: the next day's mean is 6–14 °C colder (a cold morning after a mild afternoon). */
  frontChance: number;
}

/** A body the vehicle models are built on; the battery is drawn per device. */
export interface PlatformSpec {
  name: string;
  /** Mass without the battery, kg (the battery adds ~6 kg/kWh). */
  gliderKg: number;
  cdAM2: number;
  rollingCoeff: number;
  /** Rated consumption, kWh/km, for the dashboard range. */
  ratedKwhPerKm: number;
  maxDriveKw: number;
  /** DC charging power per kWh of battery (C-rate), kW/kWh. */
  dcCRate: number;
  maxAcKw: number;
  /** This body's own battery range, kWh (a scooter or a heavy van), instead of the configuration's. */
  batteryKwh?: readonly [number, number];
}

export interface Habits {
  highwayKph: readonly number[];
  cityKph: readonly number[];
  rampKph: readonly number[];
  /** Chance a day is a highway trip (35–100 km out and back). */
  tripShare: number;
  /** How much more than the planned energy a careful driver wants on board before a leg (×). */
  planMargin: number;
  /** SoC a charge stops at, drawn per charge. */
  chargeTargetPct: readonly [number, number];
  /** Head/tail wind along a leg, drawn per leg up to this, m/s. */
  windMaxMps: number;
  /** Road length over straight-line distance, drawn per leg from 1.02 to this. */
  detourMax: number;
}

export interface BreakdownMix {
  subkindWeights: { loss_of_propulsion: number; twelve_volt_failure: number; thermal_fault: number };
  /** Where the car is when propulsion goes (ramp breakdowns are `ramp_shutdown`). */
  whereWeights: { highway: number; ramp: number; city: number };
  /** Share of breakdowns whose fault reaches the telemetry with no code at all. */
  noCodeShare: number;
  /** Share of loss-of-propulsion stops braked hard to the shoulder (2.5–4.5 m/s²) instead of coasting. */
  hardStopShare: number;
  /** What follows the stop. */
  afterWeights: { tow: number; restart: number; silent_tow: number };
  /** 12 V failures whose data never comes back inside the window. */
  neverReturnsShare: number;
  /** Thermal runaway: pack heating, °C per minute (physics allows ~1). */
  thermalRateCPerMin: readonly [number, number];
}

export interface StrandingMix {
  /** Displayed SoC at which the car cuts propulsion, drawn per device. */
  cutoffSocPct: readonly [number, number];
  /** Limp mode over this much SoC above the cut-off. */
  limpPct: readonly [number, number];
  /** Power allowed in limp mode, kW. */
  limpKw: readonly [number, number];
  /** Share of devices whose limp mode tapers power from full to `limpKw` across the band instead of stepping down at its top. */
  taperedLimpShare?: number;
}

export interface QuirkMix {
  /** State wording weights: schema words, parked reported as `off`, or gears D/N/R/P. */
  wording: { words: number; off: number; gears: number; standby?: number };
  /** Parked heartbeat interval choices in s (0 = silent while parked) and their weights. */
  parkedHeartbeatS: readonly number[];
  parkedHeartbeatWeights: readonly number[];
  standingCodeShare: number;
  standingCodes: readonly string[];
  /** Stretches per driving hour with GPS blank (NaN) or stale (the last fix repeated). */
  gpsBlankPerHour: number;
  gpsStalePerHour: number;
  /** Shares of devices with integer SoC, 1 km/h speed steps and 0.5 °C temperature steps. */
  integerSocShare: number;
  wholeKphShare: number;
  halfDegreeShare: number;
  /** Share of devices whose facts (battery, cut-off) are registered with the service. */
  registeredShare: number;
  /** Modem flaws: share of devices that report only every `sparseDrivingS` seconds while driving (batched/throttled units). */
  sparseDrivingShare?: number;
  sparseDrivingS?: readonly number[];
  /** GPS noise: share of devices whose fixes scatter by up to this many metres (cheap antennas, urban canyons). */
  gpsJitterShare?: number;
  gpsJitterM?: number;
}
