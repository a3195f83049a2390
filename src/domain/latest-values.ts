import { fieldOf, type NumberField } from './telemetry-frame.ts';
import type { NumberColumnName } from './telemetry-schema.ts';
import type { TelemetryFrame } from './telemetry-frame.ts';

/** What a player shows at a position: the schema's column names → value (null = nothing logged). */
export type LatestValues = Record<string, number | string | string[] | null>;

function lastIndexAtOrBefore(ts: Float64Array, atMs: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The back-fill at atMs, the one implementation: `ts` of the last row at or before it; each numeric
 * channel and `state` carried forward from their latest non-missing value (a logger that sends SoC
 * once a minute still shows one); `error_codes` are the last row's own — codes are a condition
 * of that moment, not a reading to carry forward — and null when that row has none, as in frames
 * (FrameRows.error_codes) and as for every other channel: null says "nothing logged", where []
 * would claim the vehicle reported an empty list.
 */
export function latestValues(frame: TelemetryFrame, atMs: number, columns: readonly NumberColumnName[]): LatestValues {
  const last = lastIndexAtOrBefore(frame.tsMs, atMs);
  const values: LatestValues = { ts: last >= 0 ? frame.tsMs[last]! : null };
  for (const column of columns) {
    const values64 = frame[fieldOf(column) as NumberField];
    let v: number | null = null;
    for (let i = last; i >= 0; i--) {
      if (!Number.isNaN(values64[i]!)) {
        v = values64[i]!;
        break;
      }
    }
    values[column] = v;
  }
  let state: string | null = null;
  for (let i = last; i >= 0 && state === null; i--) state = frame.state[i] ?? null;
  values.state = state;
  const codes = last >= 0 ? frame.errorCodes[last] : null;
  values.error_codes = codes ? [...codes] : null;
  return values;
}

/** Channels whose back-fill may come from further back than a window holds (error_codes never does: see latestValues). */
export function carriedForward(key: string): boolean {
  return key !== 'ts' && key !== 'error_codes';
}
