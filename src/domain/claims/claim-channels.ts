import type { NumberField } from '../telemetry-frame.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { UNIT_CONVERSIONS } from '../units.ts';
import type { ClaimChannel, ClaimUnit } from './claim.ts';

/** A claim reads one numeric field of the telemetry frame. */
type SeriesField = NumberField;

interface ChannelDef {
  field: SeriesField;
  /** The schema's unit for the channel. */
  unit: ClaimUnit;
  /** Default smallest change that counts for a `change` claim, schema unit (steps of a set-point, noise of a sensor). */
  minDelta: number;
  label: string;
}

export const CLAIM_CHANNELS: Record<ClaimChannel, ChannelDef> = {
  speed: { field: 'speedKph', unit: 'km/h', minDelta: 2, label: 'speed' },
  soc: { field: 'socPct', unit: '%', minDelta: 0.5, label: 'state of charge' },
  range: { field: 'rangeKm', unit: 'km', minDelta: 1, label: 'displayed range' },
  cabin_setpoint: { field: 'cabinSetpointC', unit: '°C', minDelta: 0.25, label: 'cabin set-point' },
  outside_temp: { field: 'outsideTempC', unit: '°C', minDelta: 0.5, label: 'outside temperature' },
  battery_temp: { field: 'batteryTempC', unit: '°C', minDelta: 0.5, label: 'battery temperature' },
  power: { field: 'powerKw', unit: 'kW', minDelta: 1, label: 'battery power' },
  altitude: { field: 'altM', unit: 'm', minDelta: 2, label: 'altitude' },
  odometer: { field: 'odometerKm', unit: 'km', minDelta: 0.1, label: 'odometer' },
};

/** Each claim unit: the schema unit it converts to, and how (absolute values and differences differ for °F). */
const UNITS: Record<ClaimUnit, { schemaUnit: ClaimUnit; toSchema: (v: number) => number; scale: number }> = {
  'km/h': { schemaUnit: 'km/h', toSchema: (v) => v, scale: 1 },
  mph: { schemaUnit: 'km/h', toSchema: UNIT_CONVERSIONS.mph, scale: UNIT_CONVERSIONS.mph(1) },
  '%': { schemaUnit: '%', toSchema: (v) => v, scale: 1 },
  km: { schemaUnit: 'km', toSchema: (v) => v, scale: 1 },
  mi: { schemaUnit: 'km', toSchema: UNIT_CONVERSIONS.mi, scale: UNIT_CONVERSIONS.mi(1) },
  '°C': { schemaUnit: '°C', toSchema: (v) => v, scale: 1 },
  '°F': { schemaUnit: '°C', toSchema: UNIT_CONVERSIONS.f, scale: 5 / 9 },
  kW: { schemaUnit: 'kW', toSchema: (v) => v, scale: 1 },
  m: { schemaUnit: 'm', toSchema: (v) => v, scale: 1 },
  ft: { schemaUnit: 'm', toSchema: UNIT_CONVERSIONS.ft, scale: UNIT_CONVERSIONS.ft(1) },
};

/** Converts between a claim's unit and the channel's schema unit; refuses a unit of another quantity. */
export interface UnitEdge {
  unit: ClaimUnit;
  /** Claim value → schema value. */
  value: (v: number) => number;
  /** Claim difference (tolerance, delta) → schema difference. */
  delta: (v: number) => number;
  /** Schema value → claim value, for reporting. */
  back: (v: number) => number;
  backDelta: (v: number) => number;
}

export function unitEdge(channel: ClaimChannel, unit: ClaimUnit | undefined): UnitEdge {
  const def = CLAIM_CHANNELS[channel];
  const u = UNITS[unit ?? def.unit];
  if (u.schemaUnit !== def.unit) throw new Error(`unit '${unit}' does not measure ${def.label} (in ${def.unit})`);
  const offset = u.toSchema(0);
  return {
    unit: unit ?? def.unit,
    value: u.toSchema,
    delta: (v) => v * u.scale,
    back: (v) => (v - offset) / u.scale,
    backDelta: (v) => v / u.scale,
  };
}

/** A message when the claim's unit cannot measure its channel (for 400 replies), else undefined. */
export function claimUnitProblem(channel: ClaimChannel, unit: ClaimUnit | undefined): string | undefined {
  try {
    unitEdge(channel, unit);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function channelValues(series: TelemetrySeries, channel: ClaimChannel): Float64Array {
  return series[CLAIM_CHANNELS[channel].field];
}
