import { Type, type Static } from 'typebox';

/**
 * Journey health: one 0–100 score per vehicle at a moment, built from named parts that add up to
 * it exactly, so a support engineer can see why a car is "at risk" and what would lift it.
 *
 *   score = 100 (base)
 *         − each moment of truth:   severity weight of its kind × recency
 *         − each incident:          slow acknowledgement (over 15 min, up to 10 points) and slow
 *                                   resolution (over 24 h, up to 5 points) × recency; still open counts as slow
 *         + each warning in time:   a predicted shortfall at least 10 min before the car stranded
 *                                   or arrived below its reserve gives back half of that event's points
 *         ± each feedback answer:   NPS detractor −8, passive −2, promoter +3; CSAT 1–2 −5, 4–5 +2;
 *                                   a support ticket −4; a review of 1–2 stars −4 (× recency)
 *         + floor / ceiling:        whatever keeps the score in 0…100 (a part of its own, so the sum holds)
 *
 * Recency halves a part's weight every HALF_LIFE_DAYS: last week's breakdown matters more than
 * last winter's. Parts older than MAX_AGE_DAYS are dropped.
 */
export const HALF_LIFE_DAYS = 30;
export const MAX_AGE_DAYS = 365;
export const AT_RISK_BELOW = 60;
export const WATCH_BELOW = 80;

const MOMENT_WEIGHT: Record<string, Record<string, number>> = {
  breakdown: { critical: 30, warning: 20, info: 8 },
  charge_shortfall: { critical: 20, warning: 12, info: 4 },
  anomaly: { critical: 6, warning: 3, info: 1 },
};
const ACK_GRACE_MS = 15 * 60_000;
const ACK_MAX_POINTS = 10;
/** Acknowledgement points grow linearly from the grace period to this delay. */
const ACK_FULL_MS = 4 * 3_600_000;
const RESOLVE_GRACE_MS = 24 * 3_600_000;
const RESOLVE_MAX_POINTS = 5;
const RESOLVE_FULL_MS = 7 * 86_400_000;
const WARNING_LEAD_MS = 10 * 60_000;
const WARNING_WINDOW_MS = 24 * 3_600_000;

export interface HealthEvent {
  eventId: string;
  kind: string;
  subkind: string;
  severity: string;
  startMs: number;
}
export interface HealthIncident {
  incidentId: string;
  kind: string;
  openedAtMs: number;
  acknowledgedAtMs: number | null;
  resolvedAtMs: number | null;
}
export interface HealthFeedback {
  feedbackId: string;
  kind: string;
  score: number | null;
  tsMs: number;
}
export interface HealthInputs {
  deviceId: string;
  events: readonly HealthEvent[];
  incidents: readonly HealthIncident[];
  feedback: readonly HealthFeedback[];
}

export const HealthPartSchema = Type.Object({
  part: Type.Union([
    Type.Literal('base'),
    Type.Literal('moment'),
    Type.Literal('acknowledgement'),
    Type.Literal('resolution'),
    Type.Literal('warned_in_time'),
    Type.Literal('feedback'),
    Type.Literal('bounds'),
  ]),
  points: Type.Number(),
  ref: Type.Union([Type.String(), Type.Null()]),
  detail: Type.String(),
  ageDays: Type.Union([Type.Number(), Type.Null()]),
});
export type HealthPart = Static<typeof HealthPartSchema>;

export const JourneyHealthSchema = Type.Object({
  deviceId: Type.String(),
  atMs: Type.Number(),
  score: Type.Number(),
  band: Type.Union([Type.Literal('good'), Type.Literal('watch'), Type.Literal('at_risk')]),
  parts: Type.Array(HealthPartSchema),
});
export type JourneyHealth = Static<typeof JourneyHealthSchema>;

const round2 = (v: number) => Math.round(v * 100) / 100;
const recency = (ageMs: number) => 0.5 ** (ageMs / (HALF_LIFE_DAYS * 86_400_000));
const ramp = (delayMs: number, graceMs: number, fullMs: number, max: number) => (delayMs <= graceMs ? 0 : max * Math.min(1, (delayMs - graceMs) / (fullMs - graceMs)));

function feedbackPoints(f: HealthFeedback): { points: number; detail: string } | null {
  if (f.kind === 'nps' && f.score !== null) {
    if (f.score >= 9) return { points: 3, detail: `NPS ${f.score} (promoter)` };
    if (f.score >= 7) return { points: -2, detail: `NPS ${f.score} (passive)` };
    return { points: -8, detail: `NPS ${f.score} (detractor)` };
  }
  if (f.kind === 'csat' && f.score !== null) {
    if (f.score <= 2) return { points: -5, detail: `CSAT ${f.score}` };
    if (f.score >= 4) return { points: 2, detail: `CSAT ${f.score}` };
    return null;
  }
  if (f.kind === 'ticket') return { points: -4, detail: 'support ticket' };
  if (f.kind === 'review' && f.score !== null && f.score <= 2) return { points: -4, detail: `review ${f.score}★` };
  return null;
}

/** The score of one vehicle at `atMs` from what happened before it; parts sum to the score. */
export function journeyHealth(inputs: HealthInputs, atMs: number): JourneyHealth {
  const parts: HealthPart[] = [{ part: 'base', points: 100, ref: null, detail: 'start', ageDays: null }];
  const inRange = (t: number) => t <= atMs && atMs - t <= MAX_AGE_DAYS * 86_400_000;
  const ageDays = (t: number) => round2((atMs - t) / 86_400_000);
  const events = inputs.events.filter((e) => inRange(e.startMs));
  const predicted = events.filter((e) => e.kind === 'charge_shortfall' && e.subkind === 'predicted_shortfall');
  for (const e of events) {
    if (e.kind === 'charge_shortfall' && e.subkind === 'predicted_shortfall') continue; // a warning, not a moment
    const weight = MOMENT_WEIGHT[e.kind]?.[e.severity] ?? 0;
    if (weight === 0) continue;
    const points = round2(-weight * recency(atMs - e.startMs));
    parts.push({ part: 'moment', points, ref: e.eventId, detail: `${e.kind}/${e.subkind} (${e.severity})`, ageDays: ageDays(e.startMs) });
    if (e.kind === 'charge_shortfall' && (e.subkind === 'stranded' || e.subkind === 'arrived_below_reserve')) {
      const warned = predicted.find((w) => w.startMs <= e.startMs - WARNING_LEAD_MS && w.startMs >= e.startMs - WARNING_WINDOW_MS);
      if (warned) parts.push({ part: 'warned_in_time', points: round2(-points / 2), ref: warned.eventId, detail: `warned ${Math.round((e.startMs - warned.startMs) / 60_000)} min before`, ageDays: ageDays(warned.startMs) });
    }
  }
  for (const i of inputs.incidents.filter((x) => inRange(x.openedAtMs))) {
    const w = recency(atMs - i.openedAtMs);
    const ackDelay = (i.acknowledgedAtMs !== null && i.acknowledgedAtMs <= atMs ? i.acknowledgedAtMs : atMs) - i.openedAtMs;
    const ack = round2(-ramp(ackDelay, ACK_GRACE_MS, ACK_FULL_MS, ACK_MAX_POINTS) * w);
    if (ack !== 0) parts.push({ part: 'acknowledgement', points: ack, ref: i.incidentId, detail: `${i.acknowledgedAtMs === null || i.acknowledgedAtMs > atMs ? 'not acknowledged' : 'acknowledged'} after ${Math.round(ackDelay / 60_000)} min`, ageDays: ageDays(i.openedAtMs) });
    const resolveDelay = (i.resolvedAtMs !== null && i.resolvedAtMs <= atMs ? i.resolvedAtMs : atMs) - i.openedAtMs;
    const res = round2(-ramp(resolveDelay, RESOLVE_GRACE_MS, RESOLVE_FULL_MS, RESOLVE_MAX_POINTS) * w);
    if (res !== 0) parts.push({ part: 'resolution', points: res, ref: i.incidentId, detail: `${i.resolvedAtMs === null || i.resolvedAtMs > atMs ? 'not resolved' : 'resolved'} after ${round2(resolveDelay / 3_600_000)} h`, ageDays: ageDays(i.openedAtMs) });
  }
  for (const f of inputs.feedback.filter((x) => inRange(x.tsMs))) {
    const fp = feedbackPoints(f);
    if (!fp) continue;
    const points = round2(fp.points * recency(atMs - f.tsMs));
    if (points !== 0) parts.push({ part: 'feedback', points, ref: f.feedbackId, detail: fp.detail, ageDays: ageDays(f.tsMs) });
  }
  // Sum in hundredths (integers) so the parts add up to the score exactly.
  const raw = parts.reduce((sum, p) => sum + Math.round(p.points * 100), 0) / 100;
  if (raw < 0 || raw > 100) parts.push({ part: 'bounds', points: round2(raw < 0 ? -raw : 100 - raw), ref: null, detail: raw < 0 ? 'floor at 0' : 'ceiling at 100', ageDays: null });
  const score = parts.reduce((sum, p) => sum + Math.round(p.points * 100), 0) / 100;
  return { deviceId: inputs.deviceId, atMs, score, band: score < AT_RISK_BELOW ? 'at_risk' : score < WATCH_BELOW ? 'watch' : 'good', parts };
}
