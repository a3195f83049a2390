import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const RateSchema = Nullable(Type.Object({ rate: Type.Number(), lower: Type.Number(), upper: Type.Number() }));
const RatioSchema = Nullable(
  Type.Object({ ratio: Nullable(Type.Number()), lower: Type.Number(), upper: Nullable(Type.Number()), pValue: Type.Number() }),
);

export const CohortMomentSchema = Type.Object({
  kind: Type.String(),
  count: Type.Integer(),
  /** Per 1,000 driving hours, with the exact (Garwood) interval. */
  perThousandHours: RateSchema,
  /** Per 10,000 km driven, same count. */
  perTenThousandKm: RateSchema,
  /** Rate per hour against the baseline group's (exact conditional interval); null for the baseline itself. */
  ratioToBaseline: RatioSchema,
});
export type CohortMoment = Static<typeof CohortMomentSchema>;

export const CohortGroupSchema = Type.Object({
  key: Type.Record(Type.String(), Type.String()),
  label: Type.String(),
  vehicles: Type.Integer(),
  drivingHours: Type.Number(),
  drivingKm: Type.Number(),
  /** Fewer driving hours than `minExposureHours`: listed, but its rates say little. */
  lowExposure: Type.Boolean(),
  moments: Type.Array(CohortMomentSchema),
  /** With `feedback`: NPS of the group's answers with an approximate interval, and its difference to the baseline's. */
  nps: Type.Optional(Nullable(Type.Object({ responses: Type.Integer(), promoters: Type.Integer(), detractors: Type.Integer(), score: Type.Number(), lower: Type.Number(), upper: Type.Number() }))),
  npsDifferenceToBaseline: Type.Optional(Nullable(Type.Object({ difference: Type.Number(), lower: Type.Number(), upper: Type.Number() }))),
});
export type CohortGroup = Static<typeof CohortGroupSchema>;

export const CohortResultSchema = Type.Object({
  fromMs: Type.Number(),
  toMs: Type.Number(),
  groupBy: Type.Array(Type.String()),
  kinds: Type.Array(Type.String()),
  confidence: Type.Number(),
  minExposureHours: Type.Number(),
  baseline: Nullable(Type.String()),
  groups: Type.Array(CohortGroupSchema),
});
export type CohortResult = Static<typeof CohortResultSchema>;
