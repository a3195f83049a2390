import { afterEach, describe, expect, it } from 'vitest';
import { DeviceOwnership } from '../../src/pipeline/device-ownership.ts';
import { DuckDbLeaseStore } from '../../src/store/lease/duckdb-lease-store.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

let store: TelemetryStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('DuckDB lease store', () => {
  it('runs the same ownership rounds: split between two owners, released on stop, taken over after a crash', async () => {
    let nowMs = Date.parse('2026-12-02T00:00:00Z');
    store = await TelemetryStore.open(':memory:', { now: () => nowMs });
    const leases = new DuckDbLeaseStore(store);
    const make = (id: string) => new DeviceOwnership(leases, { ownerId: id, partitions: 8, clock: () => nowMs, setTimer: () => () => undefined });
    const a = make('a');
    await a.round();
    await a.round(); // settle 0: the claim counts from the next read
    expect(a.ownedPartitions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = make('b');
    const gained: number[] = [];
    b.onChange((c) => gained.push(...c.gained));
    await b.round();
    await a.round();
    await b.round();
    await b.round();
    expect(a.ownedPartitions()).toEqual([0, 1, 2, 3]);
    expect(b.ownedPartitions()).toEqual([4, 5, 6, 7]);
    expect(gained).toEqual([4, 5, 6, 7]);
    const epochBefore = a.epochOf(0)!;
    const ofA = Array.from({ length: 50 }, (_, i) => `car-${i}`).find((d) => a.partitionOf(d) < 4)!;
    const ofB = Array.from({ length: 50 }, (_, i) => `car-${i}`).find((d) => a.partitionOf(d) >= 4)!;
    expect(await a.confirm(ofA)).toBe(true);
    expect(await a.confirm(ofB)).toBe(false);
    expect(await b.confirm(ofB)).toBe(true);

    // a crashes: b takes a's partitions once they ran out (6 s), with higher fencing epochs.
    a.abandon();
    nowMs += 2_000;
    await b.round();
    expect(b.ownedPartitions()).toEqual([4, 5, 6, 7]);
    nowMs += 5_000;
    await b.round();
    await b.round();
    expect(b.ownedPartitions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(b.epochOf(0)).toBe(epochBefore + 1);

    // b stops cleanly: a newcomer needs no wait.
    await b.stop();
    const c = make('c');
    await c.round();
    await c.round();
    expect(c.ownedPartitions()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
