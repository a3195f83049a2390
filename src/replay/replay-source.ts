import { latestValues } from '../domain/latest-values.ts';
import { fieldOf } from '../domain/telemetry-frame.ts';
import type { NumberColumnName } from '../domain/telemetry-schema.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';
import type { UnitSystem } from '../domain/replay/unit-system.ts';
import type { FrameRows, Mark } from './replay-protocol.ts';

/** Columns a replay carries besides ts, state and error_codes, in the order `ready` lists them. */
const REPLAY_COLUMNS = ['speed_kph', 'soc_pct', 'range_km', 'battery_temp_c', 'outside_temp_c', 'cabin_setpoint_c', 'power_kw', 'odometer_km', 'lat', 'lon'] as const satisfies readonly NumberColumnName[];

/** Channels a replay carries, by wire name (the schema's column names) and frame field (derived from it). */
export const REPLAY_CHANNELS = REPLAY_COLUMNS.map((column) => [column, fieldOf(column)] as const);
export const REPLAY_COLUMN_NAMES: readonly NumberColumnName[] = REPLAY_COLUMNS;

/**
 * What a player reads from: samples in a time range (inclusive bounds), the latest value of each
 * channel at a moment, and the marks (session boundaries, events) to jump between.
 */
export interface ReplaySource {
  readonly deviceId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly marks: readonly Mark[];
  /** How the client should show values (from the device's region unless asked); metric when absent. */
  readonly units?: UnitSystem;
  /** The moment this replay is about, when opened on one. */
  readonly focus?: { eventId: string; startMs: number; endMs: number };
  /** Samples with fromMs < ts ≤ toMs (fromMs ≤ ts when inclusiveFrom), in time order. */
  read(fromMs: number, toMs: number, inclusiveFrom: boolean): Promise<FrameRows>;
  /** Latest value of every channel at or before atMs: what a player shows after a seek. */
  backfill(atMs: number): Promise<Record<string, number | string | string[] | null>>;
  /** Time of the first sample after (direction 1) or before (−1) tMs, if any. */
  neighbour(tMs: number, direction: 1 | -1): Promise<number | undefined>;
  /** The player's speed changed (a store-backed source sizes its read-ahead by it). */
  setSpeed?(speed: number): void;
  /** The player is gone: give back what is held. */
  close?(): void;
}

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

function upperBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const numberOrNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export function rowsOf(series: TelemetrySeries, from: number, to: number): FrameRows {
  const rows: FrameRows = { ts: Array.from(series.tsMs.subarray(from, to)) };
  for (const [name, field] of REPLAY_CHANNELS) rows[name] = Array.from(series[field].subarray(from, to), numberOrNull);
  rows.state = series.state.slice(from, to);
  rows.error_codes = series.errorCodes.slice(from, to).map((c) => (c ? [...c] : null));
  return rows;
}

/** A replay over a series held in memory (a session or a bounded range, loaded once). */
export class SeriesReplaySource implements ReplaySource {
  readonly deviceId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly marks: readonly Mark[];
  private readonly series: TelemetrySeries;

  constructor(deviceId: string, series: TelemetrySeries, marks: readonly Mark[] = [], range?: { startMs: number; endMs: number }) {
    this.deviceId = deviceId;
    this.series = series;
    this.marks = [...marks].sort((a, b) => a.tMs - b.tMs);
    this.startMs = range?.startMs ?? series.tsMs[0] ?? 0;
    this.endMs = range?.endMs ?? series.tsMs[series.length - 1] ?? 0;
  }

  async read(fromMs: number, toMs: number, inclusiveFrom: boolean): Promise<FrameRows> {
    const ts = this.series.tsMs;
    const from = inclusiveFrom ? lowerBound(ts, fromMs) : upperBound(ts, fromMs);
    return rowsOf(this.series, from, Math.max(from, upperBound(ts, toMs)));
  }

  async backfill(atMs: number): Promise<Record<string, number | string | string[] | null>> {
    return latestValues(this.series, atMs, REPLAY_COLUMN_NAMES);
  }

  async neighbour(tMs: number, direction: 1 | -1): Promise<number | undefined> {
    const ts = this.series.tsMs;
    const i = direction === 1 ? upperBound(ts, tMs) : lowerBound(ts, tMs) - 1;
    return i >= 0 && i < ts.length ? ts[i] : undefined;
  }
}
