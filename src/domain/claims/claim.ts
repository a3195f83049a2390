import { Type, type Static } from 'typebox';

/**
 * A checkable claim an annotation may carry: a bound on a channel over a time range, a value at a
 * moment, or a change at a moment. Values are in the unit the claim was made in (54 mph, 74 °F);
 * evaluation converts them into the schema's units at its edge and reports back in the claim's unit.
 */

export const ClaimChannel = Type.Union(
  [
    Type.Literal('speed'), Type.Literal('soc'), Type.Literal('range'), Type.Literal('cabin_setpoint'), Type.Literal('outside_temp'),
    Type.Literal('battery_temp'), Type.Literal('power'), Type.Literal('altitude'), Type.Literal('odometer'),
  ],
  { description: 'Telemetry channel the claim is about' },
);
export type ClaimChannel = Static<typeof ClaimChannel>;

export const ClaimUnit = Type.Union(
  [
    Type.Literal('km/h'), Type.Literal('mph'), Type.Literal('%'), Type.Literal('km'), Type.Literal('mi'),
    Type.Literal('°C'), Type.Literal('°F'), Type.Literal('kW'), Type.Literal('m'), Type.Literal('ft'),
  ],
  { description: 'Unit of value, tolerance and minDelta' },
);
export type ClaimUnit = Static<typeof ClaimUnit>;

export const ClaimOp = Type.Union([Type.Literal('<='), Type.Literal('>='), Type.Literal('<'), Type.Literal('>')]);
export type ClaimOp = Static<typeof ClaimOp>;

const TimeMs = Type.Integer({ minimum: -8.64e15, maximum: 8.64e15, description: 'Epoch milliseconds, UTC' });

export const BoundClaimSchema = Type.Object({
  kind: Type.Literal('bound'),
  channel: ClaimChannel,
  op: ClaimOp,
  value: Type.Number(),
  unit: ClaimUnit,
  fromMs: TimeMs,
  toMs: TimeMs,
  tolerance: Type.Optional(Type.Number({ minimum: 0, description: 'Slack on the bound, claim unit (default 0)' })),
  share: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of samples that must hold the bound: 0.9 = "most of the time" (default 1 = always)' })),
});
export type BoundClaim = Static<typeof BoundClaimSchema>;

export const ValueAtClaimSchema = Type.Object({
  kind: Type.Literal('value_at'),
  channel: ClaimChannel,
  atMs: TimeMs,
  op: ClaimOp,
  value: Type.Number(),
  unit: ClaimUnit,
  windowMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Nearest sample within ± this (default 5 min)' })),
  tolerance: Type.Optional(Type.Number({ minimum: 0 })),
});
export type ValueAtClaim = Static<typeof ValueAtClaimSchema>;

export const ChangeClaimSchema = Type.Object({
  kind: Type.Literal('change'),
  channel: ClaimChannel,
  atMs: TimeMs,
  direction: Type.Union([Type.Literal('lowered'), Type.Literal('raised')]),
  windowMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000, description: 'Compared: this long before against this long after (default 10 min)' })),
  unit: Type.Optional(ClaimUnit),
  minDelta: Type.Optional(Type.Number({ minimum: 0, description: 'Smallest change that counts, in unit (default: a per-channel step)' })),
});
export type ChangeClaim = Static<typeof ChangeClaimSchema>;

export const ClaimSchema = Type.Union([BoundClaimSchema, ValueAtClaimSchema, ChangeClaimSchema]);
export type Claim = Static<typeof ClaimSchema>;

export const VerdictKind = Type.Union([Type.Literal('supported'), Type.Literal('contradicted'), Type.Literal('not_enough_data')]);
export type VerdictKind = Static<typeof VerdictKind>;

/** What the log holds for the claim, in the claim's unit (absent = not applicable or no data). */
export const LoggedFiguresSchema = Type.Object({
  samples: Type.Integer(),
  coveragePct: Type.Optional(Type.Number({ description: 'Share of the range with samples no more than 2 min apart' })),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  median: Type.Optional(Type.Number()),
  p90: Type.Optional(Type.Number()),
  shareWithin: Type.Optional(Type.Number({ description: 'Share of samples within the bound (0..1)' })),
  valueAt: Type.Optional(Type.Number()),
  valueAtMs: Type.Optional(Type.Number()),
  before: Type.Optional(Type.Number({ description: 'Median before the moment' })),
  after: Type.Optional(Type.Number({ description: 'Lowest (lowered) or highest (raised) value after it' })),
});
export type LoggedFigures = Static<typeof LoggedFiguresSchema>;

export const ClaimVerdictSchema = Type.Object({
  verdict: VerdictKind,
  unit: Type.String(),
  logged: LoggedFiguresSchema,
  explanation: Type.String(),
});
export type ClaimVerdict = Static<typeof ClaimVerdictSchema>;
