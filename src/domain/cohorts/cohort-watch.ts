import { Type, type Static } from 'typebox';
import { ReceiverSchema } from '../alerts/alert-rule.ts';
import { CohortQuerySchema } from './cohort-query.ts';
import { rateRatioInterval, risePValue } from './poisson-interval.ts';

/**
 * Watching a saved cohort: the rate of one kind of moment over the last `windowDays` against the
 * `baselineDays` before, with the exact one-sided conditional test (given the events of both
 * windows, are too many in the recent one for its share of the exposure?). A notice goes out when
 * p < alpha with at least `minEvents` recent events, so a single event in a quiet week is no alarm.
 */
export const CohortWatchSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 64 }),
    per: Type.Optional(Type.Union([Type.Literal('hours'), Type.Literal('km')], { default: 'hours' })),
    windowDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 366, default: 7 })),
    baselineDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3660, default: 28 })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.2, default: 0.01 })),
    minEvents: Type.Optional(Type.Integer({ minimum: 1, default: 3 })),
    receivers: Type.Array(ReceiverSchema, { minItems: 1, maxItems: 8 }),
  },
  { additionalProperties: false },
);
export type CohortWatch = Static<typeof CohortWatchSchema>;

export const SavedCohortBodySchema = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    query: CohortQuerySchema,
    watch: Type.Optional(CohortWatchSchema),
  },
  { additionalProperties: false },
);
export type SavedCohortBody = Static<typeof SavedCohortBodySchema>;

export const SavedCohortSchema = Type.Intersect([
  Type.Object({ name: Type.String(), createdAtMs: Type.Number(), updatedAtMs: Type.Number() }),
  SavedCohortBodySchema,
]);
export type SavedCohort = Static<typeof SavedCohortSchema>;

export const COHORT_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

export interface WindowCount {
  count: number;
  exposure: number;
}

export const WatchCheckSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  windowStartMs: Type.Number(),
  windowEndMs: Type.Number(),
  recent: Type.Object({ count: Type.Integer(), exposure: Type.Number(), rate: Type.Union([Type.Number(), Type.Null()]) }),
  baseline: Type.Object({ count: Type.Integer(), exposure: Type.Number(), rate: Type.Union([Type.Number(), Type.Null()]) }),
  ratio: Type.Object({ ratio: Type.Union([Type.Number(), Type.Null()]), lower: Type.Number(), upper: Type.Union([Type.Number(), Type.Null()]) }),
  pValue: Type.Number(),
  rising: Type.Boolean(),
});
export type WatchCheck = Static<typeof WatchCheckSchema>;

/** The decision, pure: rates per 1,000 h or 10,000 km, the exact ratio, the one-sided p-value. */
export function judgeWatch(name: string, watch: CohortWatch, windowStartMs: number, windowEndMs: number, recent: WindowCount, baseline: WindowCount): WatchCheck {
  const per = (watch.per ?? 'hours') === 'hours' ? 1000 : 10_000;
  const rate = (w: WindowCount) => (w.exposure > 0 ? (w.count / w.exposure) * per : null);
  const rr = recent.exposure > 0 && baseline.exposure > 0 ? rateRatioInterval(recent.count, recent.exposure, baseline.count, baseline.exposure) : { ratio: null, lower: 0, upper: null };
  const pValue = recent.exposure > 0 && baseline.exposure > 0 ? risePValue(recent.count, recent.exposure, baseline.count, baseline.exposure) : 1;
  return {
    name,
    kind: watch.kind,
    windowStartMs,
    windowEndMs,
    recent: { ...recent, rate: rate(recent) },
    baseline: { ...baseline, rate: rate(baseline) },
    ratio: { ratio: rr.ratio, lower: rr.lower, upper: rr.upper },
    pValue,
    rising: pValue < (watch.alpha ?? 0.01) && recent.count >= (watch.minEvents ?? 3),
  };
}

/** Secrets are write-only: what the API and the CLI show. */
export function maskSecrets(saved: SavedCohort): SavedCohort {
  if (!saved.watch) return saved;
  return { ...saved, watch: { ...saved.watch, receivers: saved.watch.receivers.map((r) => ({ ...r, secret: '********' })) } };
}
