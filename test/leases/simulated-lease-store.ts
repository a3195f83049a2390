import type { ClaimRequest, LeaseClaim } from '../../src/domain/leases/lease-holder.ts';
import type { LeaseSnapshot, LeaseStore } from '../../src/store/contract/lease-store.ts';

/**
 * A lease log shared by simulated processes, as ClickHouse 18.16 behaves: the store's clock in
 * whole seconds, and an insert that becomes visible (and returns) some time after the store stamped it with now(). Every
 * read and append waits in `pending` until the test lets it happen, so a test chooses the
 * interleaving (and the clock) step by step.
 */
export class SimulatedLog {
  nowMs = 1_000_000;
  readonly rows: (LeaseClaim & { visibleAtMs: number })[] = [];
  readonly members: { ownerId: string; untilMs: number; visibleAtMs: number }[] = [];
  readonly pending: { run: () => void }[] = [];
  /** Inserts stamped and not yet visible: their INSERT returns when they become visible. */
  private readonly landing: { visibleAtMs: number; resolve: () => void }[] = [];
  /** The delay of the next inserts' visibility, chosen by the test. */
  nextDelayMs = 0;
  readonly resolutionMs: number;
  readonly settleMs: number;

  constructor(options: { resolutionMs: number; settleMs: number }) {
    this.resolutionMs = options.resolutionMs;
    this.settleMs = options.settleMs;
  }

  private storeNow(): number {
    return Math.floor(this.nowMs / this.resolutionMs) * this.resolutionMs;
  }

  view(): LeaseStore {
    return {
      settleMs: this.settleMs,
      read: () => new Promise<LeaseSnapshot>((resolve) => this.pending.push({ run: () => resolve(this.snapshot()) })),
      append: (ownerId: string, rows: readonly ClaimRequest[], presenceMs: number) => new Promise<void>((resolve) => this.pending.push({ run: () => {
        const atMs = this.storeNow();
        const visibleAtMs = this.nowMs + this.nextDelayMs;
        for (const r of rows) this.rows.push({ partition: r.partition, epoch: r.epoch, ownerId: r.ownerId, kind: r.kind, atMs, untilMs: atMs + r.ttlMs, extendsUntilMs: r.extendsUntilMs, visibleAtMs });
        this.members.push({ ownerId, untilMs: atMs + presenceMs, visibleAtMs });
        this.landing.push({ visibleAtMs, resolve });
        this.land();
      } })),
      close: async () => undefined,
    };
  }

  private snapshot(): LeaseSnapshot {
    const nowMs = this.storeNow();
    const rows = this.rows.filter((r) => r.visibleAtMs <= this.nowMs).map(({ visibleAtMs: _, ...r }) => r);
    const live = new Map<string, number>();
    for (const m of this.members) if (m.visibleAtMs <= this.nowMs) live.set(m.ownerId, Math.max(live.get(m.ownerId) ?? -Infinity, m.untilMs));
    return { nowMs, rows, members: [...live].filter(([, until]) => until > nowMs).map(([o]) => o).sort() };
  }

  /** Moves the clock on; inserts that became visible return. */
  advance(ms: number): void {
    this.nowMs += ms;
    this.land();
  }

  private land(): void {
    for (let i = this.landing.length - 1; i >= 0; i--) {
      if (this.landing[i]!.visibleAtMs > this.nowMs) continue;
      this.landing[i]!.resolve();
      this.landing.splice(i, 1);
    }
  }

  /** Lets the i-th waiting operation happen now. */
  step(i: number): void {
    if (this.pending.length === 0) return;
    const [op] = this.pending.splice(i % this.pending.length, 1);
    op!.run();
  }
}
