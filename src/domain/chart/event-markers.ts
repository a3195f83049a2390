import type { ChartEvent } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartXAxis } from './chart-x-axis.ts';
import { LEGEND_ROW_PX, PERIOD_LEGEND_WIDTH_PX } from './period-bands.ts';

const SEVERITIES = ['info', 'warning', 'critical'];
const SEVERITY_COLORS = ['#4c78a8', '#f0a30a', '#d62728'];
const LEGEND = { title: null, direction: 'horizontal' };

/**
 * Detected events: a rule through every panel and a marker in the strip's marker lane (its foot), coloured by severity.
 * The severity legend sits on the same row as the period legend, after it when there is one.
 */
export function eventMarkers(events: readonly ChartEvent[], xAxis: ChartXAxis, besidePeriodLegend: boolean): ChartOverlay {
  const [lo, hi] = xAxis.domain;
  const rows = events
    .map((e) => ({ x: xAxis.toX(e.startMs), severity: e.severity, label: `${e.kind}/${e.subkind}`, summary: e.summary }))
    .filter((r) => r.x >= lo && r.x <= hi);
  const color = (legend: unknown) => ({ field: 'severity', type: 'nominal', scale: { domain: SEVERITIES, range: SEVERITY_COLORS }, legend });
  return {
    datasets: { events: rows },
    layersFor: ({ isTop, plotHeightPx }) => {
      if (rows.length === 0) return [];
      const rule = { data: { name: 'events' }, mark: { type: 'rule', strokeWidth: 1, opacity: 0.8 }, encoding: { color: color(null) } };
      if (!isTop) return [rule];
      const marker = {
        data: { name: 'events' },
        mark: { type: 'point', shape: 'triangle-down', filled: true, size: 60, opacity: 1 },
        encoding: {
          y: { value: plotHeightPx - 6 },
          color: color({ ...LEGEND, orient: 'none', legendX: besidePeriodLegend ? PERIOD_LEGEND_WIDTH_PX : 0, legendY: -LEGEND_ROW_PX }),
          tooltip: [{ field: 'label' }, { field: 'summary' }],
        },
      };
      return [rule, marker];
    },
  };
}
