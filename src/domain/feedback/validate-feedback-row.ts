import { coerceNumber, coerceTimestamp, type RowRejection } from '../validate-chunk.ts';
import { FEEDBACK_KINDS, feedbackId, SCORE_RULES, type FeedbackKind, type FeedbackRecord } from './feedback-record.ts';

/** Column names a feedback file may use for each field (first match wins, case-insensitive). */
const ALIASES: Record<string, readonly string[]> = {
  id: ['id', 'feedback_id', 'ticket_id', 'response_id'],
  device_id: ['device_id', 'device', 'vin', 'vehicle'],
  ts: ['ts', 'time', 'timestamp', 'created_at', 'submitted_at'],
  kind: ['kind', 'type'],
  score: ['score', 'rating', 'nps', 'csat', 'stars'],
  channel: ['channel', 'source'],
  text: ['text', 'comment', 'body', 'message', 'review'],
};

export interface FeedbackContext {
  nowMs: number;
  /** For rows without a device column. */
  deviceId?: string | undefined;
  /** For rows without a kind column (a file of NPS answers, say). */
  kind?: FeedbackKind | undefined;
}

const MAX_TEXT = 10_000;

function pick(row: Record<string, unknown>, field: string): unknown {
  const keys = Object.keys(row);
  for (const alias of ALIASES[field]!) {
    const key = keys.find((k) => k.trim().toLowerCase() === alias);
    if (key !== undefined) return row[key];
  }
  return undefined;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * One row of a feedback file (CSV cells or an NDJSON object) → a record, or the first problem with
 * its field: the caller quarantines the row with its number and keeps going.
 */
export function validateFeedbackRow(row: Record<string, unknown>, rowNumber: number, raw: string, ctx: FeedbackContext): FeedbackRecord | RowRejection {
  const deviceRaw = pick(row, 'device_id');
  const deviceId = blank(deviceRaw) ? ctx.deviceId : String(deviceRaw).trim();
  const reject = (field: string, reason: string): RowRejection => ({ row: rowNumber, field, reason, raw: raw.slice(0, 4096), deviceId: deviceId || undefined });
  if (!deviceId) return reject('device_id', 'is missing (add a device_id column or pass --device/?device=)');
  if (deviceId.length > 128) return reject('device_id', 'is longer than 128 characters');
  const ts = coerceTimestamp(pick(row, 'ts'), { nowMs: ctx.nowMs });
  if (!ts.ok) return reject('ts', ts.reason);
  const kindRaw = pick(row, 'kind');
  const kind = (blank(kindRaw) ? ctx.kind : String(kindRaw).trim().toLowerCase()) as FeedbackKind | undefined;
  if (!kind) return reject('kind', `is missing: one of ${FEEDBACK_KINDS.join(', ')}`);
  if (!FEEDBACK_KINDS.includes(kind)) return reject('kind', `'${String(kindRaw)}' is not one of ${FEEDBACK_KINDS.join(', ')}`);
  const rule = SCORE_RULES[kind];
  const scoreRaw = pick(row, 'score');
  const n = coerceNumber(scoreRaw);
  if (!n.ok) return reject('score', n.reason);
  let score: number | null = Number.isNaN(n.value) ? null : n.value;
  if (score === null && rule.required) return reject('score', `is missing: a ${kind} answer needs a score ${rule.min}–${rule.max}`);
  if (score !== null) {
    if (score < rule.min || score > rule.max) return reject('score', `${score} is outside ${rule.min}–${rule.max} for ${kind}`);
    if (rule.integer && !Number.isInteger(score)) return reject('score', `${score} is not a whole number (${kind} is ${rule.min}–${rule.max})`);
  }
  const textRaw = pick(row, 'text');
  const text = blank(textRaw) ? null : String(textRaw);
  if (text !== null && text.length > MAX_TEXT) return reject('text', `is longer than ${MAX_TEXT} characters`);
  const channelRaw = pick(row, 'channel');
  const channel = blank(channelRaw) ? null : String(channelRaw).trim().slice(0, 64);
  const idRaw = pick(row, 'id');
  const id = blank(idRaw) ? feedbackId(deviceId, ts.value, kind, text) : String(idRaw).trim().slice(0, 128);
  score = score === null ? null : score;
  return { feedbackId: id, deviceId, tsMs: ts.value, kind, score, channel, text };
}

export const isRejection = (v: FeedbackRecord | RowRejection): v is RowRejection => 'reason' in v;
