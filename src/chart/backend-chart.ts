import { buildChartSpec } from '../domain/chart/build-chart-spec.ts';
import { METRIC_UNITS } from '../domain/chart/chart-input.ts';
import { placeVisits } from '../domain/chart/place-visits.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import { seriesFromColumns } from '../store/series-from-columns.ts';
import { renderChart, type ChartFormat } from './render-chart.ts';

/**
 * A device range's stacked chart from any contract backend: series, sessions, events and
 * chargers read through the contract → the same spec builder and renderer as produceChart.
 * (Annotations' claim verdicts and feedback markers are drawn by the DuckDB path only.)
 */
export async function chartFromBackend(
  backend: StoreBackend,
  q: { deviceId: string; fromMs?: number | undefined; toMs?: number | undefined; format: ChartFormat; widthPx?: number; heightPx?: number },
): Promise<string | Buffer> {
  const series = seriesFromColumns(await backend.telemetry.readColumns({ deviceId: q.deviceId, fromMs: q.fromMs, toMs: q.toMs }));
  if (series.length === 0) throw new TelltaleError('NOT_FOUND', `no telemetry for '${q.deviceId}' in the range asked for`);
  const periods = await backend.sessions.list({ deviceId: q.deviceId, fromMs: q.fromMs, toMs: q.toMs });
  const events = await backend.events.list({ deviceId: q.deviceId, fromMs: q.fromMs, toMs: q.toMs });
  const chargers = await backend.chargers.list();
  const widthPx = q.widthPx ?? 900;
  const heightPx = q.heightPx ?? 600;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const spec = buildChartSpec(
    {
      deviceId: q.deviceId,
      series,
      periods: periods.map((p) => ({ kind: p.kind, startMs: p.startMs, endMs: p.endMs })),
      events: events.map((e) => ({ eventId: e.eventId, kind: e.kind, subkind: e.subkind, severity: e.severity, startMs: e.startMs, summary: e.summary })),
      places: placeVisits(series, chargers.map((c) => ({ name: c.name, lat: c.lat, lon: c.lon, kind: 'charger' as const }))),
      callouts: [],
    },
    { x: 'time', widthPx, heightPx, units: METRIC_UNITS, title: `${q.deviceId} · ${day(series.tsMs[0]!)} – ${day(series.tsMs[series.length - 1]!)} UTC` },
  );
  return renderChart(spec, { format: q.format, widthPx, heightPx });
}
