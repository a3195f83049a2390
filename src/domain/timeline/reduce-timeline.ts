/**
 * Shape-preserving reduction of time series for charts (the M4/MinMax idea): time is cut into as
 * many buckets as the chart has room for, and each bucket keeps, for every channel, the samples
 * holding its minimum and maximum, plus the bucket's first and last sample. Extremes survive, so a
 * chart of the reduced series draws the same envelope as the full one; a hole in the data stays a
 * hole (the samples on both edges are kept and a marker row is put in it); the first and last
 * samples are always kept.
 */
export interface TimelineInput {
  tsMs: Float64Array;
  /** Channels to preserve; NaN = no value. */
  channels: Float64Array[];
}

export interface ReducedTimeline {
  /** Indexes of the kept samples, in time order. */
  indexes: Int32Array;
  /** Times of holes longer than the gap threshold: a null row goes there so lines break. */
  gapMarkersMs: number[];
}

export function reduceTimeline(input: TimelineInput, maxPoints: number, gapThresholdMs: number): ReducedTimeline {
  const n = input.tsMs.length;
  const ts = input.tsMs;
  const gapMarkersMs: number[] = [];
  for (let i = 1; i < n; i++) if (ts[i]! - ts[i - 1]! > gapThresholdMs) gapMarkersMs.push((ts[i]! + ts[i - 1]!) / 2);
  if (n <= maxPoints) return { indexes: Int32Array.from({ length: n }, (_, i) => i), gapMarkersMs };

  const channels = input.channels.length;
  // Up to 2 samples per channel plus the 2 edges per bucket, and 2 per hole.
  const perBucket = 2 * channels + 2;
  const buckets = Math.max(1, Math.floor((maxPoints - 2 * gapMarkersMs.length - 2) / perBucket));
  const t0 = ts[0]!;
  const span = ts[n - 1]! - t0 || 1;
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  let start = 0;
  while (start < n) {
    const bucket = Math.min(buckets - 1, Math.floor(((ts[start]! - t0) / span) * buckets));
    let end = start;
    // A bucket ends at its time boundary or at a hole, whichever comes first.
    while (end + 1 < n && Math.min(buckets - 1, Math.floor(((ts[end + 1]! - t0) / span) * buckets)) === bucket && ts[end + 1]! - ts[end]! <= gapThresholdMs) end++;
    keep[start] = 1;
    keep[end] = 1;
    for (const values of input.channels) {
      let lo = -1;
      let hi = -1;
      for (let i = start; i <= end; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) continue;
        if (lo < 0 || v < values[lo]!) lo = i;
        if (hi < 0 || v > values[hi]!) hi = i;
      }
      if (lo >= 0) keep[lo] = 1;
      if (hi >= 0) keep[hi] = 1;
    }
    start = end + 1;
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += keep[i]!;
  const indexes = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (keep[i]) indexes[j++] = i;
  return { indexes, gapMarkersMs };
}
