import type { ClaimRequest, LeaseClaim } from '../../domain/leases/lease-holder.ts';

/** What one read of the lease log returns, all at the store's clock. */
export interface LeaseSnapshot {
  /** The store's time when it was read (ClickHouse: the server's `now()`). */
  nowMs: number;
  /** The rows the lease rules need (partitionState): every row of the latest epochs that decide. */
  rows: LeaseClaim[];
  /** Owners that announced themselves and whose presence has not run out. */
  members: string[];
}

/**
 * The lease log behind device ownership (src/pipeline/device-ownership.ts). A backend only
 * appends and reads rows; who holds what is decided by the pure rules in
 * src/domain/leases/lease-holder.ts, the same for every backend, at the store's clock. That is
 * what makes a store without transactions or compare-and-swap (ClickHouse 18.16) enough: see
 * docs/scale-out-leases.md.
 */
export interface LeaseStore {
  /**
   * How long after its insert a claim may be acted on: longer than an insert can take to become
   * visible to every reader. A single-process store (DuckDB: appends are visible when they
   * return, in order) needs 0.
   */
  readonly settleMs: number;
  /** Reads the log and the live members at the store's clock. */
  read(): Promise<LeaseSnapshot>;
  /**
   * Appends the rows, each stamped with the store's clock (`atMs`, `untilMs = atMs + ttlMs`),
   * and the owner's presence until the store's now + presenceMs (0: leaving).
   */
  append(ownerId: string, rows: readonly ClaimRequest[], presenceMs: number): Promise<void>;
  close(): Promise<void>;
}
