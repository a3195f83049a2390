import { Type, type Static } from 'typebox';
import { Severity } from '../events/detected-event.ts';

export const IncidentState = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
export type IncidentState = Static<typeof IncidentState>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** One moment of truth under one rule: a breakdown and the tow after it are one incident. */
export const IncidentSchema = Type.Object({
  incidentId: Type.String(),
  ruleId: Type.String(),
  deviceId: Type.String(),
  kind: Type.String(),
  severity: Severity,
  state: IncidentState,
  summary: Type.String(),
  startMs: Type.Number({ description: 'Start of the first event' }),
  endMs: Type.Number({ description: 'End (or start) of the latest event' }),
  lat: NullableNumber,
  lon: NullableNumber,
  eventIds: Type.Array(Type.String()),
  replayUrl: Type.String(),
  openedAtMs: Type.Number(),
  updatedAtMs: Type.Number(),
  acknowledgedAtMs: NullableNumber,
  acknowledgedBy: NullableString,
  resolvedAtMs: NullableNumber,
  resolvedBy: NullableString,
  note: NullableString,
});
export type Incident = Static<typeof IncidentSchema>;

const REPLAY_MARGIN_MS = 2 * 60_000;

/** The web player's link: the first event's replay (or, without one, a little before to a little after the span), positioned at the start. */
export function replayPath(deviceId: string, startMs: number, endMs: number, eventId?: string): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  // With its moment, the replay opens on the moment's own span, through its aftermath (the tow),
  // which the incident's range alone misses; a range given beside it would override that span.
  const q = new URLSearchParams(eventId === undefined
    ? { from: iso(startMs - REPLAY_MARGIN_MS), to: iso(Math.max(endMs, startMs) + REPLAY_MARGIN_MS), t: iso(startMs) }
    : { event: eventId, t: iso(startMs) });
  return `/replay/${encodeURIComponent(deviceId)}?${q.toString()}`;
}
