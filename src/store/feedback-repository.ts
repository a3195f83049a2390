import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeedbackKind, FeedbackRecord } from '../domain/feedback/feedback-record.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import { inTransaction } from './in-transaction.ts';

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;

export interface FeedbackBatch {
  batchId: string;
  source: string;
  format: string;
  records: readonly FeedbackRecord[];
  rejections: readonly RowRejection[];
  nowMs: number;
}

/**
 * Stores a feedback batch whole or not at all, like telemetry: the good rows (a feedback id
 * already stored, or repeated in the batch, is a duplicate: the first one wins), the bad rows in
 * `quarantine` with their row number and field, and the batch record, in one transaction.
 */
export async function writeFeedbackBatch(conn: DuckDBConnection, b: FeedbackBatch): Promise<{ accepted: number; duplicates: number }> {
  return inTransaction(conn, async () => {
    await conn.run(
      `INSERT INTO ingest_batches (batch_id, source, format, status, started_at) VALUES ($1, $2, $3, 'running', ${ts('$4')})`,
      [b.batchId, b.source, b.format, b.nowMs],
    );
    await conn.run('CREATE OR REPLACE TEMP TABLE stage_feedback (feedback_id VARCHAR, device_id VARCHAR, ts TIMESTAMP, kind VARCHAR, score DOUBLE, channel VARCHAR, text VARCHAR, ord BIGINT)');
    const appender = await conn.createAppender('stage_feedback');
    try {
      b.records.forEach((r, i) => {
        appender.appendVarchar(r.feedbackId);
        appender.appendVarchar(r.deviceId);
        appender.appendVarchar(new Date(r.tsMs).toISOString());
        appender.appendVarchar(r.kind);
        if (r.score === null) appender.appendNull();
        else appender.appendDouble(r.score);
        if (r.channel === null) appender.appendNull();
        else appender.appendVarchar(r.channel);
        if (r.text === null) appender.appendNull();
        else appender.appendVarchar(r.text);
        appender.appendBigInt(BigInt(i));
        appender.endRow();
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const inserted = await conn.run(
      `INSERT INTO feedback
       SELECT feedback_id, device_id, ts, kind, score, channel, text, $1, ${ts('$2')}
       FROM (SELECT * FROM stage_feedback QUALIFY row_number() OVER (PARTITION BY feedback_id ORDER BY ord) = 1) s
       WHERE NOT EXISTS (SELECT 1 FROM feedback f WHERE f.feedback_id = s.feedback_id)`,
      [b.batchId, b.nowMs],
    );
    const accepted = inserted.rowsChanged;
    for (const r of b.rejections) {
      await conn.run(
        `INSERT INTO quarantine (batch_id, source, row_number, field, reason, raw_text, quarantined_at, device_id) VALUES ($1, $2, $3, $4, $5, $6, ${ts('$7')}, $8)`,
        [b.batchId, b.source, r.row, r.field, r.reason, r.raw, b.nowMs, r.deviceId ?? null],
      );
    }
    const duplicates = b.records.length - accepted;
    await conn.run(
      `UPDATE ingest_batches SET status = 'committed', received = $2, accepted = $3, duplicates = $4, rejected = $5, finished_at = ${ts('$6')} WHERE batch_id = $1`,
      [b.batchId, b.records.length + b.rejections.length, accepted, duplicates, b.rejections.length, b.nowMs],
    );
    await conn.run('DROP TABLE stage_feedback');
    return { accepted, duplicates };
  });
}

export interface FeedbackQuery {
  deviceId?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  kind?: FeedbackKind | undefined;
  limit?: number | undefined;
}

export async function listFeedback(conn: DuckDBConnection, q: FeedbackQuery): Promise<FeedbackRecord[]> {
  const reader = await conn.runAndReadAll(
    `SELECT feedback_id, device_id, epoch_ms(ts)::DOUBLE, kind, score, channel, text FROM feedback
     WHERE ($1 IS NULL OR device_id = $1) AND ts >= ${ts('$2')} AND ts < ${ts('$3')} AND ($4 IS NULL OR kind = $4)
     ORDER BY ts, feedback_id LIMIT $5`,
    [q.deviceId ?? null, q.fromMs ?? -8.64e15, q.toMs ?? 8.64e15, q.kind ?? null, q.limit ?? 10_000],
  );
  return reader.getRows().map((r) => ({
    feedbackId: String(r[0]),
    deviceId: String(r[1]),
    tsMs: Number(r[2]),
    kind: String(r[3]) as FeedbackKind,
    score: r[4] === null ? null : Number(r[4]),
    channel: r[5] === null ? null : String(r[5]),
    text: r[6] === null ? null : String(r[6]),
  }));
}
