import { describe, expect, it } from 'vitest';
import { devicePartition } from '../../src/domain/leases/device-partition.ts';
import { fairShare } from '../../src/domain/leases/fair-share.ts';
import { partitionState, type LeaseClaim } from '../../src/domain/leases/lease-holder.ts';

const claim = (ownerId: string, epoch: number, atMs: number, ttlMs = 6_000): LeaseClaim => ({ partition: 0, epoch, ownerId, kind: 'claim', atMs, untilMs: atMs + ttlMs, extendsUntilMs: 0 });
const renew = (ownerId: string, epoch: number, atMs: number, extendsUntilMs: number): LeaseClaim => ({ partition: 0, epoch, ownerId, kind: 'renew', atMs, untilMs: atMs + 6_000, extendsUntilMs });

describe('lease rules', () => {
  it('the earliest claim of the latest epoch wins, then the smallest owner id; nobody holds before it settles', () => {
    const rows = [claim('b', 1, 1_000), claim('a', 1, 2_000), claim('c', 1, 1_000)];
    expect(partitionState(0, rows, 2_500, 2_000)).toMatchObject({ state: 'settling', ownerId: 'b' });
    expect(partitionState(0, rows, 3_000, 2_000)).toMatchObject({ state: 'held', ownerId: 'b', epoch: 1, untilMs: 7_000 });
    expect(partitionState(0, [...rows, claim('z', 2, 8_000)], 10_000, 2_000)).toMatchObject({ state: 'held', ownerId: 'z', epoch: 2 });
  });

  it('a renewal written before the lease ran out extends it; one written after cannot bring it back', () => {
    expect(partitionState(0, [claim('a', 1, 0), renew('a', 1, 5_000, 6_000)], 9_000, 0)).toMatchObject({ state: 'held', untilMs: 11_000 });
    expect(partitionState(0, [claim('a', 1, 0), renew('a', 1, 6_000, 6_000)], 9_000, 0)).toEqual({ state: 'free', partition: 0, lastEpoch: 1 });
    // A loser's renewals never count.
    expect(partitionState(0, [claim('a', 1, 0), claim('b', 1, 10), renew('b', 1, 5_000, 6_000)], 7_000, 0)).toMatchObject({ state: 'free' });
  });

  it('a release ends the lease at once; the next claim takes the next epoch', () => {
    const rows: LeaseClaim[] = [claim('a', 3, 0), { partition: 0, epoch: 3, ownerId: 'a', kind: 'release', atMs: 1_000, untilMs: 1_000, extendsUntilMs: 0 }];
    expect(partitionState(0, rows, 1_000, 0)).toEqual({ state: 'free', partition: 0, lastEpoch: 3 });
    expect(partitionState(0, rows, 999, 0)).toMatchObject({ state: 'held', ownerId: 'a' });
    expect(partitionState(0, [], 0, 0)).toEqual({ state: 'free', partition: 0, lastEpoch: 0 });
  });
});

describe('partition assignment', () => {
  it('a device always falls in the same partition, and a fleet spreads evenly', () => {
    expect(devicePartition('car-17', 64)).toBe(devicePartition('car-17', 64));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[devicePartition(`car-${i}`, 16)]!++;
    // 1,000 a partition expected; a hash that clumped would leave some far off.
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1_150);
  });

  it('fair share: a newcomer gets room, a lone process takes everything, a balanced cluster moves nothing', () => {
    const all = new Map(Array.from({ length: 16 }, (_, p) => [p, 'a'] as const));
    expect(fairShare({ ownerId: 'a', partitions: 16, owners: all, members: ['a', 'b'] })).toEqual({ want: [0, 1, 2, 3, 4, 5, 6, 7], release: [8, 9, 10, 11, 12, 13, 14, 15] });
    const half = new Map(Array.from({ length: 8 }, (_, p) => [p, 'a'] as const));
    expect(fairShare({ ownerId: 'b', partitions: 16, owners: half, members: ['a', 'b'] })).toEqual({ want: [8, 9, 10, 11, 12, 13, 14, 15], release: [] });
    expect(fairShare({ ownerId: 'b', partitions: 4, owners: new Map(), members: [] }).want).toEqual([0, 1, 2, 3]);
    const split = new Map(Array.from({ length: 16 }, (_, p) => [p, p < 8 ? 'a' : 'b'] as const));
    expect(fairShare({ ownerId: 'a', partitions: 16, owners: split, members: ['a', 'b'] })).toEqual({ want: [0, 1, 2, 3, 4, 5, 6, 7], release: [] });
    // Three processes over 16: at most 6 each.
    expect(fairShare({ ownerId: 'c', partitions: 16, owners: split, members: ['a', 'b', 'c'] }).want).toEqual([]);
    expect(fairShare({ ownerId: 'a', partitions: 16, owners: split, members: ['a', 'b', 'c'] }).release).toEqual([6, 7]);
  });
});
