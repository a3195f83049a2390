import { FRAME_CHANNELS, type TelemetryFrame } from '../domain/telemetry-frame.ts';
import type { TelemetryColumns } from './telemetry-repository.ts';

/** A whole-row column read (every column) as the domain's frame: what any backend's readColumns gives detection and charts. */
export function seriesFromColumns(cols: TelemetryColumns): TelemetryFrame {
  const frame = {
    length: cols.length,
    tsMs: cols.tsMs,
    state: cols.state ?? new Array<string | null>(cols.length).fill(null),
    errorCodes: cols.lists.error_codes ?? new Array<readonly string[] | null>(cols.length).fill(null),
  } as TelemetryFrame;
  for (const { column, field } of FRAME_CHANNELS) frame[field] = cols.numbers[column] ?? new Float64Array(cols.length).fill(Number.NaN);
  return frame;
}
