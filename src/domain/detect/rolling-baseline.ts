/**
 * A device's recent values of one channel over a sliding time window, kept sorted so the median
 * and quartiles come out in O(1) and each new value costs one binary search and one splice
 * (no re-sort or statistics call per window). The spread is the interquartile range scaled to a
 * standard deviation (IQR / 1.349), which like the MAD ignores the outliers it is meant to find.
 */
export class RollingBaseline {
  private readonly windowMs: number;
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private head = 0;
  private readonly sorted: number[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  get count(): number {
    return this.sorted.length;
  }

  /** Drops values older than `tMs - windowMs`. */
  expire(tMs: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= tMs - this.windowMs) {
      const v = this.values[this.head]!;
      this.sorted.splice(this.lowerBound(v), 1);
      this.head++;
    }
    // Compact now and then so the arrays don't grow with the whole history.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.values.splice(0, this.head);
      this.head = 0;
    }
  }

  add(tMs: number, value: number): void {
    this.times.push(tMs);
    this.values.push(value);
    this.sorted.splice(this.lowerBound(value), 0, value);
  }

  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return this.sorted[lo]! + (this.sorted[hi]! - this.sorted[lo]!) * (pos - lo);
  }

  median(): number {
    return this.quantile(0.5);
  }

  /** Robust standard deviation, never below `floor` (quantised channels have long flat runs). */
  spread(floor: number): number {
    return Math.max(floor, (this.quantile(0.75) - this.quantile(0.25)) / 1.349);
  }

  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
