/**
 * The chart reduction of reduce-timeline.ts computed from fine buckets instead of samples: the
 * store sums a range up into buckets of at most a minute (first and last sample, count, and per
 * channel the times and values of the minimum and maximum) in one scan, and this picks the samples
 * to keep from those few thousand rows, so no sample of the range is ever copied out of the store.
 *
 * The same rules as reduceTimeline: time is cut into as many buckets as maxPoints allows and cut
 * again at every hole; each piece keeps its first and last sample and, per channel, the samples
 * holding its minimum and maximum; a hole (longer than the gap threshold) gets a marker so lines
 * break there. A hole is longer than a minute, so it never lies inside one fine bucket: it always
 * runs from one fine bucket's last sample to the next one's first. Pieces are made of whole fine
 * buckets (a fine bucket belongs to the piece its first sample falls in), which is why fine buckets
 * are kept well under the output buckets' width (`fineBucketMs`).
 */
export interface FineBuckets {
  /** Per fine bucket, in time order: first and last sample time and the number of samples. */
  firstMs: Float64Array;
  lastMs: Float64Array;
  count: Float64Array;
  /** Per channel, per fine bucket: when its minimum and maximum were and what they were; NaN when it has no value there. */
  channels: { minMs: Float64Array; min: Float64Array; maxMs: Float64Array; max: Float64Array }[];
}

export interface FineBucketReduction {
  totalRows: number;
  reduced: boolean;
  gapThresholdMs: number;
  /** Times of the samples to keep, ascending and unique; undefined when the range comes back whole. */
  keptMs: Float64Array | undefined;
  /** Middle of every hole, ascending: a null row goes there. */
  gapMarkersMs: number[];
}

/** The widest fine bucket: holes shorter than this are never looked for. */
export const MAX_FINE_BUCKET_MS = 60_000;

/** Output buckets for a reduction to maxPoints: up to 2 samples per channel plus the 2 edges each, and 2 per hole. */
export function outputBuckets(maxPoints: number, channels: number, holes: number): number {
  return Math.max(1, Math.floor((maxPoints - 2 * holes - 2) / (2 * channels + 2)));
}

/**
 * Width of the fine buckets for a range: a minute, or less when the output buckets would be
 * narrower than two of them (a short range or a large maxPoints), so a piece is never made of one
 * or two whole minutes where the caller asked for finer.
 */
export function fineBucketMs(spanMs: number, maxPoints: number, channels: number): number {
  const widest = spanMs / outputBuckets(maxPoints, channels, 0);
  return Math.max(1, Math.min(MAX_FINE_BUCKET_MS, Math.floor(widest / 2)));
}

/** Median as DuckDB's median() gives it for DOUBLE: the mean of the two middle values of an even count. */
function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Holes are longer than a minute or five typical sample intervals (for loggers sparser than one
 * a minute): the typical interval is the median of the fine buckets' mean intervals, or of the
 * steps between fine buckets when none holds two samples.
 */
export function fineGapThresholdMs(b: FineBuckets): number {
  const means: number[] = [];
  const steps: number[] = [];
  for (let i = 0; i < b.count.length; i++) {
    if (b.count[i]! >= 2) means.push((b.lastMs[i]! - b.firstMs[i]!) / (b.count[i]! - 1));
    if (i > 0) steps.push(b.firstMs[i]! - b.lastMs[i - 1]!);
  }
  return Math.max(MAX_FINE_BUCKET_MS, 5 * (median(means) ?? median(steps) ?? 1000));
}

export function reduceFineBuckets(b: FineBuckets, maxPoints: number): FineBucketReduction {
  const m = b.count.length;
  let totalRows = 0;
  for (let i = 0; i < m; i++) totalRows += b.count[i]!;
  const gapThresholdMs = fineGapThresholdMs(b);
  const gapMarkersMs: number[] = [];
  const holeBefore = new Uint8Array(m);
  for (let i = 1; i < m; i++) {
    const dt = b.firstMs[i]! - b.lastMs[i - 1]!;
    if (dt > gapThresholdMs) {
      holeBefore[i] = 1;
      gapMarkersMs.push(b.firstMs[i]! - dt / 2);
    }
  }
  if (totalRows <= maxPoints) return { totalRows, reduced: false, gapThresholdMs, keptMs: undefined, gapMarkersMs };

  const buckets = outputBuckets(maxPoints, b.channels.length, gapMarkersMs.length);
  const t0 = b.firstMs[0]!;
  const span = Math.max(b.lastMs[m - 1]! - t0, 1);
  const bucketOf = (i: number) => Math.min(buckets - 1, Math.floor(((b.firstMs[i]! - t0) / span) * buckets));
  const kept: number[] = [];
  let start = 0;
  while (start < m) {
    // A piece ends at its output bucket's boundary or at a hole, whichever comes first.
    const bucket = bucketOf(start);
    let end = start;
    while (end + 1 < m && !holeBefore[end + 1] && bucketOf(end + 1) === bucket) end++;
    kept.push(b.firstMs[start]!, b.lastMs[end]!);
    for (const c of b.channels) {
      let lo = -1;
      let hi = -1;
      for (let i = start; i <= end; i++) {
        // NaN never compares less or greater, so a bucket without values is passed over.
        if (!Number.isNaN(c.min[i]!) && (lo < 0 || c.min[i]! < c.min[lo]!)) lo = i;
        if (!Number.isNaN(c.max[i]!) && (hi < 0 || c.max[i]! > c.max[hi]!)) hi = i;
      }
      if (lo >= 0) kept.push(c.minMs[lo]!);
      if (hi >= 0) kept.push(c.maxMs[hi]!);
    }
    start = end + 1;
  }
  const sorted = Float64Array.from(kept).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[unique - 1]) sorted[unique++] = sorted[i]!;
  return { totalRows, reduced: true, gapThresholdMs, keptMs: sorted.subarray(0, unique), gapMarkersMs };
}
