import { Type, type Static } from 'typebox';

/** The reply of every ingest, CLI `--json` and HTTP alike. */
export const IngestSummarySchema = Type.Object({
  batchId: Type.String({ description: 'Ingest batch id (see ingest_batches)' }),
  source: Type.String(),
  accepted: Type.Integer({ description: 'Rows stored' }),
  duplicates: Type.Integer({ description: 'Rows whose (device_id, ts) was already stored or repeated in the batch; nothing changed' }),
  rejected: Type.Integer({ description: 'Rows refused (bad values, wrong shape)' }),
  quarantineDropped: Type.Integer({ description: 'Refused rows past the per-batch quarantine cap (10,000): counted, not kept' }),
  errors: Type.Array(
    Type.Object({ row: Type.Integer({ description: '1-based data row (CSV: line = row + 1)' }), field: Type.String(), reason: Type.String() }),
    { description: 'The first 100 rejections; all are in the quarantine table' },
  ),
  ignoredColumns: Type.Array(Type.String(), { description: 'Source columns no schema column reads' }),
});
export type IngestSummary = Static<typeof IngestSummarySchema>;
