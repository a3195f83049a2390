import { Type, type Static } from 'typebox';

/**
 * The energy model: expected consumption per km of road from the conditions of a drive, with
 * physically motivated terms (all linear in their coefficients, so least squares fits them):
 *
 *   kWh/km = rolling                        (tyres, drivetrain: a force, so energy ∝ distance)
 *          + aero   · v²                    (drag force ∝ v²)
 *          + aux    / v                     (constant auxiliary power: kW × hours per km)
 *          + hvac   · |setpoint − outside| / v   (heat pump / heater power ∝ ΔT, spread over km)
 *          + grade  · climb per km          (m·g·h, net of what regeneration recovers)
 *          + cold   · max(0, ref − battery temperature)   (internal resistance of a cold pack)
 *
 * v in km/h. A source without power (the Twizy logs SoC only) is fitted in %/km with the same terms.
 */

export const FEATURE_NAMES = ['rolling', 'aero', 'aux', 'hvac', 'grade', 'coldBattery'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export const EnergyCoefficientsSchema = Type.Object({
  rolling: Type.Number({ description: 'per km' }),
  aero: Type.Number({ description: 'per km per (km/h)²' }),
  aux: Type.Number({ description: 'per hour (kW when the unit is kWh/km)' }),
  hvac: Type.Number({ description: 'per hour per °C of |set-point − outside|' }),
  grade: Type.Number({ description: 'per metre of net climb' }),
  coldBattery: Type.Number({ description: 'per km per °C of battery below the reference' }),
});
export type EnergyCoefficients = Static<typeof EnergyCoefficientsSchema>;

const Quantiles = Type.Object({
  p05: Type.Number(),
  p25: Type.Number(),
  p50: Type.Number(),
  p75: Type.Number(),
  p95: Type.Number(),
});

/** How well a fit explains held-in windows of road (all in the source's unit per km). */
export const FitErrorSchema = Type.Object({
  windows: Type.Integer({ minimum: 1 }),
  distanceKm: Type.Number({ minimum: 0 }),
  rmsePerKm: Type.Number({ minimum: 0 }),
  maePerKm: Type.Number({ minimum: 0 }),
  r2: Type.Number(),
  residualQuantilesPerKm: Quantiles,
  /** observed / predicted per window: the uncertainty band of a prediction. */
  ratioQuantiles: Quantiles,
  /**
   * observed / (predicted × the vehicle's own observed/predicted factor): the band once a vehicle is
   * calibrated by its own driving, as the charge-shortfall detector does. Absent without vehicle ids.
   */
  calibratedRatioQuantiles: Type.Optional(Quantiles),
});
export type FitError = Static<typeof FitErrorSchema>;

export const EnergySourceFitSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  unit: Type.Union([Type.Literal('kwh_per_km'), Type.Literal('pct_per_km')]),
  description: Type.String(),
  /** Features the data could identify; the others are fixed at 0 for this source. */
  fittedFeatures: Type.Array(
    Type.Union([Type.Literal('rolling'), Type.Literal('aero'), Type.Literal('aux'), Type.Literal('hvac'), Type.Literal('grade'), Type.Literal('coldBattery')]),
  ),
  coefficients: EnergyCoefficientsSchema,
  error: FitErrorSchema,
});
export type EnergySourceFit = Static<typeof EnergySourceFitSchema>;

export const EnergyModelSchema = Type.Object({
  schemaVersion: Type.Literal(1),
  name: Type.String({ minLength: 1 }),
  /** The model used for predictions (kWh/km); `sources` keeps every fit for the record. */
  unit: Type.Literal('kwh_per_km'),
  coefficients: EnergyCoefficientsSchema,
  referenceBatteryTempC: Type.Number(),
  /** Assumed when a vehicle does not log its cabin set-point (heating is on in the cold). */
  defaultCabinSetpointC: Type.Number(),
  /** Lowest speed used in the 1/v terms: below it a "leg" is a standstill, not a drive. */
  minSpeedKph: Type.Number({ exclusiveMinimum: 0 }),
  /** observed/predicted quantiles for a prediction's band (optimistic = low, pessimistic = high). */
  band: Type.Object({ lowRatio: Type.Number({ exclusiveMinimum: 0 }), highRatio: Type.Number({ exclusiveMinimum: 0 }), quantiles: Type.String() }),
  error: FitErrorSchema,
  sources: Type.Array(EnergySourceFitSchema),
  training: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.String())])),
});
export type EnergyModel = Static<typeof EnergyModelSchema>;

/** Reference temperatures and the speed floor the features use; the model file repeats them. */
export const FEATURE_OPTIONS = { referenceBatteryTempC: 20, defaultCabinSetpointC: 21, minSpeedKph: 5 } as const;

/** Conditions of a stretch of road, in the units of the telemetry schema. */
export interface DriveConditions {
  avgSpeedKph: number;
  outsideTempC: number;
  /** NaN or undefined: taken as the outside temperature (a pack soaked to ambient). */
  batteryTempC?: number | undefined;
  /** NaN or undefined: the model's default set-point. */
  cabinSetpointC?: number | undefined;
  /** Net climb per km of road (negative downhill). */
  climbMPerKm?: number | undefined;
  /** Mean of v² over the stretch when known (it exceeds avgSpeed² when speed varies). */
  meanSpeedSqKph2?: number | undefined;
}

const finiteOr = (v: number | undefined, fallback: number): number => (v !== undefined && Number.isFinite(v) ? v : fallback);

/** The feature vector of a stretch of road, in FEATURE_NAMES order. */
export function energyFeatures(
  c: DriveConditions,
  opts: { referenceBatteryTempC: number; defaultCabinSetpointC: number; minSpeedKph: number },
): number[] {
  const v = Math.max(opts.minSpeedKph, c.avgSpeedKph);
  const outside = finiteOr(c.outsideTempC, 15);
  const setpoint = finiteOr(c.cabinSetpointC, opts.defaultCabinSetpointC);
  const battery = finiteOr(c.batteryTempC, outside);
  return [
    1,
    finiteOr(c.meanSpeedSqKph2, v * v),
    1 / v,
    Math.abs(setpoint - outside) / v,
    finiteOr(c.climbMPerKm, 0),
    Math.max(0, opts.referenceBatteryTempC - battery),
  ];
}

export function coefficientVector(c: EnergyCoefficients): number[] {
  return FEATURE_NAMES.map((f) => c[f]);
}

/** Expected kWh per km of road in these conditions (never below a small positive floor). */
export function predictKwhPerKm(model: EnergyModel, c: DriveConditions): number {
  return predictKwhPerKmFromFeatures(model, energyFeatures(c, model));
}

/** The same from a feature vector (FEATURE_NAMES order), e.g. one integrated over a drive window. */
export function predictKwhPerKmFromFeatures(model: EnergyModel, x: readonly number[]): number {
  const beta = coefficientVector(model.coefficients);
  let y = 0;
  for (let k = 0; k < x.length; k++) y += x[k]! * beta[k]!;
  // A long descent can make the linear grade term negative; a drive still costs something.
  return Math.max(0.02, y);
}

/** Expected % of a `batteryKwh` battery per km of road in these conditions. */
export function predictPctPerKm(model: EnergyModel, c: DriveConditions, batteryKwh: number): number {
  if (!(batteryKwh > 0)) throw new RangeError(`batteryKwh must be > 0 (got ${batteryKwh})`);
  return (predictKwhPerKm(model, c) / batteryKwh) * 100;
}
