import { parse } from 'csv-parse/sync';
import type { RowRejection } from '../domain/validate-chunk.ts';

export interface FeedbackRow {
  rowNumber: number;
  row: Record<string, unknown>;
  raw: string;
}

/**
 * A feedback file's rows, numbered from 1 (the first data row; the CSV header is not a row), and
 * the rows that are not rows at all (a wrong field count, a line that is not JSON) as rejections.
 * Whole-file reads: feedback files are survey exports and ticket dumps, megabytes, not gigabytes.
 */
export function readFeedbackRows(text: string, format: 'csv' | 'ndjson', delimiter = ','): { rows: FeedbackRow[]; rejections: RowRejection[] } {
  const rows: FeedbackRow[] = [];
  const rejections: RowRejection[] = [];
  if (format === 'ndjson') {
    let n = 0;
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      n++;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        rows.push({ rowNumber: n, row: value as Record<string, unknown>, raw: line });
      } catch (err) {
        rejections.push({ row: n, field: '(row)', reason: `is not a JSON object (${(err as Error).message})`, raw: line.slice(0, 4096) });
      }
    }
    return { rows, rejections };
  }
  const records = parse(text.replace(/^\uFEFF/, ''), { delimiter, relax_column_count: true, skip_empty_lines: true, raw: true, relax_quotes: true }) as unknown as { record: string[]; raw: string }[];
  const [header, ...data] = records;
  if (!header) return { rows, rejections };
  data.forEach(({ record, raw }, i) => {
    const rowNumber = i + 1;
    if (record.length !== header.record.length) {
      rejections.push({ row: rowNumber, field: '(row)', reason: `has ${record.length} fields, the header ${header.record.length}`, raw: raw.slice(0, 4096) });
      return;
    }
    rows.push({ rowNumber, row: Object.fromEntries(header.record.map((h, k) => [h, record[k]])), raw: raw.replace(/\r?\n$/, '') });
  });
  return { rows, rejections };
}
