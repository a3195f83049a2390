import { FRAME_CHANNELS, type NumberField as ChannelField } from '../domain/telemetry-frame.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';

type NumberField = 'tsMs' | ChannelField;
/** The frame's Float64Array columns: the time and every numeric channel of the schema. */
const NUMBER_FIELDS: readonly NumberField[] = ['tsMs', ...FRAME_CHANNELS.map((c) => c.field)];

/**
 * The recent rows of one device, kept in memory between live cycles so a cycle reads only what
 * arrived, not the whole look-back again. Rows are appended in time order and dropped from the
 * front once no window needs them; the columns are compacted when the dropped part outgrows the
 * live part, so appending costs O(1) amortised. `coversFromMs` is the earliest time from which
 * the tail holds every stored row (what a detector's window may rely on).
 */
export class DeviceTail {
  coversFromMs: number;
  private start = 0;
  private end = 0;
  private numbers: Record<NumberField, Float64Array>;
  private state: (string | null)[] = [];
  private errorCodes: (readonly string[] | null)[] = [];

  /** `rows` are every stored row of the device from `coversFromMs` on. */
  constructor(rows: TelemetrySeries, coversFromMs: number) {
    this.coversFromMs = coversFromMs;
    const capacity = Math.max(64, rows.length * 2);
    this.numbers = Object.fromEntries(NUMBER_FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<NumberField, Float64Array>;
    this.append(rows);
  }

  get length(): number {
    return this.end - this.start;
  }

  get lastTsMs(): number {
    return this.length === 0 ? -Infinity : this.numbers.tsMs[this.end - 1]!;
  }

  /** Whether a row at exactly `tsMs` is held (rows are unique per device and time). */
  has(tsMs: number): boolean {
    const i = this.indexAtOrAfter(tsMs);
    return i < this.end && this.numbers.tsMs[i] === tsMs;
  }

  /** Rows strictly after lastTsMs only; the caller checks order. */
  append(rows: TelemetrySeries): void {
    if (rows.length === 0) return;
    this.reserve(rows.length);
    for (const f of NUMBER_FIELDS) this.numbers[f].set(rows[f], this.end);
    for (let i = 0; i < rows.length; i++) {
      this.state[this.end + i] = rows.state[i] ?? null;
      this.errorCodes[this.end + i] = rows.errorCodes[i] ?? null;
    }
    this.end += rows.length;
  }

  /** Forget rows before `fromMs` (no window will start earlier again). */
  dropBefore(fromMs: number): void {
    if (fromMs <= this.coversFromMs) return;
    this.start = this.indexAtOrAfter(fromMs);
    this.coversFromMs = fromMs;
  }

  /** The rows from `fromMs` on as a series; shares the number buffers (detectors only read). */
  seriesFrom(fromMs: number): TelemetrySeries {
    const from = this.indexAtOrAfter(fromMs);
    const out = { length: this.end - from, state: this.state.slice(from, this.end), errorCodes: this.errorCodes.slice(from, this.end) } as TelemetrySeries;
    for (const f of NUMBER_FIELDS) out[f] = this.numbers[f].subarray(from, this.end);
    return out;
  }

  private indexAtOrAfter(tsMs: number): number {
    let lo = this.start;
    let hi = this.end;
    const ts = this.numbers.tsMs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < tsMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reserve(extra: number): void {
    const capacity = this.numbers.tsMs.length;
    if (this.end + extra <= capacity) return;
    const live = this.length;
    const next = Math.max(64, (live + extra) * 2);
    for (const f of NUMBER_FIELDS) {
      const grown = new Float64Array(next);
      grown.set(this.numbers[f].subarray(this.start, this.end));
      this.numbers[f] = grown;
    }
    this.state = this.state.slice(this.start, this.end);
    this.errorCodes = this.errorCodes.slice(this.start, this.end);
    this.start = 0;
    this.end = live;
  }
}
