import type { ResolvedCohortQuery } from './cohort-query.ts';
import type { CohortGroup, CohortResult } from './cohort-result.ts';
import { npsDifference, npsEstimate, type NpsEstimate } from '../feedback/nps-interval.ts';
import { poissonRateInterval, rateRatioInterval } from './poisson-interval.ts';

export interface NpsRow {
  key: Record<string, string | undefined>;
  responses: number;
  promoters: number;
  detractors: number;
}

/** What the store's aggregation returns: exposure per group and one count per (group, kind). */
export interface AggregateRow {
  key: Record<string, string | undefined>;
  vehicles: number;
  drivingHours: number;
  drivingKm: number;
  kind: string | null;
  count: number;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const labelOf = (key: Record<string, string>) => Object.entries(key).map(([k, v]) => `${k}=${v}`).join(' · ') || 'all';

/**
 * Rates and ratios from the aggregation (tens of groups: the per-row work was done in DuckDB).
 * Every group is kept: one under the minimum exposure is flagged, because hiding it would hide
 * exactly the small cohort an analyst may be looking for.
 */
export function buildCohortResult(q: ResolvedCohortQuery, rows: readonly AggregateRow[], npsRows?: readonly NpsRow[]): CohortResult {
  const groups = new Map<string, { key: Record<string, string>; vehicles: number; hours: number; km: number; counts: Map<string, number> }>();
  for (const row of rows) {
    const key: Record<string, string> = {};
    for (const dim of q.groupBy) key[dim] = row.key[dim] ?? '(none)';
    const id = labelOf(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, vehicles: row.vehicles, hours: row.drivingHours, km: row.drivingKm, counts: new Map() }));
    if (row.kind !== null) g.counts.set(row.kind, (g.counts.get(row.kind) ?? 0) + row.count);
  }
  const all = [...groups.entries()];
  const wanted = q.baseline ? labelOf(Object.fromEntries(q.groupBy.map((d) => [d, q.baseline![d] ?? '(none)']))) : undefined;
  const baselineEntry = wanted !== undefined ? all.find(([id]) => id === wanted) : [...all].sort((a, b) => b[1].hours - a[1].hours)[0];
  const baseline = all.length > 1 ? baselineEntry : undefined;
  const keyId = (key: Record<string, string | undefined>) => labelOf(Object.fromEntries(q.groupBy.map((d) => [d, key[d] ?? '(none)'])));
  const nps = new Map<string, NpsEstimate | null>((npsRows ?? []).map((r) => [keyId(r.key), npsEstimate(r.promoters, r.detractors, r.responses, q.confidence)]));
  const baselineNps = baseline ? nps.get(baseline[0]) ?? null : null;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const npsOf = (id: string) => {
    const e = nps.get(id) ?? null;
    return e === null ? null : { ...e, score: r2(e.score), lower: r2(e.lower), upper: r2(e.upper) };
  };
  const npsDiff = (id: string) => {
    const e = nps.get(id) ?? null;
    if (!e || !baselineNps || !baseline || id === baseline[0]) return null;
    const d = npsDifference(e, baselineNps, q.confidence);
    return { difference: r2(d.difference), lower: r2(d.lower), upper: r2(d.upper) };
  };
  const out: CohortGroup[] = all.map(([id, g]) => ({
    key: g.key,
    label: id,
    vehicles: g.vehicles,
    drivingHours: round(g.hours),
    drivingKm: round(g.km, 3),
    lowExposure: g.hours < q.minExposureHours,
    moments: q.kinds.map((kind) => {
      const count = g.counts.get(kind) ?? 0;
      const perHour = poissonRateInterval(count, g.hours, 1000, q.confidence);
      const perKm = poissonRateInterval(count, g.km, 10_000, q.confidence);
      let ratioToBaseline = null;
      if (baseline && baseline[0] !== id && g.hours > 0 && baseline[1].hours > 0) {
        const rr = rateRatioInterval(count, g.hours, baseline[1].counts.get(kind) ?? 0, baseline[1].hours, q.confidence);
        ratioToBaseline = { ratio: rr.ratio === null ? null : round(rr.ratio), lower: round(rr.lower), upper: rr.upper === null ? null : round(rr.upper), pValue: round(rr.pValue, 6) };
      }
      const r = (v: typeof perHour) => (v === null ? null : { rate: round(v.rate), lower: round(v.lower), upper: round(v.upper) });
      return { kind, count, perThousandHours: r(perHour), perTenThousandKm: r(perKm), ratioToBaseline };
    }),
    ...(npsRows ? { nps: npsOf(id), npsDifferenceToBaseline: npsDiff(id) } : {}),
  }));
  return {
    fromMs: q.fromMs,
    toMs: q.toMs,
    groupBy: q.groupBy,
    kinds: q.kinds,
    confidence: q.confidence,
    minExposureHours: q.minExposureHours,
    baseline: baseline ? baseline[0] : null,
    groups: out,
  };
}
