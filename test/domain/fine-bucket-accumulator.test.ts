import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FineBucketAccumulator } from '../../src/domain/timeline/fine-bucket-accumulator.ts';

/** The fine buckets by brute force: group by ⌊(t − origin) / width⌋, first extreme wins, NaN skipped. */
function reference(ts: number[], values: number[][], origin: number, width: number) {
  const keys = [...new Set(ts.map((t) => Math.floor((t - origin) / width)))];
  return keys.map((k) => {
    const rows = ts.map((t, i) => [t, i] as const).filter(([t]) => Math.floor((t - origin) / width) === k);
    return {
      first: rows[0]![0],
      last: rows.at(-1)![0],
      count: rows.length,
      channels: values.map((v) => {
        const present = rows.filter(([, i]) => !Number.isNaN(v[i]!));
        if (present.length === 0) return [NaN, NaN, NaN, NaN];
        const min = Math.min(...present.map(([, i]) => v[i]!));
        const max = Math.max(...present.map(([, i]) => v[i]!));
        return [present.find(([, i]) => v[i] === min)![0], min, present.find(([, i]) => v[i] === max)![0], max];
      }),
    };
  });
}

describe('FineBucketAccumulator', () => {
  it('sums up samples streamed in blocks exactly as a GROUP BY over them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 90_000 }), fc.option(fc.integer({ min: -5, max: 5 })), fc.option(fc.integer({ min: 0, max: 3 }))), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1000, max: 120_000 }),
        (steps, blockSize, width) => {
          let t = 1_700_000_000_000;
          const ts = steps.map(([dt]) => (t += dt));
          const values = [steps.map(([, a]) => a ?? NaN), steps.map(([, , b]) => b ?? NaN)];
          const origin = ts[0]! - 12_345;
          const acc = new FineBucketAccumulator(origin, width, 2);
          for (let i = 0; i < ts.length; i += blockSize) {
            const end = Math.min(ts.length, i + blockSize);
            expect(acc.add(Float64Array.from(ts.slice(i, end)), values.map((v) => Float64Array.from(v.slice(i, end))))).toBe(true);
          }
          const got = acc.result();
          const want = reference(ts, values, origin, width);
          expect(Array.from(got.firstMs)).toEqual(want.map((b) => b.first));
          expect(Array.from(got.lastMs)).toEqual(want.map((b) => b.last));
          expect(Array.from(got.count)).toEqual(want.map((b) => b.count));
          got.channels.forEach((c, k) => {
            expect(want.map((b) => b.channels[k])).toEqual(Array.from(c.min, (_, i) => [c.minMs[i], c.min[i], c.maxMs[i], c.max[i]]));
          });
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('refuses a block that goes back in time, and keeps what it had', () => {
    const acc = new FineBucketAccumulator(0, 60_000, 1);
    expect(acc.add(Float64Array.of(1000, 2000), [Float64Array.of(1, 2)])).toBe(true);
    expect(acc.add(Float64Array.of(3000, 1500), [Float64Array.of(3, 4)])).toBe(false);
    expect(acc.add(Float64Array.of(1999), [Float64Array.of(5)])).toBe(false);
    const r = acc.result();
    expect(Array.from(r.count)).toEqual([2]);
    expect(Array.from(r.channels[0]!.max)).toEqual([2]);
  });
});
