import { carriedForward, latestValues } from '../domain/latest-values.ts';
import { emptySeries, type TelemetrySeries } from '../domain/telemetry-series.ts';
import { readLatestRow, readNeighbourTs } from '../store/replay-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { FrameRows, Mark } from './replay-protocol.ts';
import { REPLAY_COLUMN_NAMES, rowsOf, type ReplaySource } from './replay-source.ts';

/** Data a replay holds at once: about ten minutes at 1 Hz, a few seconds of wall time at 100×. */
const WINDOW_MS = 10 * 60_000;
/** How far back a seek looks for the last value of a channel: first in the window it loads, then in the store. */
const BACKFILL_WINDOW_MS = 10 * 60_000;
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
 * A replay read from the store a window at a time, so memory per client stays at one window
 * whatever the range (a day, a week) and however many clients play.
 */
export class StoreReplaySource implements ReplaySource {
  readonly deviceId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly marks: readonly Mark[];
  private readonly store: TelemetryStore;
  private window: { fromMs: number; toMs: number; series: TelemetrySeries } | undefined;
  private readonly neverLogged = new Set<string>();

  constructor(store: TelemetryStore, deviceId: string, range: { startMs: number; endMs: number }, marks: readonly Mark[]) {
    this.store = store;
    this.deviceId = deviceId;
    this.startMs = range.startMs;
    this.endMs = range.endMs;
    this.marks = [...marks].sort((a, b) => a.tMs - b.tMs);
  }

  private async load(fromMs: number, toMs: number): Promise<void> {
    const series = await gate.run(() => this.store.withConnection((conn) => readSeries(conn, { deviceId: this.deviceId, fromMs, toMs })));
    this.window = { fromMs, toMs, series };
  }

  async read(fromMs: number, toMs: number, inclusiveFrom: boolean): Promise<FrameRows> {
    // Millisecond timestamps: "after fromMs" is "from fromMs + 1".
    const lo = Math.max(this.startMs, inclusiveFrom ? fromMs : fromMs + 1);
    const hi = Math.min(this.endMs, toMs) + 1; // exclusive
    if (hi <= lo) return rowsOf(emptySeries(0), 0, 0);
    if (!this.window || lo < this.window.fromMs || hi > this.window.toMs) {
      await this.load(lo, Math.min(this.endMs + 1, Math.max(hi, lo + WINDOW_MS)));
    }
    const { series } = this.window!;
    return rowsOf(series, lowerBound(series.tsMs, lo), lowerBound(series.tsMs, hi));
  }

  /**
   * Latest values at atMs from a window that starts ten minutes earlier and runs on past atMs, so
   * the same read also serves the frames that follow the seek; only a channel silent for those ten
   * minutes costs a look further back.
   */
  async backfill(atMs: number): Promise<Record<string, number | string | string[] | null>> {
    const from = Math.max(this.startMs, atMs - BACKFILL_WINDOW_MS);
    if (!this.window || from < this.window.fromMs || atMs + 1 > this.window.toMs) {
      await this.load(from, Math.min(this.endMs + 1, Math.max(atMs + 1, from + WINDOW_MS + BACKFILL_WINDOW_MS)));
    }
    const values = latestValues(this.window!.series, atMs, REPLAY_COLUMN_NAMES);
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
