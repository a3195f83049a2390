import { buildChartSpec, ChartInputError } from '../domain/chart/build-chart-spec.ts';
import { IMPERIAL_UNITS, METRIC_UNITS, type ChartXAxis } from '../domain/chart/chart-input.ts';
import { publicChartInput, PUBLIC_DEVICE_LABEL } from '../domain/chart/public-chart-input.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { ChartNotFoundError, loadChartData, type ChartDataQuery } from './load-chart-data.ts';
import { pixelBudgetExceeded } from '../domain/chart/pixel-budget.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { renderChart, type ChartFormat, type RenderOptions } from './render-chart.ts';

/** Where a spec becomes a picture: in this thread (the CLI) or in the server's worker pool. */
export type ChartRenderer = (spec: Record<string, unknown>, options: RenderOptions) => Promise<string | Buffer>;

export interface ChartRequest extends ChartDataQuery {
  format: ChartFormat;
  x?: ChartXAxis | undefined;
  widthPx?: number | undefined;
  heightPx?: number | undefined;
  units?: 'metric' | 'imperial' | undefined;
  power?: boolean | undefined;
  /** Fair to publish: no GPS, no place names or free text, t = 0 at the start, no device id (domain/chart/public-chart-input.ts). */
  public?: boolean | undefined;
  scale?: number | undefined;
}

export interface ProducedChart {
  body: string | Buffer;
  contentType: string;
}

export const CHART_CONTENT_TYPES: Record<ChartFormat, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  'vl.json': 'application/json',
};

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** The one path from a request to a picture, shared by the HTTP route and `telltale plot`: load → (public) → spec → render. */
export async function produceChart(store: TelemetryStore, request: ChartRequest, render: ChartRenderer = renderChart): Promise<ProducedChart> {
  // The budget is checked before anything is read: an oversized chart costs nothing.
  const tooBig = pixelBudgetExceeded(request.format, request.widthPx ?? 900, request.heightPx ?? 600, request.scale ?? 1);
  if (tooBig) throw new TelltaleError('TOO_MANY_PIXELS', tooBig);
  const loaded = await loadChartData(store, request);
  if (loaded.series.length === 0) throw new ChartNotFoundError(`no telemetry for '${request.deviceId}' in the range asked for`);
  const input = request.public ? publicChartInput(loaded) : loaded;
  const ts = loaded.series.tsMs;
  const title = request.public
    ? `${PUBLIC_DEVICE_LABEL} · ${((ts[ts.length - 1]! - ts[0]!) / 3_600_000).toFixed(1)} h`
    : `${request.deviceId} · ${day(ts[0]!)} – ${day(ts[ts.length - 1]!)} UTC`;
  const widthPx = request.widthPx ?? 900;
  const heightPx = request.heightPx ?? 600;
  let spec: Record<string, unknown>;
  try {
    spec = buildChartSpec(input, {
      x: request.x ?? 'time',
      widthPx,
      heightPx,
      units: request.units === 'imperial' ? IMPERIAL_UNITS : METRIC_UNITS,
      title,
      power: request.power,
      elapsedTime: request.public,
    });
  } catch (err) {
    if (err instanceof ChartInputError) throw Object.assign(err, { statusCode: 400, code: 'BAD_REQUEST' });
    throw err;
  }
  const body = await render(spec, { format: request.format, widthPx, heightPx, scale: request.scale });
  return { body, contentType: CHART_CONTENT_TYPES[request.format] };
}
