import { Type, type Static } from 'typebox';
import { EventKind, Severity } from '../events/detected-event.ts';

/** Where notices go: a webhook URL and the secret its HMAC signatures are made with. */
export const ReceiverSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: "Referred to by escalation steps, e.g. 'driver'" }),
  url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://', description: 'Webhook URL (http or https)' }),
  secret: Type.String({ minLength: 8, maxLength: 256, description: 'HMAC-SHA256 key for Telltale-Signature' }),
});
export type Receiver = Static<typeof ReceiverSchema>;

/**
 * One rung of the ladder: sent `delayMs` after the incident opens, unless it has been acknowledged
 * or resolved by then. The first rung usually has delay 0 (the driver, with safety instructions).
 */
export const EscalationStepSchema = Type.Object({
  delayMs: Type.Integer({ minimum: 0, description: 'After the incident opens' }),
  receiver: Type.String({ minLength: 1, description: 'Name of one of the rule receivers' }),
  audience: Type.String({ minLength: 1, maxLength: 64, description: "Who reads it: 'driver', 'support', 'manager'…" }),
  instructions: Type.Optional(Type.String({ maxLength: 2000, description: "e.g. 'Turn on the hazard lights and move away from the road'" })),
});
export type EscalationStep = Static<typeof EscalationStepSchema>;

export const AlertRuleMatchSchema = Type.Object({
  kinds: Type.Optional(Type.Array(EventKind, { minItems: 1, description: 'Event kinds; all when absent' })),
  minSeverity: Type.Optional(Severity),
  deviceIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Only these devices' })),
  fleets: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Only devices of these fleets' })),
});
export type AlertRuleMatch = Static<typeof AlertRuleMatchSchema>;

export const AlertRuleSchema = Type.Object({
  ruleId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  match: AlertRuleMatchSchema,
  /** Events of one device and kind this close together (ms) belong to one incident. */
  hysteresisMs: Type.Optional(Type.Integer({ minimum: 0, default: 30 * 60_000 })),
  receivers: Type.Array(ReceiverSchema, { minItems: 1 }),
  escalation: Type.Array(EscalationStepSchema, { minItems: 1 }),
});
export type AlertRule = Static<typeof AlertRuleSchema>;

export const DEFAULT_HYSTERESIS_MS = 30 * 60_000;

/** Problems a schema cannot express: steps naming unknown receivers, duplicate receiver names. */
export function ruleProblems(rule: AlertRule): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, r] of rule.receivers.entries()) {
    if (names.has(r.name)) problems.push(`receivers/${i}/name: '${r.name}' appears twice`);
    names.add(r.name);
  }
  for (const [i, s] of rule.escalation.entries()) {
    if (!names.has(s.receiver)) problems.push(`escalation/${i}/receiver: no receiver named '${s.receiver}'`);
  }
  return problems;
}
