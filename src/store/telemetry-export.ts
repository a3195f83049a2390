import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordBatchFileWriter, RecordBatchStreamWriter } from 'apache-arrow';
import { COLUMN_NAMES, TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';
import { telemetryColumnsToArrow } from './arrow-encoding.ts';
import { readTelemetryColumns } from './telemetry-repository.ts';
import type { TelemetryStore } from './telemetry-store.ts';

/** `arrow` is the Arrow IPC file format (random access, what pyarrow.ipc.open_file and DuckDB read); `arrows` the stream format. */
export type ExportFormat = 'parquet' | 'csv' | 'arrow' | 'arrows' | 'ndjson';

export interface ExportQuery {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  format: ExportFormat;
  /** Columns left out (an analyst's export has no positions). */
  omitColumns?: readonly string[] | undefined;
}

const ARROW_PAGE_ROWS = 200_000;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * The selected columns; for CSV in the form our own CSV ingest reads back (ISO 8601 with Z, lists
 * joined by '|'). Names come from the schema, never from the request.
 */
function selectSql(q: ExportQuery): string {
  const omit = new Set(q.omitColumns ?? []);
  return TELEMETRY_COLUMNS.filter((c) => !omit.has(c.name)).map((c) => {
    // Parquet's ts is a TIMESTAMPTZ, so readers see it marked UTC (isAdjustedToUTC) instead of a local wall-clock time.
    if (c.kind === 'timestamp' && q.format === 'parquet') return `timezone('UTC', ts) AS ts`;
    // CSV and NDJSON in the form our own ingest reads back: ISO 8601 with Z; CSV lists joined by '|'.
    if (c.kind === 'timestamp' && (q.format === 'csv' || q.format === 'ndjson')) return `strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts`;
    if (c.kind === 'text_list' && q.format === 'csv') return `array_to_string(${c.name}, '|') AS ${c.name}`;
    return c.name;
  }).join(', ');
}

const isArrow = (format: ExportFormat): boolean => format === 'arrow' || format === 'arrows';

/** Parquet, CSV and NDJSON are written by DuckDB itself (COPY streams; nothing is held in JS). The range is bound, not spliced. */
async function copyTo(store: TelemetryStore, q: ExportQuery, outPath: string): Promise<number> {
  const options = q.format === 'csv' ? '(FORMAT csv, HEADER true)' : q.format === 'ndjson' ? '(FORMAT json)' : '(FORMAT parquet, COMPRESSION zstd)';
  const sql = `COPY (SELECT ${selectSql(q)} FROM telemetry WHERE device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT)) ORDER BY ts)
    TO ${literal(outPath)} ${options}`;
  const bounds = [q.deviceId, Math.trunc(q.fromMs ?? -8.64e15), Math.trunc(q.toMs ?? 8.64e15)];
  const result = await store.withConnection((conn) => conn.runAndReadAll(sql, bounds));
  return Number(result.getRows()[0]?.[0] ?? 0);
}

const keptColumns = (q: ExportQuery) => (q.omitColumns ? COLUMN_NAMES.filter((c) => !q.omitColumns!.includes(c)) : undefined);

/** Arrow IPC (file or stream format), written page by page (keyset on ts) so a long history is never loaded whole. */
function arrowPages(store: TelemetryStore, q: ExportQuery, counter: { rows: number }): Readable {
  const writer = q.format === 'arrow' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const out = writer.toNodeStream();
  void (async () => {
    try {
      let from = q.fromMs;
      for (;;) {
        const page = await store.withConnection((conn) => readTelemetryColumns(conn, { deviceId: q.deviceId, fromMs: from, toMs: q.toMs, limit: ARROW_PAGE_ROWS, columns: keptColumns(q) }));
        if (page.length > 0 || counter.rows === 0) writer.write(telemetryColumnsToArrow(page));
        counter.rows += page.length;
        if (page.length < ARROW_PAGE_ROWS) break;
        from = page.tsMs[page.length - 1]! + 1;
      }
      writer.finish();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}

/** Writes a device's telemetry over a range to a file. */
export async function exportTelemetry(store: TelemetryStore, q: ExportQuery & { outPath: string }): Promise<{ rows: number }> {
  if (!isArrow(q.format)) return { rows: await copyTo(store, q, q.outPath) };
  const counter = { rows: 0 };
  await pipeline(arrowPages(store, q, counter), createWriteStream(q.outPath));
  return counter;
}

/** The same export as a byte stream (HTTP downloads); Parquet/CSV go through a temporary file DuckDB writes. */
export function exportTelemetryStream(store: TelemetryStore, q: ExportQuery): Readable {
  if (isArrow(q.format)) return arrowPages(store, q, { rows: 0 });
  const out = new PassThrough();
  const dir = mkdtempSync(join(tmpdir(), 'telltale-export-'));
  const path = join(dir, `export.${q.format}`);
  void copyTo(store, q, path)
    .then(() => pipeline(createReadStream(path), out))
    .catch((err: Error) => out.destroy(err))
    .finally(() => rmSync(dir, { recursive: true, force: true }));
  return out;
}
