import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordBatchFileWriter, RecordBatchStreamWriter } from 'apache-arrow';
import { TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';
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
}

const ARROW_PAGE_ROWS = 200_000;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const msLiteral = (ms: number | undefined, fallback: number): string => `epoch_ms(${Math.trunc(ms ?? fallback)})`;

/** CSV columns in the form our own CSV ingest reads back: ISO 8601 with Z, lists joined by '|'. */
function csvSelect(): string {
  return TELEMETRY_COLUMNS.map((c) => {
    if (c.kind === 'timestamp') return `strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts`;
    if (c.kind === 'text_list') return `array_to_string(${c.name}, '|') AS ${c.name}`;
    return c.name;
  }).join(', ');
}

/** NDJSON in the form our own NDJSON ingest reads back: ISO 8601 with Z, lists as JSON arrays. */
function ndjsonSelect(): string {
  return TELEMETRY_COLUMNS.map((c) => (c.kind === 'timestamp' ? `strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts` : c.name)).join(', ');
}

/** Parquet's ts is a TIMESTAMPTZ, so readers see it marked UTC (isAdjustedToUTC) instead of a local wall-clock time. */
const PARQUET_SELECT = `* REPLACE (timezone('UTC', ts) AS ts)`;

const isArrow = (format: ExportFormat): boolean => format === 'arrow' || format === 'arrows';

function rangeSql(q: ExportQuery): string {
  return `FROM telemetry WHERE device_id = ${literal(q.deviceId)} AND ts >= ${msLiteral(q.fromMs, -8.64e15)} AND ts < ${msLiteral(q.toMs, 8.64e15)} ORDER BY ts`;
}

/** Parquet, CSV and NDJSON are written by DuckDB itself (COPY streams; nothing is held in JS). */
async function copyTo(store: TelemetryStore, q: ExportQuery, outPath: string): Promise<number> {
  const select = q.format === 'csv' ? csvSelect() : q.format === 'ndjson' ? ndjsonSelect() : PARQUET_SELECT;
  const options = q.format === 'csv' ? '(FORMAT csv, HEADER true)' : q.format === 'ndjson' ? '(FORMAT json)' : '(FORMAT parquet, COMPRESSION zstd)';
  const result = await store.withConnection((conn) => conn.runAndReadAll(`COPY (SELECT ${select} ${rangeSql(q)}) TO ${literal(outPath)} ${options}`));
  return Number(result.getRows()[0]?.[0] ?? 0);
}

/** Arrow IPC (file or stream format), written page by page (keyset on ts) so a long history is never loaded whole. */
function arrowPages(store: TelemetryStore, q: ExportQuery, counter: { rows: number }): Readable {
  const writer = q.format === 'arrow' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const out = writer.toNodeStream();
  void (async () => {
    try {
      let from = q.fromMs;
      for (;;) {
        const page = await store.withConnection((conn) => readTelemetryColumns(conn, { deviceId: q.deviceId, fromMs: from, toMs: q.toMs, limit: ARROW_PAGE_ROWS }));
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
