import type { Period } from '../segmentation/period-stats.ts';
import type { NumberField, TelemetryFrame } from '../telemetry-frame.ts';

/**
 * What a chart is built from: plain data, no store. The loader (src/chart/load-chart-data.ts) fills
 * it from DuckDB; tests and the benchmark fill it by hand. Values are in schema units (km/h, °C,
 * km); the display units are chosen by the caller in ChartOptions and converted only here, at the
 * edge of the picture.
 */
export type ChartSeries = Pick<TelemetryFrame, 'length' | 'tsMs' | ChartChannel | 'odometerKm' | 'lat' | 'lon'>;

export type ChartPeriod = Pick<Period, 'kind' | 'startMs' | 'endMs'>;

export interface ChartEvent {
  eventId: string;
  kind: string;
  subkind: string;
  severity: 'info' | 'warning' | 'critical';
  startMs: number;
  summary: string;
}

/** A place the vehicle visited (a charger, a named stop), already matched to the time it was there. */
export interface ChartPlace {
  name: string;
  atMs: number;
  kind: 'charger' | 'stop';
}

/** The frame fields a chart can draw (fields of the telemetry frame, so named after the schema's columns). */
export type ChartChannel = Extract<NumberField, 'speedKph' | 'socPct' | 'rangeKm' | 'outsideTempC' | 'batteryTempC' | 'cabinSetpointC' | 'powerKw'>;

/** Boxed text with a leader line to the value of `channel` at `atMs`. */
export interface ChartCallout {
  atMs: number;
  channel: ChartChannel;
  text: string;
  /** The claim in words made from its fields only (describe-claim.ts): what a public chart shows instead of `text`. */
  publicText?: string | undefined;
  /** Verdict of a checked claim, shown in the box ('supported', 'refuted', …). */
  verdict?: string | undefined;
}

/** A customer's answer, ticket or review about the vehicle, at the time it came in. */
export interface ChartFeedback {
  tsMs: number;
  kind: string;
  score: number | null;
  channel: string | null;
  text: string | null;
}

export interface ChartInput {
  deviceId: string;
  series: ChartSeries;
  periods: readonly ChartPeriod[];
  events: readonly ChartEvent[];
  places: readonly ChartPlace[];
  callouts: readonly ChartCallout[];
  /** Feedback markers (optional: charts without feedback are drawn exactly as before). */
  feedback?: readonly ChartFeedback[];
}

export type ChartXAxis = 'time' | 'distance';

export interface DisplayUnits {
  speed: 'kph' | 'mph';
  temperature: 'c' | 'f';
  distance: 'km' | 'mi';
}

export interface ChartOptions {
  x: ChartXAxis;
  widthPx: number;
  /** Height of the whole chart; panels share it. */
  heightPx: number;
  units: DisplayUnits;
  title?: string | undefined;
  /** Draw the power panel (when the series has power). */
  power?: boolean | undefined;
  /** Shape-preserving reduction to about the pixel width (default on; off only for comparison). */
  reduce?: boolean | undefined;
  /** Time axis as hours since the first sample instead of UTC clock time (public exports). */
  elapsedTime?: boolean | undefined;
}

export const METRIC_UNITS: DisplayUnits = { speed: 'kph', temperature: 'c', distance: 'km' };
export const IMPERIAL_UNITS: DisplayUnits = { speed: 'mph', temperature: 'f', distance: 'mi' };
export const CHART_FONT = 'DejaVu Sans';
