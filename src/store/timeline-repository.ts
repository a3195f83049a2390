import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { FineBucketAccumulator } from '../domain/timeline/fine-bucket-accumulator.ts';
import { fineBucketMs, MAX_FINE_BUCKET_MS, reduceFineBuckets, type FineBuckets } from '../domain/timeline/reduce-fine-buckets.ts';
import { readChunkColumns, type ChunkColumnMode } from './chunk-columns.ts';
import { MINUTE_MS, readMinuteBuckets } from './telemetry-minutes-repository.ts';
import { exactColumns, type TelemetryPage } from './telemetry-page-repository.ts';

export interface TimelineQuery {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  /** Output columns (schema order); the number columns among them are the channels whose extremes are kept. */
  columns: readonly ColumnName[];
  maxPoints: number;
}

export interface StoredTimeline {
  totalRows: number;
  reduced: boolean;
  page: TelemetryPage;
}

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;
const RANGE = 'device_id = $1 AND ts >= epoch_ms(CAST($2 AS BIGINT)) AND ts < epoch_ms(CAST($3 AS BIGINT))';
const NAN = "'NaN'::DOUBLE";

/**
 * The range reduced for a chart (domain/timeline/reduce-fine-buckets.ts), in two scans of the
 * clustered range inside one snapshot:
 *   1. the range summed up by DuckDB into fine buckets (a minute, or less for fine output buckets):
 *      first and last sample, count, and per channel arg_min/min/arg_max/max;
 *   2. the samples to keep picked from those in JS (a few thousand rows, not the range's samples);
 *   3. only those rows read back with the requested columns, and an all-NULL row put in the middle
 *      of every hole so chart lines break there.
 * A range with no more than maxPoints rows comes back whole (with the hole rows).
 *
 * Step 1 comes from the fastest source that has it: for a long range (fine buckets of a whole
 * minute) the pyramid of per-minute sums every commit keeps (telemetry-minutes-repository.ts; a
 * day is 1,440 rows); for a shorter one of number columns, one scan summed up as it streams; else
 * DuckDB's GROUP BY.
 */
export async function readTimeline(conn: DuckDBConnection, q: TimelineQuery, options: { pyramid?: boolean; oneScan?: boolean; maxHeldValues?: number } = {}): Promise<StoredTimeline> {
  const columns = exactColumns(q.columns);
  const lo = q.fromMs ?? FAR_PAST;
  const hi = q.toMs ?? FAR_FUTURE;
  const channels = columns.filter((c): c is NumberColumnName => columnDef(c)!.kind === 'number');
  await conn.run('BEGIN TRANSACTION');
  try {
    // A long range (fine buckets of a whole minute): its minutes read from the pyramid.
    if (options.pyramid !== false) {
      const timeline = await pyramidTimeline(conn, q, columns, channels, lo, hi);
      if (timeline) return timeline;
    }
    // Only number columns asked for (the usual chart): one scan summed up as it streams, and the
    // kept rows taken from what that scan read.
    if (options.oneScan !== false && columns.every((c) => ['device', 'timestamp', 'number'].includes(columnDef(c)!.kind))) {
      const timeline = await scanTimeline(conn, q, columns, channels, lo, hi, options.maxHeldValues ?? MAX_HELD_VALUES);
      if (timeline) return timeline;
    }
    let buckets = await readFineBuckets(conn, q.deviceId, lo, hi, channels, MAX_FINE_BUCKET_MS);
    let reduction = reduceFineBuckets(buckets, q.maxPoints);
    if (reduction.reduced) {
      const spanMs = buckets.lastMs.at(-1)! - buckets.firstMs[0]!;
      const fineMs = fineBucketMs(spanMs, q.maxPoints, channels.length);
      if (fineMs < MAX_FINE_BUCKET_MS) {
        buckets = await readFineBuckets(conn, q.deviceId, lo, hi, channels, fineMs);
        reduction = reduceFineBuckets(buckets, q.maxPoints);
      }
    }
    const page = await readRows(conn, q.deviceId, lo, hi, columns, reduction.keptMs);
    return { totalRows: reduction.totalRows, reduced: reduction.reduced, page: withHoleRows(page, reduction.gapMarkersMs) };
  } finally {
    await conn.run('COMMIT');
  }
}

/**
 * Fine buckets start at multiples of their width (for a minute: the pyramid's minutes of the
 * epoch), wherever the range starts, so every way of summing a range up gives the same buckets.
 */
function alignedOrigin(lo: number, fineMs: number): number {
  return Math.floor(lo / fineMs) * fineMs;
}

/**
 * The timeline from the pyramid (telemetry-minutes-repository.ts) when its fine buckets are whole
 * minutes: the minutes wholly inside the range from it, a cut minute at either end summed up from
 * the rows, and only the kept rows read from telemetry. Undefined for a range short enough to need
 * finer buckets.
 */
async function pyramidTimeline(conn: DuckDBConnection, q: TimelineQuery, columns: readonly ColumnName[], channels: readonly NumberColumnName[], lo: number, hi: number): Promise<StoredTimeline | undefined> {
  if (fineBucketMs(hi - lo, q.maxPoints, channels.length) < MAX_FINE_BUCKET_MS) return undefined;
  const firstWhole = Math.ceil(lo / MINUTE_MS);
  const endWhole = Math.floor(hi / MINUTE_MS);
  if (endWhole <= firstWhole) return undefined;
  const parts: FineBuckets[] = [];
  if (lo < firstWhole * MINUTE_MS) parts.push(await readFineBuckets(conn, q.deviceId, lo, firstWhole * MINUTE_MS, channels, MINUTE_MS));
  parts.push(await readMinuteBuckets(conn, q.deviceId, firstWhole, endWhole, channels));
  if (endWhole * MINUTE_MS < hi) parts.push(await readFineBuckets(conn, q.deviceId, endWhole * MINUTE_MS, hi, channels, MINUTE_MS));
  const buckets = concatBuckets(parts);
  const reduction = reduceFineBuckets(buckets, q.maxPoints);
  if (reduction.reduced && fineBucketMs(buckets.lastMs.at(-1)! - buckets.firstMs[0]!, q.maxPoints, channels.length) < MAX_FINE_BUCKET_MS) return undefined;
  const page = await readRows(conn, q.deviceId, lo, hi, columns, reduction.keptMs);
  return { totalRows: reduction.totalRows, reduced: reduction.reduced, page: withHoleRows(page, reduction.gapMarkersMs) };
}

function concatBuckets(parts: readonly FineBuckets[]): FineBuckets {
  if (parts.length === 1) return parts[0]!;
  const cat = (pick: (b: FineBuckets) => Float64Array) => {
    const out = new Float64Array(parts.reduce((n, b) => n + pick(b).length, 0));
    let at = 0;
    for (const b of parts) {
      out.set(pick(b), at);
      at += pick(b).length;
    }
    return out;
  };
  return {
    firstMs: cat((b) => b.firstMs),
    lastMs: cat((b) => b.lastMs),
    count: cat((b) => b.count),
    channels: parts[0]!.channels.map((_, k) => ({
      minMs: cat((b) => b.channels[k]!.minMs),
      min: cat((b) => b.channels[k]!.min),
      maxMs: cat((b) => b.channels[k]!.maxMs),
      max: cat((b) => b.channels[k]!.max),
    })),
  };
}

/** Values held from the one scan for picking the kept rows (8 bytes each): past it they are read again by time. */
const MAX_HELD_VALUES = 2_000_000;

/** One chunk's columns: the binding hands each vector over as a copy, so the chunk itself is not held. */
interface HeldBlock {
  tsMs: Float64Array;
  values: Float64Array[];
}

/**
 * The timeline of number columns in one scan: the samples stream through a FineBucketAccumulator
 * (no GROUP BY, nothing kept per sample) while the blocks are held, up to MAX_HELD_VALUES, so the
 * kept rows (and a finer pass, for a short range) need no second scan. Undefined when the range
 * is not stored in time order (late rows): the caller then sums it up in SQL.
 */
async function scanTimeline(conn: DuckDBConnection, q: TimelineQuery, columns: readonly ColumnName[], channels: readonly NumberColumnName[], lo: number, hi: number, maxHeldValues: number): Promise<StoredTimeline | undefined> {
  // Materialized: DuckDB scans with all its threads, and the chunks are taken without an awaited round trip each.
  const result = await conn.run(`SELECT epoch_ms(ts)::DOUBLE${channels.map((c) => `, coalesce(${c}, ${NAN})`).join('')} FROM telemetry WHERE ${RANGE}`, [q.deviceId, lo, hi] as never);
  const minute = new FineBucketAccumulator(alignedOrigin(lo, MAX_FINE_BUCKET_MS), MAX_FINE_BUCKET_MS, channels.length);
  let held: HeldBlock[] | undefined = [];
  let heldValues = 0;
  for (let n = 0; n < result.chunkCount; n++) {
    const chunk = result.getChunk(n);
    if (chunk.rowCount === 0) continue;
    const items = (k: number) => (chunk.getColumnVector(k) as unknown as { items: Float64Array }).items;
    const block: HeldBlock = { tsMs: items(0), values: channels.map((_, k) => items(k + 1)) };
    if (!minute.add(block.tsMs, block.values)) return undefined;
    heldValues += chunk.rowCount * (channels.length + 1);
    if (held && heldValues <= maxHeldValues) held.push(block);
    else held = undefined;
  }
  let buckets = minute.result();
  let reduction = reduceFineBuckets(buckets, q.maxPoints);
  if (reduction.reduced) {
    const fineMs = fineBucketMs(buckets.lastMs.at(-1)! - buckets.firstMs[0]!, q.maxPoints, channels.length);
    if (fineMs < MAX_FINE_BUCKET_MS) {
      if (!held) return undefined;
      const finer = new FineBucketAccumulator(alignedOrigin(lo, fineMs), fineMs, channels.length);
      for (const block of held) finer.add(block.tsMs, block.values);
      buckets = finer.result();
      reduction = reduceFineBuckets(buckets, q.maxPoints);
    }
  }
  const page = held ? pickRows(q.deviceId, columns, channels, held, reduction.keptMs) : await readRows(conn, q.deviceId, lo, hi, columns, reduction.keptMs);
  return { totalRows: reduction.totalRows, reduced: reduction.reduced, page: withHoleRows(page, reduction.gapMarkersMs) };
}

/** The rows at `keptMs` (every row when undefined) from the held blocks, which are in time order. */
function pickRows(deviceId: string, columns: readonly ColumnName[], channels: readonly NumberColumnName[], held: readonly HeldBlock[], keptMs: Float64Array | undefined): TelemetryPage {
  const total = held.reduce((n, b) => n + b.tsMs.length, 0);
  const n = keptMs ? keptMs.length : total;
  const tsMs = new Float64Array(n);
  const values = channels.map(() => new Float64Array(n));
  let j = 0;
  for (const block of held) {
    for (let i = 0; i < block.tsMs.length && j < n; i++) {
      if (keptMs && block.tsMs[i] !== keptMs[j]) continue;
      tsMs[j] = block.tsMs[i]!;
      for (let c = 0; c < channels.length; c++) values[c]![j] = block.values[c]![i]!;
      j++;
    }
  }
  const numbers: TelemetryPage['numbers'] = {};
  channels.forEach((c, k) => (numbers[c] = values[k]!.subarray(0, j)));
  return { deviceId, columns, length: j, tsMs: tsMs.subarray(0, j), numbers, stateDictionary: [], lists: {}, nextStartMs: undefined };
}

/** One scan of the range, summed up per fine bucket (NULLs as NaN, so every column copies as a whole vector). */
async function readFineBuckets(conn: DuckDBConnection, deviceId: string, lo: number, hi: number, channels: readonly NumberColumnName[], fineMs: number): Promise<FineBuckets> {
  const picks = channels.flatMap((c) => [`coalesce(arg_min(t, ${c})::DOUBLE, ${NAN})`, `coalesce(min(${c}), ${NAN})`, `coalesce(arg_max(t, ${c})::DOUBLE, ${NAN})`, `coalesce(max(${c}), ${NAN})`]);
  const result = await conn.stream(
    `SELECT min(t)::DOUBLE, max(t)::DOUBLE, count(*)::DOUBLE${picks.map((p) => `, ${p}`).join('')}
     FROM (SELECT epoch_ms(ts) AS t, (epoch_ms(ts) - CAST($5 AS BIGINT)) // CAST($4 AS BIGINT) AS fb${channels.map((c) => `, ${c}`).join('')} FROM telemetry WHERE ${RANGE})
     GROUP BY fb ORDER BY fb`,
    [deviceId, lo, hi, fineMs, alignedOrigin(lo, fineMs)] as never,
  );
  const read = await readChunkColumns(result, Array.from({ length: 3 + 4 * channels.length }, (): ChunkColumnMode => 'double'), 2048);
  const [firstMs, lastMs, count] = read.doubles as [Float64Array, Float64Array, Float64Array];
  return {
    firstMs,
    lastMs,
    count,
    channels: channels.map((_, k) => ({ minMs: read.doubles[3 + 4 * k]!, min: read.doubles[4 + 4 * k]!, maxMs: read.doubles[5 + 4 * k]!, max: read.doubles[6 + 4 * k]! })),
  };
}

/** The rows at `keptMs` (all rows of the range when undefined), in time order, with the requested columns. */
async function readRows(conn: DuckDBConnection, deviceId: string, lo: number, hi: number, columns: readonly ColumnName[], keptMs: Float64Array | undefined): Promise<TelemetryPage> {
  const data = columns.filter((c) => c !== 'device_id' && c !== 'ts');
  const out = data.map((c) => {
    const kind = columnDef(c)!.kind;
    if (kind === 'number') return `coalesce(${c}, ${NAN})`;
    if (kind === 'text') return c;
    return `array_to_string(${c}, '|')`;
  });
  const params: unknown[] = [deviceId, lo, hi];
  if (keptMs) params.push(listValue([...keptMs]));
  const result = await conn.stream(
    `SELECT epoch_ms(ts)::DOUBLE AS t${out.map((o) => `, ${o}`).join('')} FROM telemetry WHERE ${RANGE}
     ${keptMs ? 'AND epoch_ms(ts)::DOUBLE IN (SELECT unnest($4::DOUBLE[]))' : ''} ORDER BY t`,
    params as never,
  );
  const modes: ChunkColumnMode[] = ['double', ...data.map((c): ChunkColumnMode => (columnDef(c)!.kind === 'number' ? 'double' : 'string'))];
  const read = await readChunkColumns(result, modes, keptMs ? keptMs.length : 4096);
  const numbers: TelemetryPage['numbers'] = {};
  const lists: TelemetryPage['lists'] = {};
  let stateCodes: Int32Array | undefined;
  let stateDictionary: string[] = [];
  let d = 1;
  let s = 0;
  for (const c of data) {
    const kind = columnDef(c)!.kind;
    if (kind === 'number') numbers[c as NumberColumnName] = read.doubles[d++]!;
    else if (kind === 'text_list') lists[c as TextListColumnName] = read.strings[s++]!.map((v) => (v ? v.split('|') : null));
    else ({ codes: stateCodes, dictionary: stateDictionary } = dictionaryCoded(read.strings[s++]!));
  }
  return { deviceId, columns, length: read.length, tsMs: read.doubles[0]!, numbers, ...(stateCodes ? { stateCodes } : {}), stateDictionary, lists, nextStartMs: undefined };
}

/** Text as codes into its sorted distinct values; −1 = NULL. */
function dictionaryCoded(values: readonly (string | null)[]): { codes: Int32Array; dictionary: string[] } {
  const dictionary = [...new Set(values.filter((v): v is string => v !== null))].sort();
  const index = new Map(dictionary.map((v, i) => [v, i]));
  return { codes: Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!)), dictionary };
}

/** The page with an all-NULL row at every hole marker, in time order (a marker lies strictly between two samples). */
function withHoleRows(page: TelemetryPage, markersMs: readonly number[]): TelemetryPage {
  if (markersMs.length === 0) return page;
  const n = page.length + markersMs.length;
  const tsMs = new Float64Array(n);
  const from = new Int32Array(n); // the source row, or −1 for a hole row
  for (let i = 0, k = 0, j = 0; j < n; j++) {
    if (k < markersMs.length && (i >= page.length || markersMs[k]! < page.tsMs[i]!)) {
      tsMs[j] = markersMs[k++]!;
      from[j] = -1;
    } else {
      tsMs[j] = page.tsMs[i]!;
      from[j] = i++;
    }
  }
  const numbers: TelemetryPage['numbers'] = {};
  for (const [c, values] of Object.entries(page.numbers) as [NumberColumnName, Float64Array][]) numbers[c] = Float64Array.from(from, (i) => (i < 0 ? Number.NaN : values[i]!));
  const lists: TelemetryPage['lists'] = {};
  for (const [c, values] of Object.entries(page.lists) as [TextListColumnName, (string[] | null)[]][]) lists[c] = Array.from(from, (i) => (i < 0 ? null : values[i]!));
  const codes = page.stateCodes;
  return { ...page, length: n, tsMs, numbers, lists, ...(codes ? { stateCodes: Int32Array.from(from, (i) => (i < 0 ? -1 : codes[i]!)) } : {}) };
}
