import { listUnfinishedWork, type DerivedWork, type WorkKey } from '../store/derived-work-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { SetTimer } from './derived-pipeline.ts';
import type { OwnershipChange, OwnershipView } from './ownership-view.ts';

export interface OwnedWorkOptions {
  pollMs: number;
  setTimer: SetTimer;
  /** Hand work over to the pipeline's queues. */
  take: (work: readonly DerivedWork[]) => void;
  /** Drop what the pipeline holds in memory for the devices `gone` says are no longer ours. */
  drop: (gone: (deviceId: string) => boolean) => void;
  onError: (err: unknown) => void;
}

/** Derived work for devices whose ownership moved away while it was under way: not written. */
export class OwnershipLost extends Error {}

const keyOf = (k: WorkKey) => `${k.batchId}\u0000${k.deviceId}`;

/**
 * The derived pipeline's side of device ownership: which durable work rows (derived_work) this
 * process has taken into memory, so that a look at the table adds only new ones. Work is looked
 * for when partitions are gained (the previous owner's unfinished work, from where its last
 * commit left it) and every pollMs (work recorded by other processes' ingests: nothing tells
 * this process of those). Work dropped in memory — a partition lost, a lease lapsed during a
 * cycle — is forgotten, so the next look finds it again if it is ours by then.
 */
export class OwnedWork {
  readonly ownership: OwnershipView;
  private readonly store: TelemetryStore;
  private readonly options: OwnedWorkOptions;
  private readonly known = new Set<string>();
  private readonly unsubscribe: () => void;
  private cancelPoll: (() => void) | undefined;
  private adopting: Promise<number> | undefined;
  private closed = false;

  constructor(store: TelemetryStore, ownership: OwnershipView, options: OwnedWorkOptions) {
    this.store = store;
    this.ownership = ownership;
    this.options = options;
    this.unsubscribe = ownership.onChange((change) => this.changed(change));
  }

  owns(deviceId: string): boolean {
    return this.ownership.owns(deviceId);
  }

  remember(keys: readonly WorkKey[]): void {
    for (const k of keys) this.known.add(keyOf(k));
  }

  forget(keys: readonly WorkKey[]): void {
    for (const k of keys) this.known.delete(keyOf(k));
  }

  /** The first look, then one every pollMs. */
  async start(): Promise<number> {
    const n = await this.adopt();
    this.armPoll();
    return n;
  }

  /** The unfinished work of owned devices not already in memory; one look at a time. */
  adopt(): Promise<number> {
    this.adopting ??= (async () => {
      const all = await this.store.withConnection(listUnfinishedWork);
      const fresh = all.filter((w) => this.ownership.owns(w.deviceId) && !this.known.has(keyOf(w)));
      if (this.closed) return 0;
      this.remember(fresh);
      this.options.take(fresh);
      return fresh.length;
    })().finally(() => {
      this.adopting = undefined;
    });
    return this.adopting;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelPoll?.();
    this.unsubscribe();
    await this.adopting?.catch(() => undefined);
  }

  private armPoll(): void {
    this.cancelPoll?.();
    if (this.closed) return;
    this.cancelPoll = this.options.setTimer(() => {
      void this.adopt().catch(this.options.onError).finally(() => this.armPoll());
    }, this.options.pollMs);
  }

  private changed(change: OwnershipChange): void {
    if (change.lost.length > 0) {
      const lost = new Set(change.lost);
      const gone = (deviceId: string) => lost.has(this.ownership.partitionOf(deviceId));
      this.options.drop(gone);
      for (const key of [...this.known]) if (gone(key.slice(key.indexOf('\u0000') + 1))) this.known.delete(key);
    }
    if (change.gained.length > 0 && !this.closed) void this.adopt().catch(this.options.onError);
  }
}
