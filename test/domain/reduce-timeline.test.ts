import { describe, expect, it } from 'vitest';
import { seededDrive } from './seeded-drive.ts';
import { reduceTimeline } from '../../src/domain/timeline/reduce-timeline.ts';

const drive = (n: number, holeAt?: number) => seededDrive(n, { holeAt, dipAt: 23_456 });

/** Per-pixel envelope of a channel: what a line chart of that width shows. */
function envelope(ts: Float64Array, values: Float64Array, indexes: ArrayLike<number>, pixels: number, t0: number, t1: number) {
  const lo = new Float64Array(pixels).fill(Infinity);
  const hi = new Float64Array(pixels).fill(-Infinity);
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    const p = Math.min(pixels - 1, Math.floor(((ts[i]! - t0) / (t1 - t0)) * pixels));
    lo[p] = Math.min(lo[p]!, values[i]!);
    hi[p] = Math.max(hi[p]!, values[i]!);
  }
  return { lo, hi };
}

describe('reduceTimeline', () => {
  it('keeps every extreme, the first and last samples, and stays within maxPoints', () => {
    const input = drive(36_000);
    const { indexes } = reduceTimeline(input, 2000, 60_000);
    expect(indexes.length).toBeLessThanOrEqual(2000);
    expect(indexes.length).toBeGreaterThan(1000);
    expect(indexes[0]).toBe(0);
    expect(indexes.at(-1)).toBe(35_999);
    expect([...indexes]).toContain(12_345);
    expect([...indexes]).toContain(23_456);
    for (let k = 1; k < indexes.length; k++) expect(indexes[k]!).toBeGreaterThan(indexes[k - 1]!);
  });

  it('draws the same per-pixel envelope as the full series at the chart width', () => {
    const input = drive(36_000);
    // The reducer's buckets for 2,000 points and two channels: (2000 − 2) / (2·2 + 2) = 333, i.e. a
    // chart 333 px wide.
    const pixels = 333;
    const { indexes } = reduceTimeline(input, 2000, 60_000);
    const all = Int32Array.from({ length: 36_000 }, (_, i) => i);
    const t0 = input.tsMs[0]!;
    const t1 = input.tsMs.at(-1)!;
    for (const values of input.channels) {
      const full = envelope(input.tsMs, values, all, pixels, t0, t1);
      const reduced = envelope(input.tsMs, values, indexes, pixels, t0, t1);
      expect([...reduced.lo]).toEqual([...full.lo]);
      expect([...reduced.hi]).toEqual([...full.hi]);
    }
  });

  it('keeps a hole a hole: both edges kept and a marker inside it', () => {
    const input = drive(20_000, 10_000);
    const { indexes, gapMarkersMs } = reduceTimeline(input, 1000, 60_000);
    expect([...indexes]).toEqual(expect.arrayContaining([9_999, 10_000]));
    expect(gapMarkersMs).toHaveLength(1);
    expect(gapMarkersMs[0]).toBeGreaterThan(input.tsMs[9_999]!);
    expect(gapMarkersMs[0]).toBeLessThan(input.tsMs[10_000]!);
  });

  it('returns short series whole', () => {
    const input = drive(500);
    expect(reduceTimeline(input, 2000, 60_000).indexes).toHaveLength(500);
  });
});
