import { randomUUID } from 'node:crypto';
import type { FeedbackKind, FeedbackRecord } from '../domain/feedback/feedback-record.ts';
import { isRejection, validateFeedbackRow } from '../domain/feedback/validate-feedback-row.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import { listFeedback, writeFeedbackBatch, type FeedbackQuery } from '../store/feedback-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { readFeedbackRows } from './read-feedback-rows.ts';

export interface FeedbackImport {
  text: string;
  format: 'csv' | 'ndjson';
  source: string;
  deviceId?: string | undefined;
  kind?: FeedbackKind | undefined;
  delimiter?: string | undefined;
}

export interface FeedbackSummary {
  batchId: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: { row: number; field: string; reason: string }[];
}

const MAX_ERRORS_LISTED = 100;

/** Customer feedback: imported like telemetry (bad rows quarantined, batches whole), listed per device. */
export class FeedbackService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  /** Phases: read rows → validate each (bad ones kept aside with row and field) → one transaction. */
  async import(input: FeedbackImport): Promise<FeedbackSummary> {
    const nowMs = this.store.now();
    const { rows, rejections } = readFeedbackRows(input.text, input.format, input.delimiter);
    const records: FeedbackRecord[] = [];
    const bad: RowRejection[] = rejections.map((r) => ({ ...r, deviceId: input.deviceId }));
    for (const r of rows) {
      const v = validateFeedbackRow(r.row, r.rowNumber, r.raw, { nowMs, deviceId: input.deviceId, kind: input.kind });
      if (isRejection(v)) bad.push(v);
      else records.push(v);
    }
    bad.sort((a, b) => a.row - b.row);
    const batchId = randomUUID();
    const written = await this.store.writeLock.run(() =>
      this.store.withConnection((conn) => writeFeedbackBatch(conn, { batchId, source: input.source, format: `feedback-${input.format}`, records, rejections: bad, nowMs })),
    );
    return { batchId, ...written, rejected: bad.length, errors: bad.slice(0, MAX_ERRORS_LISTED).map(({ row, field, reason }) => ({ row, field, reason })) };
  }

  async list(q: FeedbackQuery): Promise<FeedbackRecord[]> {
    return this.store.withConnection((conn) => listFeedback(conn, q));
  }
}
