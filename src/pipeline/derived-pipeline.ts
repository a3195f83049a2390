import type { Detector } from '../domain/detect/detector.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';
import { detectDevice, maxLookbackMs, type DetectWindow, type DeviceDetection } from '../detect/detect-device.ts';
import { listUnfinishedWork, type DerivedWork, type WorkKey } from '../store/derived-work-repository.ts';
import { readSeriesOfDevices } from '../store/series-repository.ts';
import type { TouchedRange } from '../store/contract/ingest-batch.ts';
import type { StoreConnection, TelemetryStore } from '../store/telemetry-store.ts';
import { runDerivedCycle, type CycleResult, type CycleWork } from './derived-cycle.ts';
import { crashPoint } from './crash-point.ts';
import { DeviceTail } from './device-tail.ts';
import type { OwnershipView } from './ownership-view.ts';
import { OwnedWork, OwnershipLost } from './owned-work.ts';

/** Sets a one-shot timer; returns its cancel. Injectable so tests drive silence with their clock. */
export type SetTimer = (fire: () => void, delayMs: number) => () => void;

const realTimer: SetTimer = (fire, delayMs) => {
  const t = setTimeout(fire, Math.max(0, delayMs));
  t.unref();
  return () => clearTimeout(t);
};

export interface DerivedPipelineOptions {
  onError?: (err: unknown, deviceId: string) => void;
  onDetected?: (result: DeviceDetection) => void;
  /** Detectors with at most this lookback run on every live cycle (breakdowns); default 1 h. */
  fastLookbackMs?: number;
  /** Live: sessions and the other detectors run at most this often per device (wall time); default 30 s. */
  heavyIntervalMs?: number;
  /** Live: devices per slow cycle, so a slow cycle never holds up breakdowns for long; default 100. */
  heavyBatchSize?: number;
  /**
   * Live: devices judged together by one fast cycle; default 512. A bulk import touches every
   * device from its first row, and reading all of them at once would hold the whole file in memory.
   */
  fastBatchSize?: number;
  /** Wall clock for the throttle and for silence (`ctx.nowMs`); tests inject theirs. */
  clock?: () => number;
  /** Timer for silence wake-ups and deferred slow work (tests inject one driven by their clock). */
  setTimer?: SetTimer;
  /** Keep each device's recent rows in memory between fast cycles (default true). */
  tails?: boolean;
  /**
   * Several processes on one store: only devices this process owns are worked on here. Work for
   * the others stays in `derived_work` for their owner, who finds it by looking every `pollMs`.
   */
  ownership?: OwnershipView;
  /** With ownership: how often derived_work is read for owned work that other processes recorded (default 1 s). */
  pollMs?: number;
}


interface Pending {
  fromMs: number;
  keys: WorkKey[];
  /** Touched ranges since the last fast cycle: whether the tail already holds them is checked then. */
  ranges: number[];
}

const merge = (map: Map<string, Pending>, deviceId: string, fromMs: number, keys: readonly WorkKey[], ranges: readonly number[]) => {
  const p = map.get(deviceId);
  if (p) {
    p.fromMs = Math.min(p.fromMs, fromMs);
    p.keys.push(...keys);
    p.ranges.push(...ranges);
  } else {
    map.set(deviceId, { fromMs, keys: [...keys], ranges: [...ranges] });
  }
};

/**
 * The one durable pipeline behind every commit: what a commit touched is recorded in
 * `derived_work` in the commit's own transaction (StagedIngest), and worked off here:
 *   schedule (or resume at start) → fast cycle: breakdown-class detectors on every device
 *   touched, from its in-memory tail (reads only what arrived), events written and the work marked
 *   judged in one transaction → slow cycle, throttled per device: one read, segmentation once,
 *   the long look-back detectors, sessions and events written and the work deleted in one
 *   transaction → listeners (the alert engine) told when events changed.
 * A device is one worker: its cycles and explicit runs are serialised, so a batch run and a live
 * run never replace the same window at once, and both give the same events. A detector that
 * judges silence (`wakeAtMs`) is re-run from a timer with `ctx.nowMs = clock()`. Nothing polls:
 * with no data and no silence to judge, no timer is armed.
 */
const fastKey = (deviceId: string) => `fast\u0000${deviceId}`;
const slowKey = (deviceId: string) => `slow\u0000${deviceId}`;

/** A unit's rows reach us within this of being recorded when it reports live (modem buffering, retries). */
const LIVE_DELAY_MS = 5 * 60_000;

export class DerivedPipeline {
  readonly detectors: readonly Detector[];
  private readonly store: TelemetryStore;
  private readonly fast: readonly Detector[];
  private readonly heavy: readonly Detector[];
  private readonly pending = new Map<string, Pending>();
  /** Devices whose slow stage (sessions, heavy detectors) is owed, with the earliest new row since it last ran. */
  private readonly slowPending = new Map<string, Pending>();
  private readonly slowRunAtMs = new Map<string, number>();
  private readonly tails = new Map<string, DeviceTail>();
  private readonly wakes = new Map<string, { atMs: number; lastTsMs: number }>();
  /** When each device last delivered rows (wall clock), so its silence counts from then (silenceNowMs). */
  private readonly heardAtMs = new Map<string, number>();
  private cancelSlowTimer: (() => void) | undefined;
  private cancelWakeTimer: (() => void) | undefined;
  private flushing = 0;
  private closed = false;
  private running: Promise<void> | undefined;
  /** The slow stage's own loop: a slow cycle (a long read, heavy detectors, sessions) never holds up the fast one. */
  private slowRunning: Promise<void> | undefined;
  /** The tail of each device's work, so explicit runs queue behind live ones. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly changeListeners = new Set<() => void>();
  private readonly options: DerivedPipelineOptions;
  private readonly clock: () => number;
  private readonly setTimer: SetTimer;
  /** With ownership: the owned devices' durable work, looked for on gains and every pollMs. */
  private readonly owned: OwnedWork | undefined;

  constructor(store: TelemetryStore, detectors: readonly Detector[], options: DerivedPipelineOptions = {}) {
    this.store = store;
    this.detectors = detectors;
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.setTimer = options.setTimer ?? realTimer;
    const fastLookbackMs = options.fastLookbackMs ?? 3_600_000;
    this.fast = detectors.filter((d) => d.lookbackMs <= fastLookbackMs);
    this.heavy = detectors.filter((d) => d.lookbackMs > fastLookbackMs);
    this.owned = options.ownership && new OwnedWork(store, options.ownership, {
      pollMs: options.pollMs ?? 1_000, setTimer: this.setTimer, onError: (err) => this.options.onError?.(err, '*'),
      take: (work) => this.take(work),
      // What is held in memory for devices gone elsewhere is dropped; their work rows stay for the new owner.
      drop: (gone) => {
        for (const map of [this.pending, this.slowPending, this.tails, this.wakes, this.heardAtMs, this.slowRunAtMs] as Map<string, unknown>[]) {
          for (const deviceId of [...map.keys()]) if (gone(deviceId)) map.delete(deviceId);
        }
      },
    });
  }

  get lookbackMs(): number {
    return maxLookbackMs(this.detectors);
  }

  /** Stored events changed (after the commit): the alert engine scans at once. */
  onEventsChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Live: called with what an ingest commit touched (its work rows are already recorded). */
  schedule(touched: readonly TouchedRange[]): void {
    if (this.closed) return;
    const heardAtMs = this.clock();
    for (const t of touched) {
      // Another process owns it: its work row waits in derived_work for that owner.
      if (this.owned && !this.owned.owns(t.deviceId)) continue;
      this.heardAtMs.set(t.deviceId, heardAtMs);
      const keys = t.batchId ? [{ batchId: t.batchId, deviceId: t.deviceId }] : [];
      this.owned?.remember(keys);
      merge(this.pending, t.deviceId, t.fromMs, keys, [t.fromMs]);
    }
    this.kick();
  }

  /**
   * At start: everything recorded and not finished before a crash or kill is worked off again.
   * With ownership, only the owned devices' work, and again whenever partitions are gained (the
   * previous owner's unfinished work) and every pollMs (work other processes' ingests recorded).
   */
  async resume(): Promise<number> {
    if (this.owned) return this.owned.start();
    const work = await this.store.withConnection(listUnfinishedWork);
    this.take(work);
    return work.length;
  }

  private take(work: readonly DerivedWork[]): void {
    for (const w of work) {
      // Its rows arrived when the work was recorded: silence counts from then (silenceNowMs).
      this.heardAtMs.set(w.deviceId, Math.max(this.heardAtMs.get(w.deviceId) ?? -Infinity, w.recordedAtMs));
      const key = [{ batchId: w.batchId, deviceId: w.deviceId }];
      if (w.fastDone) merge(this.slowPending, w.deviceId, w.fromMs, key, []);
      else merge(this.pending, w.deviceId, w.fromMs, key, [w.fromMs]);
    }
    if (work.length > 0) this.kick();
  }

  /** Batch: one device and window, queued behind any work already under way for that device. */
  async detect(deviceId: string, window: DetectWindow): Promise<DeviceDetection> {
    const result = await this.serialise([fastKey(deviceId), slowKey(deviceId)], () => detectDevice(this.store, deviceId, { ...window, nowMs: window.nowMs ?? this.clock() }, this.detectors));
    this.reportChanges([result]);
    return result;
  }

  /** Resolves once the live cycles under way are done, leaving throttled slow work deferred (tests). */
  async settled(): Promise<void> {
    while (this.running || this.slowRunning) await Promise.all([this.running, this.slowRunning]);
  }

  /** Resolves once everything scheduled so far is done, the slow stage included (tests, shutdown, the CLI). */
  async idle(): Promise<void> {
    this.flushing++;
    try {
      while (this.running || this.slowRunning || this.queues.size > 0 || this.pending.size > 0 || this.slowPending.size > 0) {
        if (!this.running && this.pending.size > 0) this.kick();
        if (!this.slowRunning && this.slowPending.size > 0) this.kickSlow();
        await Promise.all([this.running, this.slowRunning]);
        await Promise.allSettled([...this.queues.values()]);
      }
    } finally {
      this.flushing--;
    }
  }

  /** Stops the timers; work not done stays recorded and is resumed at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelSlowTimer?.();
    this.cancelWakeTimer?.();
    await this.owned?.close();
    await this.settled();
  }

  private kick(): void {
    if (this.closed && this.flushing === 0) return;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0) this.kick();
      this.kickSlow();
    });
  }

  /** Runs the slow stage's loop when slow work is due; otherwise arms the timer for the first deferred run. */
  private kickSlow(): void {
    if (this.closed && this.flushing === 0) return;
    if (this.slowRunning) return;
    this.cancelSlowTimer?.();
    this.cancelSlowTimer = undefined;
    this.slowRunning = this.drainSlow().finally(() => {
      this.slowRunning = undefined;
      if (this.flushing > 0 && this.slowPending.size > 0) this.kickSlow();
      else this.armSlowTimer();
    });
  }

  /**
   * Work is queued per device and stage (keys from fastKey / slowKey): a cycle waits only for
   * earlier work of the same devices that writes what it writes, so a fast cycle never waits for a
   * slow one (they replace different detectors' windows and settle different work rows).
   */
  private serialise<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const previous = Promise.allSettled(keys.map((id) => this.queues.get(id) ?? Promise.resolve()));
    const next = previous.then(work);
    const tail = next.catch(() => undefined);
    for (const id of keys) this.queues.set(id, tail);
    void tail.then(() => {
      for (const id of keys) if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return next;
  }

  /** The queue keys of a cycle's work: the fast key when it runs fast detectors, the slow key for heavy ones or sessions. */
  private keysOf(work: readonly CycleWork[]): string[] {
    const keys: string[] = [];
    for (const w of work) {
      if (w.detectors.some((d) => this.fast.includes(d))) keys.push(fastKey(w.deviceId));
      if (w.sessions || w.detectors.some((d) => this.heavy.includes(d))) keys.push(slowKey(w.deviceId));
      if (w.detectors.length === 0 && !w.sessions) keys.push(fastKey(w.deviceId));
    }
    return keys;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const fresh = [...this.pending];
      this.pending.clear();
      const size = this.options.fastBatchSize ?? 512;
      // While someone awaits idle() (a bulk import, the CLI), devices whose slow stage is due anyway
      // are judged by every detector in one cycle: one read, one segmentation. Live, the fast stage
      // runs alone and the slow one in its own loop (kickSlow), so breakdowns never wait for it.
      const combined = this.flushing > 0 ? this.takeCombined(fresh) : [];
      if (combined.length > 0) {
        await crashPoint('pipeline:before-fast');
        await this.runCycle(combined, 'slow');
      }
      for (let i = 0; i < fresh.length; i += size) {
        const slice = fresh.slice(i, i + size);
        await crashPoint('pipeline:before-fast');
        if (this.fast.length > 0) {
          const work = slice.map(([deviceId, p]): CycleWork => ({ deviceId, newRowsFromMs: p.fromMs, detectors: this.fast, sessions: false, keys: p.keys }));
          const ranges = new Map(slice.map(([deviceId, p]) => [deviceId, p.ranges]));
          const done = await this.runCycle(work, 'fast', ranges);
          for (const [deviceId, p] of slice) if (done.has(deviceId)) merge(this.slowPending, deviceId, p.fromMs, p.keys, []);
        } else {
          for (const [deviceId, p] of slice) merge(this.slowPending, deviceId, p.fromMs, p.keys, []);
        }
        this.kickSlow();
      }
      if (fresh.length === 0 && combined.length === 0) return;
    }
  }

  /** The slow stage's loop: slow cycles while devices are due (heavyBatchSize at a time). */
  private async drainSlow(): Promise<void> {
    for (;;) {
      const due = this.dueSlow();
      if (due.length === 0) return;
      await this.runCycle(due, 'slow');
    }
  }

  /**
   * Takes out of `fresh` (at most heavyBatchSize of) the devices whose slow stage is due now, as
   * whole-pipeline work: every detector and the sessions, from the earliest row either stage owes.
   */
  private takeCombined(fresh: [string, Pending][]): CycleWork[] {
    const nowMs = this.clock();
    const interval = this.options.heavyIntervalMs ?? 30_000;
    const limit = this.options.heavyBatchSize ?? 100;
    const out: CycleWork[] = [];
    for (let i = 0; i < fresh.length && out.length < limit; ) {
      const [deviceId, p] = fresh[i]!;
      if (this.flushing === 0 && nowMs - (this.slowRunAtMs.get(deviceId) ?? -Infinity) < interval) {
        i++;
        continue;
      }
      fresh.splice(i, 1);
      const slow = this.slowPending.get(deviceId);
      this.slowPending.delete(deviceId);
      this.slowRunAtMs.set(deviceId, nowMs);
      out.push({ deviceId, newRowsFromMs: Math.min(p.fromMs, slow?.fromMs ?? Infinity), detectors: this.detectors, sessions: true, keys: [...p.keys, ...(slow?.keys ?? [])] });
    }
    return out;
  }

  /** Slow work whose device has waited its interval (or everything, while someone awaits idle()). */
  private dueSlow(): CycleWork[] {
    const nowMs = this.clock();
    const interval = this.options.heavyIntervalMs ?? 30_000;
    const due: CycleWork[] = [];
    for (const [deviceId, p] of this.slowPending) {
      if (due.length >= (this.options.heavyBatchSize ?? 100)) break;
      if (this.flushing === 0 && nowMs - (this.slowRunAtMs.get(deviceId) ?? -Infinity) < interval) continue;
      due.push({ deviceId, newRowsFromMs: p.fromMs, detectors: this.heavy, sessions: true, keys: p.keys });
    }
    for (const w of due) {
      this.slowPending.delete(w.deviceId);
      this.slowRunAtMs.set(w.deviceId, nowMs);
    }
    return due;
  }

  /** Wakes the drain when the first deferred slow run comes due, so results converge without new data. */
  private armSlowTimer(): void {
    this.cancelSlowTimer?.();
    this.cancelSlowTimer = undefined;
    if (this.slowPending.size === 0 || this.closed) return;
    const interval = this.options.heavyIntervalMs ?? 30_000;
    let dueAtMs = Infinity;
    for (const deviceId of this.slowPending.keys()) dueAtMs = Math.min(dueAtMs, (this.slowRunAtMs.get(deviceId) ?? -Infinity) + interval);
    this.cancelSlowTimer = this.setTimer(() => {
      this.cancelSlowTimer = undefined;
      this.kickSlow();
    }, dueAtMs - this.clock());
  }

  /**
   * Silence is how long we have not heard from a device: a log uploaded long after it was recorded
   * has not been silent since its last row, only since it arrived. A device whose last row came
   * more than LIVE_DELAY_MS after it was recorded is a backlog: its silence is judged at its last
   * row plus the wall time since that commit. A live device (and one not heard since a restart, as
   * in a batch run) is judged at the clock.
   */
  private backlogMs(deviceId: string, lastTsMs: number): number {
    const heard = this.heardAtMs.get(deviceId);
    return heard !== undefined && heard - lastTsMs > LIVE_DELAY_MS ? heard - lastTsMs : 0;
  }

  private silenceNowMs(deviceId: string, lastTsMs: number, clockMs: number): number {
    return clockMs - this.backlogMs(deviceId, lastTsMs);
  }

  /** The wall time at which a device's data-time wake-up comes due. */
  private wakeClockMs(deviceId: string, wakeAtMs: number, lastTsMs: number): number {
    return wakeAtMs + this.backlogMs(deviceId, lastTsMs);
  }

  /** One timer for the earliest silence wake-up of any device; it re-judges the devices due. */
  private armWakeTimer(): void {
    this.cancelWakeTimer?.();
    this.cancelWakeTimer = undefined;
    if (this.wakes.size === 0 || this.closed) return;
    let atMs = Infinity;
    for (const w of this.wakes.values()) atMs = Math.min(atMs, w.atMs);
    this.cancelWakeTimer = this.setTimer(() => {
      this.cancelWakeTimer = undefined;
      const nowMs = this.clock();
      for (const [deviceId, w] of this.wakes) {
        if (w.atMs > nowMs) continue;
        this.wakes.delete(deviceId);
        // No new rows: the same window as the last judgement, judged again at the new time.
        merge(this.pending, deviceId, w.lastTsMs, [], []);
      }
      if (this.pending.size > 0) this.kick();
      else this.armWakeTimer();
    }, atMs - this.clock());
  }

  /** Runs a cycle; returns the devices whose work it committed. */
  private async runCycle(all: readonly CycleWork[], stage: 'fast' | 'slow', ranges?: Map<string, number[]>): Promise<Set<string>> {
    const done = new Set<string>();
    const own = this.owned;
    // A device whose partition went to another process while its work waited is that process's now.
    const work = own ? all.filter((w) => own.owns(w.deviceId)) : all;
    // Dropped work stays in derived_work: forgotten here, it is found again by the next look if still ours.
    if (own) for (const w of all) if (!work.includes(w)) own.forget(w.keys);
    if (work.length === 0) return done;
    // Checked again just before the cycle's transaction: a lease lost during the reads writes nothing.
    const fence = own ? (deviceIds: readonly string[]) => {
      if (deviceIds.some((id) => !own.owns(id))) throw new OwnershipLost('partition lease lost during the cycle');
    } : undefined;
    const readSeries = stage === 'fast' && this.options.tails !== false
      ? (conn: StoreConnection, reads: readonly { deviceId: string; fromMs: number }[]) => this.readFromTails(conn, reads, ranges ?? new Map())
      : undefined;
    const nowMs = this.clock();
    const silenceNowMs = (deviceId: string, lastTsMs: number) => this.silenceNowMs(deviceId, lastTsMs, nowMs);
    let results: CycleResult[];
    try {
      results = await this.serialise(this.keysOf(work), () => runDerivedCycle(this.store, work, { stage, nowMs, readSeries, silenceNowMs, fence }));
    } catch {
      // One device's bad data must not hold up the fleet: each alone, reporting its own error.
      results = [];
      for (const w of work) {
        this.tails.delete(w.deviceId);
        if (own && !own.owns(w.deviceId)) continue;
        try {
          results.push(...(await this.serialise(this.keysOf([w]), () => runDerivedCycle(this.store, [w], { stage, nowMs, silenceNowMs, fence }))));
        } catch (err) {
          if (err instanceof OwnershipLost) own?.forget(w.keys);
          else this.options.onError?.(err, w.deviceId);
        }
      }
    }
    if (own && stage === 'slow') for (const w of work) if (results.some((r) => r.deviceId === w.deviceId)) own.forget(w.keys);
    let wakesChanged = false;
    const judgedByFast = new Set(this.fast.length === 0 ? [] : work.filter((w) => w.detectors.includes(this.fast[0]!)).map((w) => w.deviceId));
    for (const r of results) {
      done.add(r.deviceId);
      this.options.onDetected?.(r);
      // A wake-up at or before the judgement's own time was already judged; only a later one is armed.
      const wakeClock = r.wakeAtMs !== undefined && r.lastTsMs !== undefined ? this.wakeClockMs(r.deviceId, r.wakeAtMs, r.lastTsMs) : undefined;
      if (wakeClock !== undefined && wakeClock > nowMs && r.lastTsMs !== undefined) {
        this.wakes.set(r.deviceId, { atMs: wakeClock, lastTsMs: r.lastTsMs });
        wakesChanged = true;
      } else if (judgedByFast.has(r.deviceId) && this.wakes.delete(r.deviceId)) {
        // A judgement by the every-cycle detectors that asks for no wake-up cancels the last one.
        wakesChanged = true;
      }
    }
    if (wakesChanged) this.armWakeTimer();
    this.reportChanges(results);
    return done;
  }

  /**
   * The fast cycle's series from each device's in-memory tail: only rows after the tail's last
   * one are read (one query for all devices); a device whose tail does not reach back far enough,
   * or that received rows older than its tail's end (an out-of-order upload), is read whole from
   * the store once and its tail rebuilt. Rows no window needs any more are dropped.
   */
  private async readFromTails(conn: StoreConnection, reads: readonly { deviceId: string; fromMs: number }[], ranges: Map<string, number[]>): Promise<Map<string, TelemetrySeries>> {
    const incremental: { deviceId: string; fromMs: number }[] = [];
    const whole: { deviceId: string; fromMs: number }[] = [];
    for (const r of reads) {
      const tail = this.tails.get(r.deviceId);
      if (tail && tail.coversFromMs <= r.fromMs) incremental.push({ deviceId: r.deviceId, fromMs: Math.floor(tail.lastTsMs) + 1 });
      else whole.push(r);
    }
    if (incremental.length > 0) {
      const fresh = await readSeriesOfDevices(conn, incremental);
      for (const { deviceId } of incremental) {
        const tail = this.tails.get(deviceId)!;
        tail.append(fresh.get(deviceId)!);
        // A committed range whose first row the tail lacks was older than the tail's end: reread.
        if ((ranges.get(deviceId) ?? []).some((fromMs) => fromMs >= tail.coversFromMs && !tail.has(fromMs))) {
          whole.push(reads.find((r) => r.deviceId === deviceId)!);
        }
      }
    }
    if (whole.length > 0) {
      const rows = await readSeriesOfDevices(conn, whole);
      for (const r of whole) this.tails.set(r.deviceId, new DeviceTail(rows.get(r.deviceId)!, r.fromMs));
    }
    const out = new Map<string, TelemetrySeries>();
    for (const r of reads) {
      const tail = this.tails.get(r.deviceId)!;
      tail.dropBefore(r.fromMs);
      out.set(r.deviceId, tail.seriesFrom(r.fromMs));
    }
    return out;
  }

  private reportChanges(results: readonly DeviceDetection[]): void {
    if (!results.some((r) => r.changes.created.length + r.changes.updated.length + r.changes.removed.length > 0)) return;
    for (const listener of this.changeListeners) listener();
  }
}
