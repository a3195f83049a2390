import { mean, quantileSorted, rootMeanSquare } from 'simple-statistics';
import type { DriveWindow } from './drive-windows.ts';
import {
  FEATURE_NAMES,
  FEATURE_OPTIONS,
  type EnergyCoefficients,
  type EnergyModel,
  type EnergySourceFit,
  type FeatureName,
  type FitError,
} from './energy-model.ts';
import { solveLeastSquares } from './least-squares.ts';


/** Significant digits kept in the model file: enough for the fit, few enough to read and diff. */
const round = (v: number, digits = 6): number => (v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits)));

export interface SourceData {
  name: string;
  description: string;
  unit: 'kwh_per_km' | 'pct_per_km';
  windows: readonly DriveWindow[];
  features: readonly FeatureName[];
  /** The vehicle of each window (same order as `windows`), for the calibrated band. */
  vehicles?: readonly string[];
}

function target(w: DriveWindow, unit: SourceData['unit']): number {
  return (unit === 'kwh_per_km' ? w.energyKwh : w.socDropPct) / w.distanceKm;
}

function quantiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    p05: round(quantileSorted(s, 0.05), 4),
    p25: round(quantileSorted(s, 0.25), 4),
    p50: round(quantileSorted(s, 0.5), 4),
    p75: round(quantileSorted(s, 0.75), 4),
    p95: round(quantileSorted(s, 0.95), 4),
  };
}

/** Errors of `coefficients` on windows (the unit per km of the source). */
export function fitError(windows: readonly DriveWindow[], unit: SourceData['unit'], coefficients: EnergyCoefficients, vehicles?: readonly string[]): FitError {
  const beta = FEATURE_NAMES.map((f) => coefficients[f]);
  const observed: number[] = [];
  const predicted: number[] = [];
  for (const w of windows) {
    const x = w.features;
    observed.push(target(w, unit));
    predicted.push(x.reduce((s, v, k) => s + v * beta[k]!, 0));
  }
  const residuals = observed.map((o, i) => o - predicted[i]!);
  const avg = mean(observed);
  const ssRes = residuals.reduce((s, r) => s + r * r, 0);
  const ssTot = observed.reduce((s, o) => s + (o - avg) ** 2, 0);
  // Each vehicle's own observed/predicted over its windows (by distance), as calibration would learn it.
  let calibrated: number[] | null = null;
  if (vehicles && vehicles.length === windows.length) {
    const sums = new Map<string, { o: number; p: number }>();
    windows.forEach((w, i) => {
      const s = sums.get(vehicles[i]!) ?? { o: 0, p: 0 };
      s.o += observed[i]! * w.distanceKm;
      s.p += predicted[i]! * w.distanceKm;
      sums.set(vehicles[i]!, s);
    });
    calibrated = observed.map((o, i) => {
      const s = sums.get(vehicles[i]!)!;
      return o / Math.max(1e-6, predicted[i]! * (s.p > 0 ? s.o / s.p : 1));
    });
  }
  return {
    windows: windows.length,
    distanceKm: round(windows.reduce((s, w) => s + w.distanceKm, 0), 6),
    rmsePerKm: round(rootMeanSquare(residuals), 4),
    maePerKm: round(mean(residuals.map(Math.abs)), 4),
    r2: round(ssTot > 0 ? 1 - ssRes / ssTot : 0, 4),
    residualQuantilesPerKm: quantiles(residuals),
    ratioQuantiles: quantiles(observed.map((o, i) => o / Math.max(1e-6, predicted[i]!))),
    ...(calibrated ? { calibratedRatioQuantiles: quantiles(calibrated) } : {}),
  };
}

/** Least-squares fit of one source's windows (weighted by distance) on the features it can identify. */
export function fitSource(source: SourceData): EnergySourceFit {
  const keep = source.windows.map((w) => Number.isFinite(target(w, source.unit)) && w.distanceKm > 0);
  const usable = source.windows.filter((_, i) => keep[i]);
  const vehicles = source.vehicles?.filter((_, i) => keep[i]);
  if (usable.length < source.features.length * 3) {
    throw new Error(`source '${source.name}': ${usable.length} usable windows, need at least ${source.features.length * 3} to fit ${source.features.length} features`);
  }
  const columns = source.features.map((f) => FEATURE_NAMES.indexOf(f));
  const rows = usable.map((w) => {
    const x = w.features;
    return columns.map((k) => x[k]!);
  });
  const beta = solveLeastSquares(
    rows,
    usable.map((w) => target(w, source.unit)),
    usable.map((w) => w.distanceKm),
  );
  const coefficients = Object.fromEntries(FEATURE_NAMES.map((f) => [f, 0])) as EnergyCoefficients;
  source.features.forEach((f, j) => (coefficients[f] = round(beta[j]!)));
  return {
    name: source.name,
    unit: source.unit,
    description: source.description,
    fittedFeatures: [...source.features],
    coefficients,
    error: fitError(usable, source.unit, coefficients, vehicles),
  };
}

/**
 * The model file: the kWh/km fit of `primary` drives predictions and its observed/predicted
 * quantiles make the band; every source's fit and errors are kept alongside.
 */
export function buildEnergyModel(primary: EnergySourceFit, others: readonly EnergySourceFit[], training: EnergyModel['training']): EnergyModel {
  if (primary.unit !== 'kwh_per_km') throw new Error(`the primary source '${primary.name}' must be fitted in kWh/km`);
  return {
    schemaVersion: 1,
    name: 'energy-model@1',
    unit: 'kwh_per_km',
    coefficients: primary.coefficients,
    ...FEATURE_OPTIONS,
    band: primary.error.calibratedRatioQuantiles
      ? { lowRatio: primary.error.calibratedRatioQuantiles.p05, highRatio: primary.error.calibratedRatioQuantiles.p95, quantiles: 'p05-p95 of observed/predicted per window, each vehicle calibrated by its own driving' }
      : { lowRatio: primary.error.ratioQuantiles.p05, highRatio: primary.error.ratioQuantiles.p95, quantiles: 'p05-p95 of observed/predicted per window' },
    error: primary.error,
    sources: [primary, ...others],
    training,
  };
}
