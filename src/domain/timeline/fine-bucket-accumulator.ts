import type { FineBuckets } from './reduce-fine-buckets.ts';

/**
 * Fine buckets (reduce-fine-buckets.ts) summed up from samples streamed in time order, one block
 * at a time: what the store's GROUP BY gives, without a hash table, in one pass that keeps nothing
 * per sample. Bucket k holds the samples with ⌊(t − originMs) / fineMs⌋ = k; NaN is a missing value.
 * A sample older than the one before it breaks the order the pass relies on: `add` then returns
 * false and the caller sums the range up another way.
 */
export class FineBucketAccumulator {
  private readonly originMs: number;
  private readonly fineMs: number;
  private readonly channels: number;
  private n = 0;
  private capacity = 256;
  private key = -Infinity;
  private lastT = -Infinity;
  private firstMs = new Float64Array(this.capacity);
  private lastMs = new Float64Array(this.capacity);
  private count = new Float64Array(this.capacity);
  /** Per channel: minMs, min, maxMs, max. */
  private stats: Float64Array[][];

  constructor(originMs: number, fineMs: number, channels: number) {
    this.originMs = originMs;
    this.fineMs = fineMs;
    this.channels = channels;
    this.stats = Array.from({ length: channels }, () => [0, 0, 0, 0].map(() => new Float64Array(this.capacity)));
  }

  private grow(): void {
    this.capacity *= 2;
    const more = (a: Float64Array) => {
      const b = new Float64Array(this.capacity);
      b.set(a);
      return b;
    };
    this.firstMs = more(this.firstMs);
    this.lastMs = more(this.lastMs);
    this.count = more(this.count);
    this.stats = this.stats.map((s) => s.map(more));
  }

  private open(t: number, key: number): void {
    if (this.n === this.capacity) this.grow();
    const b = this.n++;
    this.key = key;
    this.firstMs[b] = t;
    this.lastMs[b] = t;
    this.count[b] = 0;
    for (const [minMs, min, maxMs, max] of this.stats) {
      minMs![b] = Number.NaN;
      min![b] = Number.NaN;
      maxMs![b] = Number.NaN;
      max![b] = Number.NaN;
    }
  }

  /** Samples `tsMs[0..length)` with `values[c][i]` per channel. False (and nothing added) when they are not in time order. */
  add(tsMs: Float64Array, values: readonly Float64Array[], length = tsMs.length): boolean {
    let last = this.lastT;
    for (let i = 0; i < length; i++) {
      if (tsMs[i]! < last) return false;
      last = tsMs[i]!;
    }
    // Bucket boundaries first (rows of a bucket are contiguous), then each channel over each bucket's rows.
    let start = 0;
    while (start < length) {
      const t = tsMs[start]!;
      const key = Math.floor((t - this.originMs) / this.fineMs);
      if (key !== this.key) this.open(t, key);
      const bucketEnd = this.originMs + (key + 1) * this.fineMs;
      let end = start;
      while (end < length && tsMs[end]! < bucketEnd) end++;
      const b = this.n - 1;
      this.lastMs[b] = tsMs[end - 1]!;
      this.count[b]! += end - start;
      for (let c = 0; c < this.channels; c++) {
        const v = values[c]!;
        const [minMs, min, maxMs, max] = this.stats[c] as [Float64Array, Float64Array, Float64Array, Float64Array];
        let lo = min[b]!;
        let hi = max[b]!;
        let loAt = minMs[b]!;
        let hiAt = maxMs[b]!;
        for (let i = start; i < end; i++) {
          const x = v[i]!;
          if (x !== x) continue;
          // Strictly less / greater: the first sample holding an extreme is the one kept.
          if (!(x >= lo)) {
            lo = x;
            loAt = tsMs[i]!;
          }
          if (!(x <= hi)) {
            hi = x;
            hiAt = tsMs[i]!;
          }
        }
        min[b] = lo;
        max[b] = hi;
        minMs[b] = loAt;
        maxMs[b] = hiAt;
      }
      start = end;
    }
    this.lastT = last;
    return true;
  }

  result(): FineBuckets {
    const n = this.n;
    return {
      firstMs: this.firstMs.slice(0, n),
      lastMs: this.lastMs.slice(0, n),
      count: this.count.slice(0, n),
      channels: this.stats.map(([minMs, min, maxMs, max]) => ({ minMs: minMs!.slice(0, n), min: min!.slice(0, n), maxMs: maxMs!.slice(0, n), max: max!.slice(0, n) })),
    };
  }
}
