import { Type, type Static } from 'typebox';
import type { AlertRule, EscalationStep } from '../domain/alerts/alert-rule.ts';
import { replayPath } from '../domain/alerts/incident.ts';

/** The webhook body, as receivers see it (documented in README "Alerts"). */
export const IncidentNoticeSchema = Type.Object({
  type: Type.Union([Type.Literal('incident.opened'), Type.Literal('incident.escalated')]),
  idempotencyKey: Type.String(),
  incident: Type.Object({
    incidentId: Type.String(),
    ruleId: Type.String(),
    ruleName: Type.String(),
    deviceId: Type.String(),
    kind: Type.String(),
    subkind: Type.String(),
    severity: Type.String(),
    summary: Type.String(),
    startMs: Type.Number(),
    lat: Type.Union([Type.Number(), Type.Null()]),
    lon: Type.Union([Type.Number(), Type.Null()]),
    firstEventId: Type.String(),
    detectedAtMs: Type.Number({ description: 'When the first event was detected (service clock)' }),
    replayUrl: Type.String(),
  }),
  step: Type.Object({ index: Type.Integer(), audience: Type.String(), delayMs: Type.Integer(), instructions: Type.Union([Type.String(), Type.Null()]) }),
  openedAtMs: Type.Number(),
});
export type IncidentNotice = Static<typeof IncidentNoticeSchema>;

export interface NoticeEvent {
  eventId: string;
  deviceId: string;
  kind: string;
  subkind: string;
  severity: string;
  summary: string;
  startMs: number;
  endMs: number | null;
  lat: number | null;
  lon: number | null;
  detectedAtMs: number;
}

/** Steps are keyed by incident and rung, so a notice found twice is queued (and received) once. */
export const idempotencyKey = (incidentId: string, stepIndex: number) => `${incidentId}.step${stepIndex}`;

export function buildNotice(rule: AlertRule, incidentId: string, event: NoticeEvent, step: EscalationStep, stepIndex: number, openedAtMs: number, publicUrl: string): IncidentNotice {
  return {
    type: stepIndex === 0 ? 'incident.opened' : 'incident.escalated',
    idempotencyKey: idempotencyKey(incidentId, stepIndex),
    incident: {
      incidentId, ruleId: rule.ruleId, ruleName: rule.name, deviceId: event.deviceId, kind: event.kind, subkind: event.subkind,
      severity: event.severity, summary: event.summary, startMs: event.startMs, lat: event.lat, lon: event.lon, firstEventId: event.eventId, detectedAtMs: event.detectedAtMs,
      replayUrl: publicUrl.replace(/\/$/, '') + replayPath(event.deviceId, event.startMs, event.endMs ?? event.startMs, event.eventId),
    },
    step: { index: stepIndex, audience: step.audience, delayMs: step.delayMs, instructions: step.instructions ?? null },
    openedAtMs,
  };
}
