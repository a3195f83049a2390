import type { CohortResult } from './cohort-result.ts';

/** One row per group × kind, flat: what the Arrow and Parquet exports and the chart carry. */
export interface CohortRow {
  group: string;
  [dimension: string]: string | number | boolean | null;
}

export const COHORT_ROW_NUMBERS = [
  'vehicles',
  'driving_hours',
  'driving_km',
  'count',
  'rate_per_1000_h',
  'rate_per_1000_h_lower',
  'rate_per_1000_h_upper',
  'rate_per_10000_km',
  'rate_per_10000_km_lower',
  'rate_per_10000_km_upper',
  'ratio_to_baseline',
  'ratio_lower',
  'ratio_upper',
  'ratio_p_value',
] as const;

export function cohortRows(result: CohortResult): CohortRow[] {
  return result.groups.flatMap((g) =>
    g.moments.map((m) => ({
      group: g.label,
      ...Object.fromEntries(result.groupBy.map((d) => [d, g.key[d] ?? null])),
      kind: m.kind,
      low_exposure: g.lowExposure,
      vehicles: g.vehicles,
      driving_hours: g.drivingHours,
      driving_km: g.drivingKm,
      count: m.count,
      rate_per_1000_h: m.perThousandHours?.rate ?? null,
      rate_per_1000_h_lower: m.perThousandHours?.lower ?? null,
      rate_per_1000_h_upper: m.perThousandHours?.upper ?? null,
      rate_per_10000_km: m.perTenThousandKm?.rate ?? null,
      rate_per_10000_km_lower: m.perTenThousandKm?.lower ?? null,
      rate_per_10000_km_upper: m.perTenThousandKm?.upper ?? null,
      ratio_to_baseline: m.ratioToBaseline?.ratio ?? null,
      ratio_lower: m.ratioToBaseline?.lower ?? null,
      ratio_upper: m.ratioToBaseline?.upper ?? null,
      ratio_p_value: m.ratioToBaseline?.pValue ?? null,
    })),
  );
}
