import { describe, expect, it } from 'vitest';
import { seededDrive } from './seeded-drive.ts';
import { fineBucketMs, reduceFineBuckets, type FineBuckets } from '../../src/domain/timeline/reduce-fine-buckets.ts';

/** 1 Hz, with a 10-minute hole at `holeAt` and some SoC samples without a value. */
const drive = (n: number, holeAt?: number) => seededDrive(n, { holeAt, dipAt: 13_456, socMissingEvery: 97 });

/** What the store sums a range up into: the samples cut into fine buckets of `fineMs`. */
function fineBuckets(tsMs: Float64Array, channels: Float64Array[], fineMs: number): FineBuckets {
  const starts: number[] = [];
  for (let i = 0; i < tsMs.length; i++) if (i === 0 || Math.floor(tsMs[i]! / fineMs) !== Math.floor(tsMs[i - 1]! / fineMs)) starts.push(i);
  const m = starts.length;
  const col = () => new Float64Array(m).fill(Number.NaN);
  const b: FineBuckets = { firstMs: col(), lastMs: col(), count: col(), channels: channels.map(() => ({ minMs: col(), min: col(), maxMs: col(), max: col() })) };
  starts.forEach((start, k) => {
    const end = (starts[k + 1] ?? tsMs.length) - 1;
    b.firstMs[k] = tsMs[start]!;
    b.lastMs[k] = tsMs[end]!;
    b.count[k] = end - start + 1;
    channels.forEach((values, c) => {
      const out = b.channels[c]!;
      for (let i = start; i <= end; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) continue;
        if (Number.isNaN(out.min[k]!) || v < out.min[k]!) [out.min[k], out.minMs[k]] = [v, tsMs[i]!];
        if (Number.isNaN(out.max[k]!) || v > out.max[k]!) [out.max[k], out.maxMs[k]] = [v, tsMs[i]!];
      }
    });
  });
  return b;
}

describe('reduceFineBuckets', () => {
  it('keeps every extreme, the first and last samples, and stays within maxPoints', () => {
    const { tsMs, channels } = drive(36_000);
    const r = reduceFineBuckets(fineBuckets(tsMs, channels, 60_000), 2000);
    expect(r.reduced).toBe(true);
    expect(r.totalRows).toBe(36_000);
    const kept = [...r.keptMs!];
    expect(kept.length).toBeLessThanOrEqual(2000);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept[0]).toBe(tsMs[0]);
    expect(kept.at(-1)).toBe(tsMs[35_999]);
    expect(kept).toContain(tsMs[12_345]);
    expect(kept).toContain(tsMs[13_456]);
    for (let k = 1; k < kept.length; k++) expect(kept[k]!).toBeGreaterThan(kept[k - 1]!);
    // Every kept time is a sample's, and each channel's overall extremes are among them.
    const times = new Set(tsMs);
    for (const t of kept) expect(times.has(t)).toBe(true);
    const at = new Map([...tsMs].map((t, i) => [t, i]));
    for (const values of channels) {
      const valid = [...values].filter((v) => !Number.isNaN(v));
      const keptValues = kept.map((t) => values[at.get(t)!]!).filter((v) => !Number.isNaN(v));
      expect(Math.min(...keptValues)).toBe(Math.min(...valid));
      expect(Math.max(...keptValues)).toBe(Math.max(...valid));
    }
  });

  it('keeps a hole a hole: both edges kept and a marker inside it', () => {
    const { tsMs, channels } = drive(20_000, 10_000);
    const r = reduceFineBuckets(fineBuckets(tsMs, channels, 60_000), 1000);
    expect(r.gapThresholdMs).toBe(60_000);
    expect([...r.keptMs!]).toEqual(expect.arrayContaining([tsMs[9_999], tsMs[10_000]]));
    expect(r.gapMarkersMs).toHaveLength(1);
    expect(r.gapMarkersMs[0]).toBeGreaterThan(tsMs[9_999]!);
    expect(r.gapMarkersMs[0]).toBeLessThan(tsMs[10_000]!);
  });

  it('returns short series whole, holes still marked', () => {
    const { tsMs, channels } = drive(500, 250);
    const r = reduceFineBuckets(fineBuckets(tsMs, channels, 60_000), 2000);
    expect(r.reduced).toBe(false);
    expect(r.keptMs).toBeUndefined();
    expect(r.totalRows).toBe(500);
    expect(r.gapMarkersMs).toHaveLength(1);
  });

  it('takes holes from the sample interval of sparse loggers (five intervals)', () => {
    const tsMs = Float64Array.from({ length: 200 }, (_, i) => i * 120_000 + (i >= 100 ? 3_600_000 : 0)); // one sample every 2 min, an hour's hole
    const r = reduceFineBuckets(fineBuckets(tsMs, [Float64Array.from(tsMs, (t) => t % 7)], 60_000), 2000);
    expect(r.gapThresholdMs).toBe(600_000);
    expect(r.gapMarkersMs).toEqual([(tsMs[99]! + tsMs[100]!) / 2]);
  });

  it('asks for fine buckets narrower than a minute only when the output buckets are', () => {
    expect(fineBucketMs(86_400_000, 2000, 4)).toBe(60_000);
    // 300 points for two channels over an hour: 49 buckets of ~73 s, so fine buckets of ~36 s.
    expect(fineBucketMs(3_600_000, 300, 2)).toBe(Math.floor(3_600_000 / 49 / 2));
    expect(fineBucketMs(10, 100_000, 12)).toBe(1);
  });
});
