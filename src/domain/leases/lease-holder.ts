/**
 * The lease rules, as pure functions over an append-only log of claim rows: the same rules decide
 * who holds a partition in every backend, and the property test drives them with random
 * interleavings. Why a log: ClickHouse 18.16 has neither transactions nor compare-and-swap, only
 * inserts that become visible atomically on one node. So nobody updates a lease in place; each
 * process appends what it asks for and every reader applies these rules to what it sees, at the
 * store's clock (never a process's own).
 *
 * Mutual exclusion, in short (docs/scale-out-leases.md has the whole argument):
 * - A partition's lease is a sequence of epochs; only the highest epoch in the log counts, and a
 *   process claims epoch E+1 only after it saw epoch E over (expired or released) at the store's clock.
 * - Several claims of one epoch (processes that saw the same free partition) are settled by one
 *   deterministic rule: the earliest claim (`atMs`, the store's time of the insert), then the
 *   smallest owner id. Nobody may act on a claim before `settleMs` after it: by then every
 *   competing claim of the same epoch that could win has been written (inserts are visible well
 *   within that bound), so every reader names the same winner.
 * - The winner holds until its `untilMs`, moved on by renewals. A renewal counts only when it was
 *   written before the lease it extends ran out (`atMs < extendsUntilMs`): a renewal delayed past
 *   expiry cannot bring a lease back that someone else may already have claimed.
 * - The epoch is the fencing token: work carries it and re-checks it before what it cannot undo
 *   (a webhook send).
 */

export type ClaimKind = 'claim' | 'renew' | 'release';

/** One row of the lease log. */
export interface LeaseClaim {
  partition: number;
  epoch: number;
  ownerId: string;
  kind: ClaimKind;
  /** The store's time when the row was written. */
  atMs: number;
  /** claim/renew: until when the owner asks to hold; release: ignored. */
  untilMs: number;
  /** renew: the end of the lease as the owner last read it (what this row extends). */
  extendsUntilMs: number;
}

export type PartitionState =
  | { state: 'free'; partition: number; lastEpoch: number }
  /** Claimed, not yet settled: nobody works on it, nobody else claims it. */
  | { state: 'settling'; partition: number; epoch: number; ownerId: string; sinceMs: number; untilMs: number }
  | { state: 'held'; partition: number; epoch: number; ownerId: string; sinceMs: number; untilMs: number };

/** Before this long after its claim, a claim gives no right to work (see above). */
export const DEFAULT_SETTLE_MS = 2_000;

/** The state of one partition at the store's time `nowMs`, from the rows of that partition. */
export function partitionState(partition: number, rows: readonly LeaseClaim[], nowMs: number, settleMs = DEFAULT_SETTLE_MS): PartitionState {
  let epoch = 0;
  for (const r of rows) if (r.partition === partition && r.epoch > epoch) epoch = r.epoch;
  if (epoch === 0) return { state: 'free', partition, lastEpoch: 0 };
  const ofEpoch = rows.filter((r) => r.partition === partition && r.epoch === epoch);
  let winner: LeaseClaim | undefined;
  for (const r of ofEpoch) {
    if (r.kind !== 'claim') continue;
    if (!winner || r.atMs < winner.atMs || (r.atMs === winner.atMs && r.ownerId < winner.ownerId)) winner = r;
  }
  // Renewals without a claim of their epoch cannot happen from a correct owner: no lease.
  if (!winner) return { state: 'free', partition, lastEpoch: epoch };
  let untilMs = winner.untilMs;
  let releasedAtMs = Infinity;
  for (const r of ofEpoch) {
    if (r.ownerId !== winner.ownerId) continue;
    if (r.kind === 'renew' && r.atMs < r.extendsUntilMs && r.atMs >= winner.atMs) untilMs = Math.max(untilMs, r.untilMs);
    if (r.kind === 'release' && r.atMs >= winner.atMs) releasedAtMs = Math.min(releasedAtMs, r.atMs);
  }
  untilMs = Math.min(untilMs, releasedAtMs);
  if (nowMs >= untilMs) return { state: 'free', partition, lastEpoch: epoch };
  const sinceMs = winner.atMs + settleMs;
  return { state: nowMs < sinceMs ? 'settling' : 'held', partition, epoch, ownerId: winner.ownerId, sinceMs, untilMs };
}

/** A row as a process asks for it: the store stamps `atMs` with its clock and sets `untilMs = atMs + ttlMs`. */
export interface ClaimRequest {
  partition: number;
  epoch: number;
  ownerId: string;
  kind: ClaimKind;
  ttlMs: number;
  extendsUntilMs: number;
}

/**
 * The rows a process appends in one round: claims of the free partitions it wants, renewals of
 * the ones it holds (or is settling), releases of the ones it gives back.
 */
export function roundClaims(
  ownerId: string,
  want: readonly number[],
  release: readonly number[],
  states: ReadonlyMap<number, PartitionState>,
  ttlMs: number,
): ClaimRequest[] {
  const out: ClaimRequest[] = [];
  for (const p of want) {
    const s = states.get(p) ?? { state: 'free', partition: p, lastEpoch: 0 };
    if (s.state === 'free') out.push({ partition: p, epoch: s.lastEpoch + 1, ownerId, kind: 'claim', ttlMs, extendsUntilMs: 0 });
    else if (s.ownerId === ownerId) out.push({ partition: p, epoch: s.epoch, ownerId, kind: 'renew', ttlMs, extendsUntilMs: s.untilMs });
  }
  for (const p of release) {
    const s = states.get(p);
    if (s && s.state !== 'free' && s.ownerId === ownerId) out.push({ partition: p, epoch: s.epoch, ownerId, kind: 'release', ttlMs: 0, extendsUntilMs: 0 });
  }
  return out;
}
