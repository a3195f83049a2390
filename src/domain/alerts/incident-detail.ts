import { Type, type Static } from 'typebox';
import { StoredEventSchema } from '../events/detected-event.ts';
import type { AlertRule } from './alert-rule.ts';
import { IncidentSchema, type Incident } from './incident.ts';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** One webhook delivery of a step, as support sees it: the receiver by name, never its URL or secret. */
export const DeliverySchema = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead'), Type.Literal('cancelled')]),
  attempts: Type.Integer(),
  dueAtMs: Type.Number(),
  nextAttemptAtMs: Type.Number(),
  lastError: NullableString,
  deliveredAtMs: NullableNumber,
  deadLetteredAtMs: NullableNumber,
});
export type Delivery = Static<typeof DeliverySchema>;

/** A rung of the escalation ladder with what became of its notice. */
export const EscalationStepViewSchema = Type.Object({
  step: Type.Integer(),
  receiver: Type.String(),
  /** From the rule; null when the rule has since been deleted. */
  audience: NullableString,
  delayMs: NullableNumber,
  instructions: NullableString,
  delivery: Type.Union([DeliverySchema, Type.Null()]),
});
export type EscalationStepView = Static<typeof EscalationStepViewSchema>;

export const HistoryEntrySchema = Type.Object({
  atMs: Type.Number(),
  action: Type.Union([Type.Literal('opened'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  by: NullableString,
  note: NullableString,
});
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

/** GET /v1/incidents/:id/detail: the incident, its evidence (events), its ladder with deliveries, and its history with the notes. */
export const IncidentDetailSchema = Type.Object({
  incident: IncidentSchema,
  ruleName: NullableString,
  events: Type.Array(StoredEventSchema),
  escalation: Type.Array(EscalationStepViewSchema),
  history: Type.Array(HistoryEntrySchema),
});
export type IncidentDetail = Static<typeof IncidentDetailSchema>;

/** An outbox row of the incident (the fields the view keeps). */
export type OutboxRow = Delivery & { step: number; receiver: string };

/** The rule's steps (when it still exists) joined with the queued notices, by step index; a notice whose step the rule no longer has keeps its own row. */
export function escalationSteps(rule: AlertRule | undefined, outbox: readonly OutboxRow[]): EscalationStepView[] {
  const byStep = new Map(outbox.map((o) => [o.step, o]));
  const delivery = (o: OutboxRow | undefined): Delivery | null =>
    o ? { status: o.status, attempts: o.attempts, dueAtMs: o.dueAtMs, nextAttemptAtMs: o.nextAttemptAtMs, lastError: o.lastError, deliveredAtMs: o.deliveredAtMs, deadLetteredAtMs: o.deadLetteredAtMs } : null;
  const steps: EscalationStepView[] = (rule?.escalation ?? []).map((s, step) => ({
    step, receiver: s.receiver, audience: s.audience, delayMs: s.delayMs, instructions: s.instructions ?? null, delivery: delivery(byStep.get(step)),
  }));
  for (const o of outbox) {
    if (!steps.some((s) => s.step === o.step)) steps.push({ step: o.step, receiver: o.receiver, audience: null, delayMs: null, instructions: null, delivery: delivery(o) });
  }
  return steps.sort((a, b) => a.step - b.step);
}

/** A note the acknowledgement or resolution wrote on the device's timeline (alert-engine `advance`). */
export interface IncidentNote {
  state: 'acknowledged' | 'resolved';
  atMs: number;
  by: string | null;
  text: string;
}

/**
 * Opened, acknowledged, resolved, in time order, each with its note. The incident row keeps only
 * the latest note; the notes themselves are annotations, so an acknowledgement's note survives
 * the resolution's.
 */
export function incidentHistory(incident: Incident, notes: readonly IncidentNote[]): HistoryEntry[] {
  const out: HistoryEntry[] = [{ atMs: incident.openedAtMs, action: 'opened', by: null, note: null }];
  const noteOf = (state: IncidentNote['state']) => notes.find((n) => n.state === state);
  if (incident.acknowledgedAtMs !== null) {
    out.push({ atMs: incident.acknowledgedAtMs, action: 'acknowledged', by: incident.acknowledgedBy, note: noteOf('acknowledged')?.text ?? null });
  }
  if (incident.resolvedAtMs !== null) {
    out.push({ atMs: incident.resolvedAtMs, action: 'resolved', by: incident.resolvedBy, note: noteOf('resolved')?.text ?? null });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
