import { emptyFrame, type TelemetryFrame } from './telemetry-frame.ts';

/**
 * One device's telemetry in time order, as columns (NaN = missing number, null = missing text).
 * Domain code (segmentation, detectors) works on this; the store fills it from DuckDB. It is the
 * telemetry frame (telemetry-frame.ts), whose fields are derived from the schema's column list.
 */
export type TelemetrySeries = TelemetryFrame;

export const emptySeries = emptyFrame;
