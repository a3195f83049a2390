import { carriedForward, latestValues } from '../domain/latest-values.ts';
import { emptySeries, type TelemetrySeries } from '../domain/telemetry-series.ts';
import { readLatestRow, readNeighbourTs } from '../store/replay-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { UnitSystem } from '../domain/replay/unit-system.ts';
import type { FrameRows, Mark } from './replay-protocol.ts';
import { SharedWindows, windowSizeMs } from './shared-windows.ts';
import { REPLAY_COLUMN_NAMES, rowsOf, type ReplaySource } from './replay-source.ts';

/** How far back a seek looks in the store for a channel silent since the start of the window. */
const BACKFILL_LOOKBACK_MS = 24 * 3600_000;

/** Limits concurrent store reads across all replays, so a thousand clients opening at once do not exhaust DuckDB's memory. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const gate = new Gate(4);

function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A replay read from the store a window at a time, so memory per client stays at two windows
 * whatever the range (a day, a week) and however many clients play. Windows come from a
 * `SharedWindows` on a fixed grid: clients on the same device and stretch of time read each one
 * once between them; the next window is fetched while the current one still plays.
 */
export class StoreReplaySource implements ReplaySource {
  readonly deviceId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly marks: readonly Mark[];
  readonly units: UnitSystem;
  readonly focus?: { eventId: string; startMs: number; endMs: number };
  private readonly store: TelemetryStore;
  private readonly windows: SharedWindows;
  private windowMs: number;
  /** Windows this source holds a reference on, by grid index. */
  private readonly held = new Map<number, { key: string; series: Promise<TelemetrySeries> }>();
  private readonly neverLogged = new Set<string>();

  constructor(
    store: TelemetryStore,
    deviceId: string,
    range: { startMs: number; endMs: number },
    marks: readonly Mark[],
    options: { windows?: SharedWindows; speed?: number; units?: UnitSystem; focus?: { eventId: string; startMs: number; endMs: number } } = {},
  ) {
    this.store = store;
    this.deviceId = deviceId;
    this.startMs = range.startMs;
    this.endMs = range.endMs;
    this.marks = [...marks].sort((a, b) => a.tMs - b.tMs);
    this.windows = options.windows ?? new SharedWindows(0);
    this.units = options.units ?? 'metric';
    if (options.focus) this.focus = options.focus;
    this.windowMs = windowSizeMs(options.speed ?? 1);
  }

  setSpeed(speed: number): void {
    const size = windowSizeMs(speed);
    if (size === this.windowMs) return;
    this.releaseAll();
    this.windowMs = size;
  }

  close(): void {
    this.releaseAll();
  }

  private releaseAll(): void {
    for (const w of this.held.values()) this.windows.release(w.key);
    this.held.clear();
  }

  private windowAt(index: number): Promise<TelemetrySeries> {
    let w = this.held.get(index);
    if (!w) {
      const fromMs = index * this.windowMs;
      const toMs = fromMs + this.windowMs;
      w = this.windows.acquire(this.deviceId, fromMs, toMs, () =>
        gate.run(() => this.store.withConnection((conn) => readSeries(conn, { deviceId: this.deviceId, fromMs, toMs }))),
      );
      this.held.set(index, w);
    }
    return w.series;
  }

  /** Keeps the windows from `first` on (and the one after `last`, prefetched), gives back the older ones. */
  private keepFrom(first: number, last: number, hiMs: number): void {
    for (const [index, w] of this.held) {
      if (index < first || index > last + 1) {
        this.windows.release(w.key);
        this.held.delete(index);
      }
    }
    // Most of the current window played: fetch the next one now, so no tick waits for the store.
    if (hiMs - last * this.windowMs > 0.6 * this.windowMs && (last + 1) * this.windowMs <= this.endMs) void this.windowAt(last + 1).catch(() => undefined);
  }

  async read(fromMs: number, toMs: number, inclusiveFrom: boolean): Promise<FrameRows> {
    // Millisecond timestamps: "after fromMs" is "from fromMs + 1".
    const lo = Math.max(this.startMs, inclusiveFrom ? fromMs : fromMs + 1);
    const hi = Math.min(this.endMs, toMs) + 1; // exclusive
    if (hi <= lo) return rowsOf(emptySeries(0), 0, 0);
    const first = Math.floor(lo / this.windowMs);
    const last = Math.floor((hi - 1) / this.windowMs);
    const parts: FrameRows[] = [];
    for (let index = first; index <= last; index++) {
      const series = await this.windowAt(index);
      parts.push(rowsOf(series, lowerBound(series.tsMs, lo), lowerBound(series.tsMs, hi)));
    }
    this.keepFrom(first, last, hi);
    if (parts.length === 1) return parts[0]!;
    const rows: FrameRows = {};
    for (const key of Object.keys(parts[0]!)) rows[key] = parts.flatMap((p) => p[key]!);
    return rows;
  }

  /**
   * Latest values at atMs from the window holding it (the same one the frames after a seek play
   * from); only a channel silent since the window's start costs a look further back in the store.
   */
  async backfill(atMs: number): Promise<Record<string, number | string | string[] | null>> {
    const index = Math.floor(atMs / this.windowMs);
    const series = await this.windowAt(index);
    this.keepFrom(index, index, atMs + 1);
    const values = latestValues(series, atMs, REPLAY_COLUMN_NAMES);
    if (values.ts === null) return this.backfillFromStore(atMs);
    const missing = Object.keys(values).filter((k) => values[k] === null && carriedForward(k) && !this.neverLogged.has(k));
    if (missing.length === 0) return values;
    const older = await this.backfillFromStore(atMs);
    for (const k of missing) {
      values[k] = older[k] ?? null;
      // A channel the device did not log in the last day is not looked for again on every seek.
      if (values[k] === null) this.neverLogged.add(k);
    }
    return values;
  }

  private async backfillFromStore(atMs: number): Promise<Record<string, number | string | string[] | null>> {
    const row = await gate.run(() => this.store.withConnection((conn) => readLatestRow(conn, this.deviceId, atMs, atMs - BACKFILL_LOOKBACK_MS, REPLAY_COLUMN_NAMES)));
    return latestValues(row, atMs, REPLAY_COLUMN_NAMES);
  }

  async neighbour(tMs: number, direction: 1 | -1): Promise<number | undefined> {
    return gate.run(() => this.store.withConnection((conn) => readNeighbourTs(conn, this.deviceId, tMs, direction, direction === 1 ? this.endMs : this.startMs)));
  }
}
