import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordBatchStreamWriter } from 'apache-arrow';
import { COLUMN_NAMES, TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';
import { telemetryColumnsToArrow } from './arrow-encoding.ts';
import { readTelemetryColumns } from './telemetry-repository.ts';
import type { TelemetryStore } from './telemetry-store.ts';

export type ExportFormat = 'parquet' | 'csv' | 'arrow';

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
    if (q.format !== 'csv') return c.name;
    if (c.kind === 'timestamp') return `strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts`;
    if (c.kind === 'text_list') return `array_to_string(${c.name}, '|') AS ${c.name}`;
    return c.name;
  }).join(', ');
}

/** Parquet and CSV are written by DuckDB itself (COPY streams; nothing is held in JS). The range is bound, not spliced. */
async function copyTo(store: TelemetryStore, q: ExportQuery, outPath: string): Promise<number> {
  const options = q.format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)';
  const sql = `COPY (SELECT ${selectSql(q)} FROM telemetry WHERE device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT)) ORDER BY ts)
    TO ${literal(outPath)} ${options}`;
  const bounds = [q.deviceId, Math.trunc(q.fromMs ?? -8.64e15), Math.trunc(q.toMs ?? 8.64e15)];
  const result = await store.withConnection((conn) => conn.runAndReadAll(sql, bounds));
  return Number(result.getRows()[0]?.[0] ?? 0);
}

const keptColumns = (q: ExportQuery) => (q.omitColumns ? COLUMN_NAMES.filter((c) => !q.omitColumns!.includes(c)) : undefined);

/** Arrow IPC stream, written page by page (keyset on ts) so a long history is never loaded whole. */
function arrowPages(store: TelemetryStore, q: ExportQuery, counter: { rows: number }): Readable {
  const writer = new RecordBatchStreamWriter();
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
  if (q.format !== 'arrow') return { rows: await copyTo(store, q, q.outPath) };
  const counter = { rows: 0 };
  await pipeline(arrowPages(store, q, counter), createWriteStream(q.outPath));
  return counter;
}

/** The same export as a byte stream (HTTP downloads); Parquet/CSV go through a temporary file DuckDB writes. */
export function exportTelemetryStream(store: TelemetryStore, q: ExportQuery): Readable {
  if (q.format === 'arrow') return arrowPages(store, q, { rows: 0 });
  const out = new PassThrough();
  const dir = mkdtempSync(join(tmpdir(), 'telltale-export-'));
  const path = join(dir, `export.${q.format}`);
  void copyTo(store, q, path)
    .then(() => pipeline(createReadStream(path), out))
    .catch((err: Error) => out.destroy(err))
    .finally(() => rmSync(dir, { recursive: true, force: true }));
  return out;
}
