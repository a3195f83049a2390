import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FeedbackKind } from '../domain/feedback/feedback-record.ts';
import type { FeedbackSummary } from '../feedback/feedback-service.ts';
import { withServices } from './with-services.ts';

export interface FeedbackImportOptions {
  db: string;
  format?: 'csv' | 'ndjson';
  device?: string;
  kind?: FeedbackKind;
  delimiter?: string;
  json?: boolean;
}

/** `telltale feedback import FILE…`: each file one batch; bad rows quarantined and listed. */
export async function runFeedbackImport(files: string[], options: FeedbackImportOptions): Promise<void> {
  const summaries: (FeedbackSummary & { file: string })[] = [];
  await withServices(options.db, {}, async ({ feedback: service }) => {
    for (const file of files) {
      const format = options.format ?? (/\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv');
      const summary = await service.import({ text: readFileSync(file, 'utf8'), format, source: basename(file), deviceId: options.device, kind: options.kind, delimiter: options.delimiter });
      summaries.push({ file, ...summary });
    }
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ files: summaries })}\n`);
    return;
  }
  for (const s of summaries) {
    process.stdout.write(`${s.file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected\n`);
    for (const e of s.errors.slice(0, 20)) process.stdout.write(`  row ${e.row} ${e.field}: ${e.reason}\n`);
  }
}
