import { describe, expect, it } from 'vitest';
import { inAscendingOrder, type ChunkColumns } from '../../src/store/chunk-columns.ts';

describe('inAscendingOrder', () => {
  it('returns columns already in key order as they are', () => {
    const cols: ChunkColumns = { length: 3, doubles: [Float64Array.of(1, 2, 3)], ints: [Int32Array.of(7, 8, 9)], strings: [['a', null, 'c']] };
    expect(inAscendingOrder(cols)).toBe(cols);
  });

  it('permutes every column together when the scan came back out of time order', () => {
    const cols: ChunkColumns = { length: 4, doubles: [Float64Array.of(30, 10, 40, 20), Float64Array.of(3, 1, 4, 2)], ints: [Int32Array.of(-1, 1, 2, 0)], strings: [['c', 'a', null, 'b']] };
    const sorted = inAscendingOrder(cols);
    expect([...sorted.doubles[0]!]).toEqual([10, 20, 30, 40]);
    expect([...sorted.doubles[1]!]).toEqual([1, 2, 3, 4]);
    expect([...sorted.ints[0]!]).toEqual([1, 0, -1, 2]);
    expect(sorted.strings[0]).toEqual(['a', 'b', 'c', null]);
  });
});
