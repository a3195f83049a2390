import type { Detector } from '../domain/detect/detector.ts';
import type { TouchedRange } from '../store/staged-ingest.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { detectDevice, maxLookbackMs, type DetectWindow, type DeviceDetection } from './detect-device.ts';
import { detectDevices, type LiveWork } from './detect-devices.ts';

export interface DetectionServiceOptions {
  onError?: (err: unknown, deviceId: string) => void;
  onDetected?: (result: DeviceDetection) => void;
  /** Detectors with at most this lookback run on every live cycle (breakdowns); default 1 h. */
  fastLookbackMs?: number;
  /** Live: the others run at most this often per device (wall time); default 30 s. */
  heavyIntervalMs?: number;
  /** Live: devices per heavy cycle, so a heavy cycle never holds up breakdowns for long; default 100. */
  heavyBatchSize?: number;
  /**
   * Live: devices read together by one fast cycle; default 512. A bulk import touches every
   * device from its first row, and reading all of them at once would hold the whole file in memory.
   */
  fastBatchSize?: number;
  /** Wall clock for the throttle (tests). */
  clock?: () => number;
}

/**
 * Keeps every device's events current behind ingest, the way SessionMaintainer keeps its
 * sessions: touched ranges are coalesced per device (earliest new row wins) and worked off in
 * cycles right after the commit. A cycle judges all pending devices together (detectDevices: a
 * handful of queries, not ~10 per device), first with the cheap short-lookback detectors — the
 * breakdowns alerts wait for — then, for at most `heavyBatchSize` devices whose turn has come,
 * the heavy ones (charge shortfall reads days of history, anomalies hours). Heavy work is
 * throttled per device and remembers its earliest new row, so it always runs after the last data
 * and results converge; `idle()` runs it at once. Explicit runs (POST /v1/detect, the CLI) queue
 * behind any cycle that holds the device, so a batch run and a live run never replace the same
 * window at once, and both give the same events.
 */
export class DetectionService {
  readonly detectors: readonly Detector[];
  private readonly store: TelemetryStore;
  private readonly fast: readonly Detector[];
  private readonly heavy: readonly Detector[];
  private readonly pending = new Map<string, number>();
  /** Devices whose heavy detectors still owe a run, with the earliest new row since the last one. */
  private readonly heavyPending = new Map<string, number>();
  private readonly heavyRunAtMs = new Map<string, number>();
  private heavyTimer: NodeJS.Timeout | undefined;
  private flushing = 0;
  private running: Promise<void> | undefined;
  /** The tail of each device's work, so explicit runs queue behind live ones. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly changeListeners = new Set<() => void>();
  private readonly options: DetectionServiceOptions;
  private readonly clock: () => number;

  constructor(store: TelemetryStore, detectors: readonly Detector[], options: DetectionServiceOptions = {}) {
    this.store = store;
    this.detectors = detectors;
    this.options = options;
    this.clock = options.clock ?? Date.now;
    const fastLookbackMs = options.fastLookbackMs ?? 3_600_000;
    this.fast = detectors.filter((d) => d.lookbackMs <= fastLookbackMs);
    this.heavy = detectors.filter((d) => d.lookbackMs > fastLookbackMs);
  }

  get lookbackMs(): number {
    return maxLookbackMs(this.detectors);
  }

  /** Stored events changed (after the commit): the alert engine scans at once instead of at its next poll. */
  onEventsChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Live: called with what an ingest commit touched. */
  schedule(touched: readonly TouchedRange[]): void {
    for (const t of touched) this.pending.set(t.deviceId, Math.min(this.pending.get(t.deviceId) ?? Infinity, t.fromMs));
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0 || (this.flushing > 0 && this.heavyPending.size > 0)) this.schedule([]);
      else this.armHeavyTimer();
    });
  }

  /** Batch: one device and window, queued behind any work already under way for that device. */
  async detect(deviceId: string, window: DetectWindow): Promise<DeviceDetection> {
    const result = await this.serialise([deviceId], () => detectDevice(this.store, deviceId, window, this.detectors));
    this.reportChanges([result]);
    return result;
  }

  /** Resolves once the live cycles under way are done, leaving throttled heavy work deferred (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Resolves once everything scheduled so far is done, heavy detectors included (tests, shutdown, the CLI). */
  async idle(): Promise<void> {
    this.flushing++;
    try {
      while (this.running || this.tails.size > 0 || this.pending.size > 0 || this.heavyPending.size > 0) {
        if (!this.running && (this.pending.size > 0 || this.heavyPending.size > 0)) this.schedule([]);
        if (this.running) await this.running;
        await Promise.allSettled([...this.tails.values()]);
      }
    } finally {
      this.flushing--;
    }
  }

  private serialise<T>(deviceIds: readonly string[], work: () => Promise<T>): Promise<T> {
    const previous = Promise.allSettled(deviceIds.map((id) => this.tails.get(id) ?? Promise.resolve()));
    const next = previous.then(work);
    const tail = next.catch(() => undefined);
    for (const id of deviceIds) this.tails.set(id, tail);
    void tail.then(() => {
      for (const id of deviceIds) if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return next;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const fresh = [...this.pending];
      this.pending.clear();
      if (this.heavy.length > 0) {
        for (const [deviceId, fromMs] of fresh) this.heavyPending.set(deviceId, Math.min(this.heavyPending.get(deviceId) ?? Infinity, fromMs));
      }
      const size = this.options.fastBatchSize ?? 512;
      for (let i = 0; this.fast.length > 0 && i < fresh.length; i += size) {
        await this.runCycle(fresh.slice(i, i + size).map(([deviceId, newRowsFromMs]) => ({ deviceId, newRowsFromMs, detectors: this.fast })));
      }
      const due = this.dueHeavy();
      if (due.length > 0) await this.runCycle(due);
      if (fresh.length === 0 && due.length === 0) return;
    }
  }

  /** Heavy work whose device has waited its interval (or everything, while someone awaits idle()). */
  private dueHeavy(): LiveWork[] {
    const nowMs = this.clock();
    const interval = this.options.heavyIntervalMs ?? 30_000;
    const due: LiveWork[] = [];
    for (const [deviceId, newRowsFromMs] of this.heavyPending) {
      if (due.length >= (this.options.heavyBatchSize ?? 100)) break;
      if (this.flushing === 0 && nowMs - (this.heavyRunAtMs.get(deviceId) ?? -Infinity) < interval) continue;
      due.push({ deviceId, newRowsFromMs, detectors: this.heavy });
    }
    for (const w of due) {
      this.heavyPending.delete(w.deviceId);
      this.heavyRunAtMs.set(w.deviceId, nowMs);
    }
    return due;
  }

  /** Wakes the drain when the first deferred heavy run comes due, so results converge without new data. */
  private armHeavyTimer(): void {
    clearTimeout(this.heavyTimer);
    this.heavyTimer = undefined;
    if (this.heavyPending.size === 0) return;
    const interval = this.options.heavyIntervalMs ?? 30_000;
    let dueAtMs = Infinity;
    for (const deviceId of this.heavyPending.keys()) dueAtMs = Math.min(dueAtMs, (this.heavyRunAtMs.get(deviceId) ?? -Infinity) + interval);
    this.heavyTimer = setTimeout(() => this.schedule([]), Math.max(0, dueAtMs - this.clock()));
    this.heavyTimer.unref();
  }

  private async runCycle(work: readonly LiveWork[]): Promise<void> {
    let results: DeviceDetection[];
    try {
      results = await this.serialise(work.map((w) => w.deviceId), () => detectDevices(this.store, work));
    } catch {
      // One device's bad data must not hold up the fleet: judge each alone, reporting its own error.
      results = [];
      for (const w of work) {
        try {
          results.push(await this.serialise([w.deviceId], () => detectDevice(this.store, w.deviceId, { newRowsFromMs: w.newRowsFromMs }, w.detectors)));
        } catch (err) {
          this.options.onError?.(err, w.deviceId);
        }
      }
    }
    for (const r of results) this.options.onDetected?.(r);
    this.reportChanges(results);
  }

  private reportChanges(results: readonly DeviceDetection[]): void {
    if (!results.some((r) => r.changes.created.length + r.changes.updated.length + r.changes.removed.length > 0)) return;
    for (const listener of this.changeListeners) listener();
  }
}
