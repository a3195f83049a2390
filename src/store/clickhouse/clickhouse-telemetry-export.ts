import { RecordBatchStreamWriter } from 'apache-arrow';
import { COLUMN_NAMES, columnDef, type NumberColumnName, type TextListColumnName } from '../../domain/telemetry-schema.ts';
import { telemetryColumnsToArrow } from '../arrow-encoding.ts';
import type { TextExportFormat } from '../contract/telemetry-log.ts';
import type { TelemetryColumns } from '../telemetry-repository.ts';

/**
 * Exports built in JS from column reads: 18.16 writes neither Arrow nor Parquet, and CSV/NDJSON
 * must be byte-for-byte what the DuckDB backend writes (our own ingest reads them back).
 */
const PAGE_ROWS = 200_000;

const iso = (ms: number) => new Date(ms).toISOString();

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cellText(page: TelemetryColumns, column: string, i: number): string {
  const kind = columnDef(column)!.kind;
  if (kind === 'device') return page.deviceId;
  if (kind === 'timestamp') return iso(page.tsMs[i]!);
  if (kind === 'number') {
    const v = page.numbers[column as NumberColumnName]![i]!;
    // As DuckDB writes a DOUBLE: a whole number keeps its '.0'.
    return Number.isNaN(v) ? '' : Number.isInteger(v) ? `${v}.0` : String(v);
  }
  if (kind === 'text') return page.state![i] ?? '';
  return page.lists[column as TextListColumnName]![i]?.join('|') ?? '';
}

/** One cell as DuckDB's JSON writer spells it (a whole DOUBLE keeps its '.0'), so both backends export the same bytes. */
function cellJson(page: TelemetryColumns, column: string, i: number): string {
  const kind = columnDef(column)!.kind;
  if (kind === 'device') return JSON.stringify(page.deviceId);
  if (kind === 'timestamp') return JSON.stringify(iso(page.tsMs[i]!));
  if (kind === 'number') {
    const v = page.numbers[column as NumberColumnName]![i]!;
    return Number.isNaN(v) ? 'null' : Number.isInteger(v) ? `${v}.0` : String(v);
  }
  if (kind === 'text') return JSON.stringify(page.state![i] ?? null);
  return JSON.stringify(page.lists[column as TextListColumnName]![i] ?? null);
}

/** Pages of a device's range (keyset on ts) turned into one file's bytes. */
export async function exportFromPages(readPage: (fromMs: number | undefined, limit: number) => Promise<TelemetryColumns>, fromMs: number | undefined, format: TextExportFormat): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const writer = format === 'arrow' ? new RecordBatchStreamWriter() : undefined;
  if (format === 'csv') parts.push(encoder.encode(`${COLUMN_NAMES.join(',')}\n`));
  let from = fromMs;
  let total = 0;
  for (;;) {
    const page = await readPage(from, PAGE_ROWS);
    if (writer) {
      if (page.length > 0 || total === 0) writer.write(telemetryColumnsToArrow(page));
    } else {
      let text = '';
      for (let i = 0; i < page.length; i++) {
        if (format === 'csv') text += `${COLUMN_NAMES.map((c) => csvField(cellText(page, c, i))).join(',')}\n`;
        else text += `{${COLUMN_NAMES.map((c) => `${JSON.stringify(c)}:${cellJson(page, c, i)}`).join(',')}}\n`;
      }
      parts.push(encoder.encode(text));
    }
    total += page.length;
    if (page.length < PAGE_ROWS) break;
    from = page.tsMs[page.length - 1]! + 1;
  }
  if (writer) {
    writer.finish();
    parts.push(await writer.toUint8Array());
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
