import { Type, type Static } from 'typebox';

/**
 * A moment of truth (or an unusual channel behaviour) found in a device's telemetry, with the
 * evidence for it. Detectors are pure functions that return these; the store keeps them in
 * `events`; the events API, alerts, charts and the replay page all read the same shape.
 */

export const EventKind = Type.Union([
  Type.Literal('breakdown'),
  Type.Literal('charge_shortfall'),
  Type.Literal('anomaly'),
]);
export type EventKind = Static<typeof EventKind>;

export const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
export type Severity = Static<typeof Severity>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** One piece of evidence: a signal, what it was, and the threshold or model that judged it. */
export const EvidenceItem = Type.Object({
  signal: Type.String({ description: "A channel or derived signal, e.g. 'speed_kph', 'decel_mps2', 'model_score'" }),
  value: Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
  threshold: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Null()])),
  atMs: Type.Optional(Type.Number()),
  note: Type.Optional(Type.String()),
});
export type EvidenceItem = Static<typeof EvidenceItem>;

export const DetectedEventSchema = Type.Object({
  eventId: Type.String({ description: 'Stable: the same moment found again keeps its id' }),
  deviceId: Type.String(),
  kind: EventKind,
  subkind: Type.String({ description: "e.g. 'loss_of_propulsion', 'stranded', 'predicted_shortfall', 'battery_temp'" }),
  severity: Severity,
  detector: Type.String({ description: "Name and version of the detector, e.g. 'breakdown-rules@1'" }),
  startMs: Type.Number(),
  endMs: NullableNumber,
  lat: NullableNumber,
  lon: NullableNumber,
  summary: Type.String({ description: 'One human sentence' }),
  score: NullableNumber,
  evidence: Type.Array(EvidenceItem),
});
export type DetectedEvent = Static<typeof DetectedEventSchema>;

/** As stored: plus when it was first found and last updated (epoch ms, store clock). */
export const StoredEventSchema = Type.Intersect([
  DetectedEventSchema,
  Type.Object({ detectedAtMs: Type.Number(), updatedAtMs: Type.Number() }),
]);
export type StoredEvent = Static<typeof StoredEventSchema>;
