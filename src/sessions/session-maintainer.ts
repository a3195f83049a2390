import { segmentPeriods } from '../domain/segmentation/segment-periods.ts';
import { readSeries } from '../store/series-repository.ts';
import { replaceSessions, sessionAnchorMs } from '../store/session-repository.ts';
import type { TouchedRange } from '../store/staged-ingest.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * Recomputes a device's periods from a little before the earliest new row, so late and
 * out-of-order data land in the right place. Starting one stored period earlier gives the
 * smoothing rules (a stop between two drives, say) the same context a full recompute would have.
 *
 * It does not take the store's write lock: that would hold up every ingest commit behind a
 * segmentation. Work on one device is serialised by the SessionMaintainer, different devices
 * touch different rows, and rows committed meanwhile schedule another refresh.
 */
export async function refreshSessions(store: TelemetryStore, deviceId: string, fromMs: number): Promise<void> {
  await store.withConnection(async (conn) => {
    const anchor = await sessionAnchorMs(conn, deviceId, fromMs, 1);
    const series = await readSeries(conn, { deviceId, fromMs: anchor });
    await replaceSessions(conn, deviceId, anchor, segmentPeriods(series));
  });
}

/**
 * Keeps sessions up to date behind ingest: touched ranges are queued per device (coalesced to the
 * earliest time) and worked off one device at a time, so a burst of uploads costs one recompute
 * per device, and replies to uploads never wait for it.
 */
export class SessionMaintainer {
  private readonly store: TelemetryStore;
  private readonly pending = new Map<string, number>();
  private running: Promise<void> | undefined;
  private readonly onError: (err: unknown, deviceId: string) => void;

  constructor(store: TelemetryStore, onError: (err: unknown, deviceId: string) => void = () => undefined) {
    this.store = store;
    this.onError = onError;
  }

  schedule(touched: readonly TouchedRange[]): void {
    for (const t of touched) this.pending.set(t.deviceId, Math.min(this.pending.get(t.deviceId) ?? Infinity, t.fromMs));
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0) this.schedule([]);
    });
  }

  /** Resolves once everything scheduled so far is done (tests, shutdown, the CLI). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const [deviceId, fromMs] = this.pending.entries().next().value as [string, number];
      this.pending.delete(deviceId);
      try {
        await refreshSessions(this.store, deviceId, fromMs);
      } catch (err) {
        this.onError(err, deviceId);
      }
    }
  }
}
