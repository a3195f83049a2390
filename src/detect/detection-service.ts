import type { Detector } from '../domain/detect/detector.ts';
import type { TouchedRange } from '../store/staged-ingest.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { detectDevice, maxLookbackMs, type DetectWindow, type DeviceDetection } from './detect-device.ts';

/**
 * Keeps every device's events current behind ingest, the way SessionMaintainer keeps its
 * sessions: touched ranges are coalesced per device (earliest new row wins) and worked off one
 * device at a time, right after the commit, so an event exists moments after the row that proves
 * it. Explicit runs (POST /v1/detect, the CLI) go through the same per-device queue, so a batch
 * run and a live run never replace the same window at once.
 */
export class DetectionService {
  readonly detectors: readonly Detector[];
  private readonly store: TelemetryStore;
  private readonly pending = new Map<string, number>();
  private running: Promise<void> | undefined;
  /** The tail of each device's work, so explicit runs queue behind live ones. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly onError: (err: unknown, deviceId: string) => void;
  private readonly onDetected: (result: DeviceDetection) => void;

  constructor(
    store: TelemetryStore,
    detectors: readonly Detector[],
    hooks: { onError?: (err: unknown, deviceId: string) => void; onDetected?: (result: DeviceDetection) => void } = {},
  ) {
    this.store = store;
    this.detectors = detectors;
    this.onError = hooks.onError ?? (() => undefined);
    this.onDetected = hooks.onDetected ?? (() => undefined);
  }

  get lookbackMs(): number {
    return maxLookbackMs(this.detectors);
  }

  /** Live: called with what an ingest commit touched. */
  schedule(touched: readonly TouchedRange[]): void {
    for (const t of touched) this.pending.set(t.deviceId, Math.min(this.pending.get(t.deviceId) ?? Infinity, t.fromMs));
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0) this.schedule([]);
    });
  }

  /** Batch: one device and window, queued behind any work already under way for that device. */
  detect(deviceId: string, window: DetectWindow): Promise<DeviceDetection> {
    return this.serialise(deviceId, () => detectDevice(this.store, deviceId, window, this.detectors));
  }

  /** Resolves once everything scheduled so far is done (tests, shutdown, the CLI). */
  async idle(): Promise<void> {
    while (this.running || this.tails.size > 0) {
      if (this.running) await this.running;
      await Promise.allSettled([...this.tails.values()]);
    }
  }

  private serialise<T>(deviceId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(deviceId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.tails.set(deviceId, tail);
    void tail.then(() => {
      if (this.tails.get(deviceId) === tail) this.tails.delete(deviceId);
    });
    return next;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const [deviceId, earliestMs] = this.pending.entries().next().value as [string, number];
      this.pending.delete(deviceId);
      try {
        const result = await this.detect(deviceId, { newRowsFromMs: earliestMs });
        this.onDetected(result);
      } catch (err) {
        this.onError(err, deviceId);
      }
    }
  }
}
