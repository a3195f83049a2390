import { Type, type Static } from 'typebox';
import { RoadClassSchema } from '../conditions/drive-conditions.ts';
import { Severity } from '../events/detected-event.ts';

/**
 * What a cohort can be grouped by: the vehicle's metadata, the conditions of each drive
 * (exposure and events are split by the drive they happened in), or whether the vehicle is in
 * the experience cohort (`inCohort`, with `split`).
 */
export const CohortDimensionSchema = Type.Union([
  Type.Literal('model'),
  Type.Literal('firmware'),
  Type.Literal('fleet'),
  Type.Literal('region'),
  Type.Literal('tempBand'),
  Type.Literal('daylight'),
  Type.Literal('roadClass'),
  Type.Literal('inCohort'),
]);
export type CohortDimension = Static<typeof CohortDimensionSchema>;
export const DRIVE_DIMENSIONS: ReadonlySet<CohortDimension> = new Set(['tempBand', 'daylight', 'roadClass']);

/** "Had a breakdown on a highway in the last 90 days", "left a charger short below 0 °C". */
export const ExperienceSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 64, description: 'event kind: breakdown, charge_shortfall, anomaly' }),
    subkind: Type.Optional(Type.String({ maxLength: 64 })),
    minSeverity: Type.Optional(Severity),
    roadClass: Type.Optional(RoadClassSchema),
    /** Mean outside temperature of the period the event happened in, strictly below / at or above. */
    belowTempC: Type.Optional(Type.Number({ minimum: -70, maximum: 70 })),
    atOrAboveTempC: Type.Optional(Type.Number({ minimum: -70, maximum: 70 })),
    /** Counted back from the end of the query's window (default: all history before it). */
    withinDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3660 })),
  },
  { additionalProperties: false },
);
export type Experience = Static<typeof ExperienceSchema>;

const Names = Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 });

export const CohortQuerySchema = Type.Object(
  {
    fleets: Type.Optional(Names),
    models: Type.Optional(Names),
    firmwares: Type.Optional(Names),
    regions: Type.Optional(Names),
    deviceIds: Type.Optional(Names),
    /** Vehicles that had every one of these experiences. */
    experienced: Type.Optional(Type.Array(ExperienceSchema, { minItems: 1, maxItems: 8 })),
    /** Keep every selected vehicle and tell the cohort from the rest by `inCohort` instead of filtering. */
    split: Type.Optional(Type.Boolean()),
    groupBy: Type.Optional(Type.Array(CohortDimensionSchema, { maxItems: 4, uniqueItems: true })),
    /** Moments of truth to count (default breakdown and charge_shortfall). */
    kinds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 8 })),
    /** Exposure window; default the 90 days up to now. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Groups with fewer driving hours than this are flagged `lowExposure` (still listed). */
    minExposureHours: Type.Optional(Type.Number({ minimum: 0 })),
    confidence: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.999 })),
    /** Add each vehicle-level group's NPS (answers in the window; a cohort vehicle's only after its first experience). */
    feedback: Type.Optional(Type.Boolean()),
    /** The group rate ratios compare against, by its key (default: the group with the most driving hours). */
    baseline: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export type CohortQuery = Static<typeof CohortQuerySchema>;

export const DEFAULT_KINDS = ['breakdown', 'charge_shortfall'] as const;
export const DEFAULT_WINDOW_DAYS = 90;
export const DEFAULT_MIN_EXPOSURE_HOURS = 100;

/** The query with its defaults filled and the window resolved against `nowMs`. */
export interface ResolvedCohortQuery extends CohortQuery {
  groupBy: CohortDimension[];
  kinds: string[];
  fromMs: number;
  toMs: number;
  minExposureHours: number;
  confidence: number;
}

export function resolveCohortQuery(q: CohortQuery, nowMs: number): ResolvedCohortQuery {
  const toMs = q.to ? Date.parse(q.to) : nowMs;
  const fromMs = q.from ? Date.parse(q.from) : toMs - DEFAULT_WINDOW_DAYS * 86_400_000;
  return {
    ...q,
    groupBy: q.groupBy ?? [],
    kinds: q.kinds ?? [...DEFAULT_KINDS],
    fromMs,
    toMs,
    minExposureHours: q.minExposureHours ?? DEFAULT_MIN_EXPOSURE_HOURS,
    confidence: q.confidence ?? 0.95,
  };
}
