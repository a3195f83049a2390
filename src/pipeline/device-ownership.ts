import { devicePartition, DEFAULT_PARTITIONS } from '../domain/leases/device-partition.ts';
import { fairShare } from '../domain/leases/fair-share.ts';
import { partitionState, roundClaims, type PartitionState } from '../domain/leases/lease-holder.ts';
import type { LeaseStore } from '../store/contract/lease-store.ts';
import type { SetTimer } from './derived-pipeline.ts';
import type { OwnershipChange, OwnershipView } from './ownership-view.ts';

export interface DeviceOwnershipOptions {
  /** This process's name in the lease log; unique per process (host, pid and a random part). */
  ownerId: string;
  /** Fixed for the life of a cluster: devices are hashed into this many partitions (default 64). */
  partitions?: number;
  /** How long a claim or renewal holds at the store's clock (default 6 s). */
  ttlMs?: number;
  /** How often the log is read, claims made and leases renewed (default 2 s). */
  renewEveryMs?: number;
  /**
   * Taken off every lease's remaining time as this process counts it (default 1 s): the store's
   * clock may be read with coarse resolution (ClickHouse 18.16's now() is in whole seconds).
   */
  marginMs?: number;
  /** The local clock, for how long a lease read earlier is still good (tests inject theirs). */
  clock?: () => number;
  setTimer?: SetTimer;
  onError?: (err: unknown) => void;
}

interface Held {
  epoch: number;
  /** Local clock: past this, the lease may have run out at the store and this process stops. */
  deadlineMs: number;
}

const realTimer: SetTimer = (fire, delayMs) => {
  const t = setTimeout(fire, Math.max(0, delayMs));
  t.unref();
  return () => clearTimeout(t);
};

/**
 * Which devices this process owns the derived work of. Each round:
 *   read the lease log (store clock) → the state of every partition (lease rules) → the fair
 *   share given the live members → append claims of free partitions, renewals of held ones,
 *   releases of the excess → owned = partitions settled in our name, each good until its lease's
 *   end as read minus the margin, counted on the local clock from before the read.
 * A lease counts from the read that showed it settled, so a claim is acted on only once every
 * competitor can see who won. Listeners hear of gained partitions (to resume their durable work)
 * and lost ones (to drop what they hold in memory). stop() releases everything so a successor
 * need not wait for expiry; a killed process's leases run out after ttlMs.
 */
export class DeviceOwnership implements OwnershipView {
  readonly ownerId: string;
  readonly partitions: number;
  private readonly store: LeaseStore;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly marginMs: number;
  private readonly clock: () => number;
  private readonly setTimer: SetTimer;
  private readonly onError: ((err: unknown) => void) | undefined;
  private readonly held = new Map<number, Held>();
  private readonly listeners = new Set<(change: OwnershipChange) => void>();
  private lastStates = new Map<number, PartitionState>();
  private cancelTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(store: LeaseStore, options: DeviceOwnershipOptions) {
    this.store = store;
    this.ownerId = options.ownerId;
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.ttlMs = options.ttlMs ?? 6_000;
    this.renewEveryMs = options.renewEveryMs ?? 2_000;
    this.marginMs = options.marginMs ?? 1_000;
    this.clock = options.clock ?? Date.now;
    this.setTimer = options.setTimer ?? realTimer;
    this.onError = options.onError;
    if (this.renewEveryMs + this.marginMs >= this.ttlMs) throw new Error(`lease ttlMs (${this.ttlMs}) must exceed renewEveryMs + marginMs (${this.renewEveryMs + this.marginMs})`);
  }

  onChange(listener: (change: OwnershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  partitionOf(deviceId: string): number {
    return devicePartition(deviceId, this.partitions);
  }

  /** Whether this process may do the device's derived work now (local view, no I/O). */
  owns(deviceId: string): boolean {
    return this.holdsPartition(this.partitionOf(deviceId));
  }

  holdsPartition(partition: number): boolean {
    const h = this.held.get(partition);
    return h !== undefined && this.clock() < h.deadlineMs;
  }

  /** The fencing token of a partition held now. */
  epochOf(partition: number): number | undefined {
    return this.holdsPartition(partition) ? this.held.get(partition)!.epoch : undefined;
  }

  /** Until when (local clock) a partition held now counts as ours unless a round renews it. */
  heldUntilMs(partition: number): number | undefined {
    return this.holdsPartition(partition) ? this.held.get(partition)!.deadlineMs : undefined;
  }

  ownedPartitions(): number[] {
    return [...this.held.keys()].filter((p) => this.holdsPartition(p)).sort((a, b) => a - b);
  }

  /**
   * Fencing before what cannot be undone (a webhook send): reads the log again and answers whether
   * the device's partition is still held by us, at the same epoch as in our view, at the store's clock.
   */
  async confirm(deviceId: string): Promise<boolean> {
    const partition = this.partitionOf(deviceId);
    const epoch = this.epochOf(partition);
    if (epoch === undefined) return false;
    const snap = await this.store.read();
    const s = partitionState(partition, snap.rows, snap.nowMs, this.store.settleMs);
    return s.state === 'held' && s.ownerId === this.ownerId && s.epoch === epoch;
  }

  /** First round now, then one every renewEveryMs. */
  async start(): Promise<void> {
    await this.round();
  }

  /** One round (the timer calls it; tests call it with their clock). Rounds never overlap. */
  round(): Promise<void> {
    this.running ??= this.roundOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async roundOnce(): Promise<void> {
    if (this.stopped) return;
    this.cancelTimer?.();
    let nextInMs = this.renewEveryMs;
    try {
      const localStartMs = this.clock();
      const snap = await this.store.read();
      const states = new Map<number, PartitionState>();
      const owners = new Map<number, string>();
      for (let p = 0; p < this.partitions; p++) {
        const s = partitionState(p, snap.rows, snap.nowMs, this.store.settleMs);
        states.set(p, s);
        if (s.state !== 'free') owners.set(p, s.ownerId);
      }
      this.lastStates = states;
      const share = fairShare({ ownerId: this.ownerId, partitions: this.partitions, owners, members: snap.members });
      const now = new Map<number, Held>();
      // A read that took long (a process paused mid-round) may already be past its own deadlines.
      const clockMs = this.clock();
      for (const p of share.want) {
        const s = states.get(p)!;
        const deadlineMs = localStartMs + (s.state === 'held' ? s.untilMs - snap.nowMs : 0) - this.marginMs;
        if (s.state === 'held' && s.ownerId === this.ownerId && deadlineMs > clockMs) now.set(p, { epoch: s.epoch, deadlineMs });
      }
      // What we give back stops here, before the release is written.
      this.apply(now);
      const rows = roundClaims(this.ownerId, share.want, share.release, states, this.ttlMs);
      await this.store.append(this.ownerId, rows, this.ttlMs);
      // A fresh claim is ours once it has settled: look again then rather than a whole round later.
      if (rows.some((r) => r.kind === 'claim')) nextInMs = Math.min(this.renewEveryMs, Math.max(this.store.settleMs, 50));
    } catch (err) {
      this.onError?.(err);
      // The store did not answer: keep only what is still good by our own clock.
      const now = new Map([...this.held].filter(([p]) => this.holdsPartition(p)));
      this.apply(now);
    }
    if (!this.stopped) this.cancelTimer = this.setTimer(() => void this.round(), nextInMs);
  }

  private apply(now: Map<number, Held>): void {
    // A lease whose deadline passed before this round renewed it was not ours for a while (a slow
    // round, a paused process): that is a loss and a new gain, so listeners drop what they held
    // and take the durable state again, as after any takeover.
    const clockMs = this.clock();
    const lapsed = new Set([...this.held].filter(([, h]) => clockMs >= h.deadlineMs).map(([p]) => p));
    const lost = [...this.held.keys()].filter((p) => !now.has(p) || lapsed.has(p));
    const gained = [...now.keys()].filter((p) => !this.held.has(p) || lapsed.has(p));
    this.held.clear();
    for (const [p, h] of now) this.held.set(p, h);
    if (lost.length === 0 && gained.length === 0) return;
    const change = { gained: gained.sort((a, b) => a - b), lost: lost.sort((a, b) => a - b) };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.onError?.(err);
      }
    }
  }

  /** Stops renewing and releases every lease (and claim) of ours, so a successor takes over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer?.();
    await this.running?.catch(() => undefined);
    this.apply(new Map());
    const mine = [...this.lastStates.values()].filter((s) => s.state !== 'free' && s.ownerId === this.ownerId).map((s) => s.partition);
    await this.store.append(this.ownerId, roundClaims(this.ownerId, [], mine, this.lastStates, 0), 0);
  }

  /** Stops without releasing, as a crash would (tests): the leases run out after ttlMs. */
  abandon(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.apply(new Map());
  }
}
