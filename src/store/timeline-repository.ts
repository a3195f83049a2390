import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { columnDef, type ColumnName, type NumberColumnName, type TextListColumnName } from '../domain/telemetry-schema.ts';
import { readChunkColumns, type ChunkColumnMode } from './chunk-columns.ts';
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

/** Width of the buckets holes are looked for between: the shortest hole a chart keeps. */
const FINE_MS = 60_000;

/**
 * The range reduced for a chart inside DuckDB, the same M4-style reduction as
 * domain/timeline/reduce-timeline.ts but without moving the range into JS:
 *   1. the row count, span, typical sample interval and holes (longer than a minute or five
 *      sample intervals) over the range, from one-minute buckets;
 *   2. per bucket (time cut into as many as maxPoints allows, and cut again at every hole): the
 *      first and last sample and, per channel, the samples holding its minimum and maximum;
 *   3. those rows, with an all-NULL row in the middle of every hole so chart lines break there.
 * A range with no more than maxPoints rows comes back whole (with the hole rows).
 */
export async function readTimeline(conn: DuckDBConnection, q: TimelineQuery): Promise<StoredTimeline> {
  const columns = exactColumns(q.columns);
  const lo = q.fromMs ?? FAR_PAST;
  const hi = q.toMs ?? FAR_FUTURE;
  const channels = columns.filter((c) => columnDef(c)!.kind === 'number');
  await conn.run('BEGIN TRANSACTION');
  try {
    // Holes are found between one-minute buckets: a hole is longer than a minute, so it cannot lie
    // inside one and always runs from one bucket's last sample to the next one's first. That keeps
    // the windowed part to a thousand-odd bucket rows instead of every sample. The typical sample
    // interval comes from the same buckets (their mean intervals, or the steps between them for
    // loggers sparser than a minute).
    const fine = (threshold: string) => `f AS (SELECT floor(epoch_ms(ts)::DOUBLE / ${FINE_MS}) AS fb, min(epoch_ms(ts)::DOUBLE) AS a, max(epoch_ms(ts)::DOUBLE) AS z, count(*) AS n FROM telemetry WHERE ${RANGE} GROUP BY fb),
      h AS (SELECT fb, a, z, n, a - lag(z) OVER (ORDER BY fb) AS dt FROM f)${threshold}`;
    const stats = await conn.runAndReadAll(
      `WITH ${fine('')},
       m AS (SELECT greatest(${FINE_MS}, 5 * coalesce(median((z - a) / (n - 1)) FILTER (WHERE n >= 2), median(dt), 1000)) AS gap FROM h)
       SELECT coalesce(sum(n), 0)::DOUBLE, coalesce(min(a), 0), coalesce(max(z) - min(a), 0), count(*) FILTER (WHERE dt > m.gap)::DOUBLE, any_value(m.gap)
       FROM h, m`,
      [q.deviceId, lo, hi],
    );
    const [n, t0, span, holes, gapMs] = stats.getRows()[0]!.map(Number) as [number, number, number, number, number];
    const reduced = n > q.maxPoints;
    // Up to 2 samples per channel plus the 2 edges per bucket, and 2 per hole (as in reduceTimeline).
    const buckets = Math.max(1, Math.floor((q.maxPoints - 2 * holes - 2) / (2 * channels.length + 2)));
    const wantsState = columns.includes('state');
    const dictionary = wantsState
      ? (((await conn.runAndReadAll(`SELECT list(DISTINCT state ORDER BY state) FILTER (WHERE state IS NOT NULL) FROM telemetry WHERE ${RANGE}`, [q.deviceId, lo, hi])).getRowsJS()[0]?.[0] as string[] | null) ?? [])
      : [];
    const data = columns.filter((c) => c !== 'device_id' && c !== 'ts');
    const out = data.map((c) => {
      const kind = columnDef(c)!.kind;
      if (kind === 'number') return `coalesce(${c}, 'NaN'::DOUBLE)`;
      if (kind === 'text') return `coalesce(list_position($9::VARCHAR[], ${c}) - 1, -1)::INTEGER`;
      return `array_to_string(${c}, '|')`;
    });
    const picks = ['min(t)', 'max(t)', ...channels.flatMap((c) => [`arg_min(t, ${c})`, `arg_max(t, ${c})`])];
    const params: unknown[] = [q.deviceId, lo, hi, gapMs, t0, Math.max(span, 1), buckets, !reduced];
    if (wantsState) params.push(listValue(dictionary));
    const result = await conn.stream(
      `WITH ${fine('')},
       g AS (SELECT fb, sum(CASE WHEN dt > $4 THEN 1 ELSE 0 END) OVER (ORDER BY fb ROWS UNBOUNDED PRECEDING) AS seg FROM h),
       r AS (SELECT epoch_ms(ts)::DOUBLE AS t, floor(epoch_ms(ts)::DOUBLE / ${FINE_MS}) AS fb${data.length ? `, ${data.join(', ')}` : ''} FROM telemetry WHERE ${RANGE}),
       keep AS (
         SELECT DISTINCT unnest(picked) AS t FROM (
           SELECT [${picks.join(', ')}] AS picked FROM r JOIN g USING (fb) GROUP BY seg, least($7 - 1, floor((t - $5) / $6 * $7))
         )
       )
       SELECT t${out.length ? `, ${out.join(', ')}` : ''} FROM r WHERE $8 OR t IN (SELECT t FROM keep WHERE t IS NOT NULL)
       UNION ALL
       SELECT a - dt / 2${data.map((c) => {
         const kind = columnDef(c)!.kind;
         return kind === 'number' ? `, 'NaN'::DOUBLE` : kind === 'text' ? ', -1::INTEGER' : ', NULL::VARCHAR';
       }).join('')} FROM h WHERE dt > $4
       ORDER BY 1`,
      params as never,
    );
    const modes: ChunkColumnMode[] = ['double', ...data.map((c): ChunkColumnMode => {
      const kind = columnDef(c)!.kind;
      return kind === 'number' ? 'double' : kind === 'text' ? 'int' : 'string';
    })];
    const read = await readChunkColumns(result, modes, Math.min(q.maxPoints, 16_384));
    const numbers: TelemetryPage['numbers'] = {};
    const lists: TelemetryPage['lists'] = {};
    let d = 1;
    let s = 0;
    for (const c of data) {
      const kind = columnDef(c)!.kind;
      if (kind === 'number') numbers[c as NumberColumnName] = read.doubles[d++]!;
      if (kind === 'text_list') lists[c as TextListColumnName] = read.strings[s++]!.map((v) => (v ? v.split('|') : null));
    }
    const page: TelemetryPage = {
      deviceId: q.deviceId,
      columns,
      length: read.length,
      tsMs: read.doubles[0]!,
      numbers,
      ...(wantsState ? { stateCodes: read.ints[0]! } : {}),
      stateDictionary: dictionary,
      lists,
      nextStartMs: undefined,
    };
    return { totalRows: n, reduced, page };
  } finally {
    await conn.run('COMMIT');
  }
}
