import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';

/**
 * Customer feedback beside the logs: a survey score (NPS 0–10, CSAT 1–5), a support ticket or an
 * app review, from a device's driver at a time, through a channel, with its text.
 */
export const FeedbackKindSchema = Type.Union([Type.Literal('nps'), Type.Literal('csat'), Type.Literal('ticket'), Type.Literal('review')]);
export type FeedbackKind = Static<typeof FeedbackKindSchema>;
export const FEEDBACK_KINDS: readonly FeedbackKind[] = ['nps', 'csat', 'ticket', 'review'];

export const FeedbackRecordSchema = Type.Object({
  feedbackId: Type.String({ description: "The file's id column, or a hash of device, time, kind and text: the same row sent twice is stored once" }),
  deviceId: Type.String(),
  tsMs: Type.Number(),
  kind: FeedbackKindSchema,
  /** NPS 0–10, CSAT 1–5, review stars 1–5; a ticket may carry none. */
  score: Type.Union([Type.Number(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
});
export type FeedbackRecord = Static<typeof FeedbackRecordSchema>;

/** Score ranges per kind; `required` kinds reject a row without a score. */
export const SCORE_RULES: Record<FeedbackKind, { min: number; max: number; integer: boolean; required: boolean }> = {
  nps: { min: 0, max: 10, integer: true, required: true },
  csat: { min: 1, max: 5, integer: true, required: true },
  review: { min: 1, max: 5, integer: false, required: false },
  ticket: { min: 0, max: 10, integer: false, required: false },
};

export function feedbackId(deviceId: string, tsMs: number, kind: FeedbackKind, text: string | null): string {
  return createHash('sha1').update(`${deviceId}\u0000${tsMs}\u0000${kind}\u0000${text ?? ''}`).digest('hex').slice(0, 20);
}

/** NPS groups: promoters 9–10, passives 7–8, detractors 0–6 (Reichheld's definition). */
export const isPromoter = (score: number) => score >= 9;
export const isDetractor = (score: number) => score <= 6;
