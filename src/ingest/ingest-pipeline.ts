import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { localToUtcConverter, isValidTimeZone } from '../domain/local-time.ts';
import { validateChunk, type RowRejection } from '../domain/validate-chunk.ts';
import { StagedFileSet } from '../store/staged-file-set.ts';
import type { TouchedRange } from '../store/contract/ingest-batch.ts';
import { StagedIngest } from '../store/staged-ingest.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { parseMapOptions } from './column-mapping.ts';
import type { IngestSummary } from './ingest-summary.ts';
import { yieldToEventLoop } from './yield-to-event-loop.ts';
import { IngestError } from './ingest-error.ts';
import type { IngestSink, IngestTarget } from './ingest-target.ts';
import { findProfile, profileNames } from './profiles/profile-registry.ts';
import { COLUMN_NAMES } from '../domain/telemetry-schema.ts';
import { crashPoint } from '../pipeline/crash-point.ts';
import { readArrow } from './sources/arrow-source.ts';
import { readCsv } from './sources/csv-source.ts';
import { readNdjson } from './sources/ndjson-source.ts';
import { readParquet } from './sources/parquet-source.ts';
import type { TextEncodingName, SourceOptions, SourcePiece, TelemetryFormat } from './sources/source.ts';

export interface IngestRequest {
  /** A byte stream (HTTP body) or a file path (CLI). Parquet needs a path. */
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | { path: string };
  format: TelemetryFormat;
  /** Where the data came from, recorded with the batch and its quarantined rows. */
  source: string;
  deviceId?: string | undefined;
  /** A fleet-scoped key's fleets: the batch is stored only if all its devices are registered in them. */
  fleets?: readonly string[] | undefined;
  profile?: string | undefined;
  tz?: string | undefined;
  maps?: readonly string[] | undefined;
  /** CSV field separator (default ','). */
  delimiter?: string | undefined;
  /** Text encoding of CSV/NDJSON: utf8 (default) or latin1. */
  encoding?: string | undefined;
  /** The ts column is relative time from this instant (ISO 8601 with a zone, or epoch ms): seconds unless --map ts=COL:ms|us. */
  start?: string | undefined;
  onProgress?: (progress: { bytes: number; rows: number }) => void;
  /** Told, after the commit, which devices and time ranges gained rows. */
  onCommitted?: (touched: TouchedRange[]) => void;
}


export const MAX_ERRORS_IN_SUMMARY = 100;
/** Bad rows kept in the quarantine table per batch; the rest are counted (quarantineDropped), not stored: 200,000 bad rows made 200,000 quarantine rows. */
export const MAX_QUARANTINE_PER_BATCH = 10_000;

function pieces(request: IngestRequest, options: SourceOptions, conn?: Parameters<typeof readParquet>[1]): AsyncGenerator<SourcePiece> {
  if (request.format === 'parquet') {
    if (!('path' in request.input)) throw new IngestError('UNKNOWN_FORMAT', 'Parquet is taken from a file (telltale ingest), not from a stream');
    return readParquet(request.input.path, conn!, options);
  }
  let bytes: AsyncIterable<Uint8Array>;
  if ('path' in request.input) {
    const path = request.input.path;
    if (!existsSync(path)) throw new IngestError('FILE_NOT_FOUND', `${path}: no such file`);
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    bytes = path.toLowerCase().endsWith('.gz') ? file.pipe(createGunzip()) : file;
  } else {
    const input = request.input;
    bytes = Symbol.asyncIterator in input ? input : (async function* () { yield* input; })();
  }
  switch (request.format) {
    case 'csv':
      return readCsv(bytes, options);
    case 'ndjson':
      return readNdjson(bytes, options);
    case 'arrow':
      return readArrow(bytes, options);
  }
}

/**
 * The columns of a CSV file's header when it can take DuckDB's own reader: plain names, LF line
 * ends, not compressed (anything else is read the streaming way). undefined: stream it.
 */
function plainCsvHeader(path: string): string[] | undefined {
  if (path.toLowerCase().endsWith('.gz') || !existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    const line = text.slice(0, end);
    return /^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/.test(line) ? line.split(',') : undefined;
  } finally {
    closeSync(fd);
  }
}

/** --delimiter, --encoding and --start, checked once for the whole batch. */
function readShapeOptions(request: IngestRequest): { delimiter?: string; encoding?: TextEncodingName; startMs?: number; custom: boolean } {
  const out: { delimiter?: string; encoding?: TextEncodingName; startMs?: number; custom: boolean } = { custom: false };
  if (request.delimiter !== undefined) {
    const d = request.delimiter === '\\t' || request.delimiter === 'tab' ? '\t' : request.delimiter;
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') throw new IngestError('BAD_REQUEST', `delimiter '${request.delimiter}': one character such as ';', '|' or tab`);
    out.delimiter = d;
    out.custom ||= d !== ',';
  }
  if (request.encoding !== undefined) {
    const e = request.encoding.toLowerCase().replace(/[-_]/g, '');
    const name = e === 'utf8' ? 'utf8' : e === 'latin1' || e === 'iso88591' || e === 'windows1252' || e === 'cp1252' ? 'latin1' : undefined;
    if (!name) throw new IngestError('BAD_ENCODING', `encoding '${request.encoding}': utf8 or latin1`);
    out.encoding = name;
    out.custom ||= name !== 'utf8';
  }
  if (request.start !== undefined) {
    const text = request.start.trim();
    const ms = /^\d+$/.test(text) ? Number(text) : /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
    if (!Number.isFinite(ms)) throw new IngestError('BAD_REQUEST', `start '${request.start}': an ISO 8601 time with a zone (2024-05-01T08:00:00Z) or epoch ms`);
    out.startMs = ms;
    out.custom = true;
  }
  return out;
}

/** Decompression failures surface from inside a source; they are the input's fault, not ours. */
function asIngestError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) return new IngestError('MALFORMED', `the gzip stream is corrupt or truncated (${code})`);
  return err;
}

/** What a read shares, whatever the store: the profile, zone and shape checked, and the source options. */
interface PreparedIngest {
  profile: ReturnType<typeof findProfile>;
  tz: string | undefined;
  localToUtc: ((ms: number) => number) | undefined;
  shape: ReturnType<typeof readShapeOptions>;
  options: SourceOptions;
  /** Filled as the source is read: the mapping's ignored columns, bytes and rows so far. */
  progress: { ignoredColumns: string[]; bytes: number; rows: number };
}

function prepareIngest(request: IngestRequest): PreparedIngest {
  const profile = request.profile ? findProfile(request.profile) : undefined;
  if (request.profile && !profile) {
    throw new IngestError('UNKNOWN_PROFILE', `unknown profile '${request.profile}' (known: ${profileNames().join(', ')})`);
  }
  const tz = request.tz ?? profile?.defaultTz;
  if (tz && !isValidTimeZone(tz)) throw new IngestError('BAD_TIME_ZONE', `unknown time zone '${tz}' (use an IANA name such as Europe/Paris, or an offset such as +01:00)`);
  const localToUtc = tz ? localToUtcConverter(tz) : undefined;
  const shape = readShapeOptions(request);
  const progress = { ignoredColumns: [] as string[], bytes: 0, rows: 0 };
  const options: SourceOptions = {
    profile,
    overrides: parseMapOptions(request.maps ?? []),
    fieldContext: { localToUtc: localToUtc ?? ((ms) => ms), startMs: shape.startMs },
    delimiter: shape.delimiter,
    encoding: shape.encoding,
    onMapping: (m) => { progress.ignoredColumns = m.ignoredColumns; },
    onBytes: (b) => {
      progress.bytes = b;
      request.onProgress?.({ bytes: progress.bytes, rows: progress.rows });
    },
  };
  return { profile, tz, localToUtc, shape, options, progress };
}

/**
 * One ingest, whatever the front door:
 *   parse (format source) → map columns and units (profile, --map) → validate (schema) →
 *   stage (temp tables) → de-duplicate and write in one transaction → report.
 * A batch-level problem (unknown profile, empty input, wrong encoding) stores nothing and throws an
 * IngestError; bad rows are quarantined and the good rows of the same batch are stored.
 */
export async function ingest(store: TelemetryStore, request: IngestRequest): Promise<IngestSummary> {
  const prepared = prepareIngest(request);
  const { profile, tz, shape } = prepared;
  const staged = await StagedIngest.begin(store, { source: request.source, format: request.format, profile: profile?.name, fleets: request.fleets });
  // A file in the schema's own columns goes through DuckDB's own reader when every row is good;
  // a file with a bad row is streamed instead, so each bad row is quarantined with its reason.
  if ('path' in request.input && !profile && !tz && !shape.custom && (request.maps ?? []).length === 0 && (request.format === 'parquet' || request.format === 'csv')) {
    const header = request.format === 'csv' ? plainCsvHeader(request.input.path) : [];
    const fast = header && await staged.stageFile({
      path: request.input.path, format: request.format, columns: header.map((name) => ({ name, type: 'VARCHAR' })), deviceId: request.deviceId, nowMs: store.now(),
    }).catch(async (err: unknown) => {
      await staged.abort((err as Error).message);
      throw err;
    });
    if (fast) {
      request.onProgress?.({ bytes: 0, rows: fast.rows });
      return commitAndSummarise(staged, request, [], fast.columns.filter((c) => !(COLUMN_NAMES as readonly string[]).includes(c)));
    }
  }
  const parquetConn = request.format === 'parquet' ? await store.connect() : undefined;
  try {
    return await streamInto(staged, request, prepared, () => store.now(), parquetConn);
  } finally {
    parquetConn?.closeSync();
  }
}

/** Files per read_csv of ingestFiles, and their bytes: a set is one transaction, so it is kept to a size a commit holds easily. */
const MAX_FILES_PER_SET = 256;
const MAX_BYTES_PER_SET = 256 * 1024 * 1024;

/** Whether a request is a plain CSV file in the schema's own columns (the only kind read as a set), and its header. */
function plainCsvFile(request: IngestRequest): string[] | undefined {
  if (!('path' in request.input) || request.format !== 'csv' || request.profile || request.tz || (request.maps ?? []).length > 0) return undefined;
  if (request.delimiter !== undefined || request.encoding !== undefined || request.start !== undefined || request.fleets) return undefined;
  const header = plainCsvHeader(request.input.path);
  // read_csv's own filename column would shadow a column of that name.
  return header && !header.includes('filename') ? header : undefined;
}

/**
 * Several files, each its own batch, with their results in order. Runs of plain CSV files with one
 * header and one --device are read together by one read_csv and committed in one transaction
 * (StagedFileSet) when every row passes; any other file, and every file of a run that does not
 * pass, is ingested alone by `ingest`, which quarantines each bad row with its reason. `onFile`
 * is told each file's summary once it is committed.
 */
export async function ingestFiles(store: TelemetryStore, requests: readonly IngestRequest[], onFile?: (index: number, summary: IngestSummary) => void): Promise<IngestSummary[]> {
  const out: IngestSummary[] = [];
  const one = async (ix: number) => {
    const summary = await ingest(store, requests[ix]!);
    out.push(summary);
    onFile?.(ix, summary);
  };
  let ix = 0;
  while (ix < requests.length) {
    const header = plainCsvFile(requests[ix]!);
    const run: number[] = [ix];
    if (header) {
      let bytes = statSync((requests[ix]!.input as { path: string }).path).size;
      for (let k = ix + 1; k < requests.length && run.length < MAX_FILES_PER_SET; k++) {
        const next = requests[k]!;
        const h = plainCsvFile(next);
        if (!h || h.join(',') !== header.join(',') || next.deviceId !== requests[ix]!.deviceId) break;
        bytes += statSync((next.input as { path: string }).path).size;
        if (bytes > MAX_BYTES_PER_SET) break;
        run.push(k);
      }
    }
    if (run.length < 2 || !header) {
      await one(ix);
      ix += 1;
      continue;
    }
    const group = run.map((k) => requests[k]!);
    const set = await StagedFileSet.stage(
      store,
      group.map((r) => ({ source: r.source, format: 'csv' })),
      { paths: group.map((r) => (r.input as { path: string }).path), columns: header.map((name) => ({ name, type: 'VARCHAR' })), deviceId: group[0]!.deviceId, nowMs: store.now() },
    );
    if (!set) {
      for (const k of run) await one(k);
    } else {
      await crashPoint('ingest:before-commit');
      const counts = await set.commit();
      const ignoredColumns = header.filter((c) => !(COLUMN_NAMES as readonly string[]).includes(c));
      counts.forEach((c, k) => {
        const request = group[k]!;
        if (c.touched.length > 0) request.onCommitted?.(c.touched);
        request.onProgress?.({ bytes: 0, rows: set.stagedRows[k]! });
        const summary: IngestSummary = {
          batchId: c.batchId, source: request.source, accepted: c.accepted, duplicates: c.duplicates,
          rejected: 0, quarantineDropped: 0, errors: [], ignoredColumns,
        };
        out.push(summary);
        onFile?.(run[k]!, summary);
      });
    }
    ix = run.at(-1)! + 1;
  }
  return out;
}

/**
 * The same ingest into any backend of the storage contract (src/store/contract): parse → map →
 * validate as above, each batch held by the sink until its one append. Parquet and DuckDB's own
 * file reader are the DuckDB store's alone; here every format streams through the validator.
 */
export async function ingestTo(target: IngestTarget, request: IngestRequest): Promise<IngestSummary> {
  if (request.format === 'parquet') throw new IngestError('UNKNOWN_FORMAT', 'Parquet is read by DuckDB: ingest it into the DuckDB store, or send CSV, NDJSON or Arrow');
  const prepared = prepareIngest(request);
  const staged = await target.begin({ source: request.source, format: request.format, profile: prepared.profile?.name });
  return streamInto(staged, request, prepared, () => target.now(), undefined);
}

/** Streams the source through validation into the batch, quarantining bad rows, then commits. */
async function streamInto(
  staged: IngestSink,
  request: IngestRequest,
  { options, localToUtc, progress }: PreparedIngest,
  now: () => number,
  parquetConn: Parameters<typeof readParquet>[1] | undefined,
): Promise<IngestSummary> {
  const errors: RowRejection[] = [];
  let quarantined = 0;
  let quarantineDropped = 0;
  try {
    for await (const piece of pieces(request, options, parquetConn)) {
      const rejections = piece.rejections.map((r) => (r.deviceId === undefined && request.deviceId !== undefined ? { ...r, deviceId: request.deviceId } : r));
      if (piece.chunk) {
        const validated = validateChunk(piece.chunk, { nowMs: now(), deviceId: request.deviceId, localToUtc });
        rejections.push(...validated.rejections);
        await staged.append(validated.batch);
        progress.rows += piece.chunk.length;
      }
      progress.rows += piece.rejections.length;
      if (rejections.length) {
        rejections.sort((a, b) => a.row - b.row);
        for (const r of rejections) if (errors.length < MAX_ERRORS_IN_SUMMARY) errors.push(r);
        const kept = rejections.slice(0, Math.max(0, MAX_QUARANTINE_PER_BATCH - quarantined));
        quarantined += kept.length;
        quarantineDropped += rejections.length - kept.length;
        await staged.reject(kept);
      }
      request.onProgress?.({ bytes: progress.bytes, rows: progress.rows });
      await yieldToEventLoop();
    }
  } catch (err) {
    const failure = asIngestError(err);
    await staged.abort((failure as Error).message);
    throw failure;
  }
  return commitAndSummarise(staged, request, errors, progress.ignoredColumns, quarantineDropped);
}

async function commitAndSummarise(staged: IngestSink, request: IngestRequest, errors: RowRejection[], ignoredColumns: string[], quarantineDropped = 0): Promise<IngestSummary> {
  await crashPoint('ingest:before-commit');
  const counts = await staged.commit();
  if (counts.touched.length > 0) request.onCommitted?.(counts.touched);
  return {
    batchId: counts.batchId,
    source: request.source,
    accepted: counts.accepted,
    duplicates: counts.duplicates,
    rejected: counts.rejected + quarantineDropped,
    quarantineDropped,
    errors: errors.map(({ row, field, reason }) => ({ row, field, reason })),
    ignoredColumns,
  };
}
