import type { ChartPeriod } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartXAxis } from './chart-x-axis.ts';

const KINDS = ['drive', 'charge', 'park', 'gap'] as const;
const COLORS = ['#edf3fa', '#d5efcf', '#ececec', '#f8d7d7'];
/** The legends' row above the top view: placed there explicitly (a 'top' legend would go above every other legend and take a row of its own). */
export const LEGEND_ROW_PX = 15;
/** Where a legend beside the period legend starts. */
export const PERIOD_LEGEND_WIDTH_PX = 210;

/**
 * Drive/charge/park/gap periods as background bands. A gap band marks where nothing was logged;
 * the lines themselves break there (null rows), they are never drawn across it. On a distance
 * axis a charge or a park has no width: the axis squeezes stops, as it should.
 */
export function periodBands(periods: readonly ChartPeriod[], xAxis: ChartXAxis): ChartOverlay {
  // A period that began before the range (or ends after it) is cut at the axis ends: a band
  // reaching thousands of pixels out is clipped anyway, and resvg aborts the whole process
  // (a Rust panic in geom.rs) on such a rect followed by a very thin one in the same clip.
  const [lo, hi] = xAxis.domain;
  const rows = periods
    .map((p) => ({ x: Math.max(lo, xAxis.toX(p.startMs)), x2: Math.min(hi, xAxis.toX(p.endMs)), kind: p.kind }))
    .filter((r) => r.x2 > r.x);
  return {
    datasets: { periods: rows },
    layersFor: ({ isTop }) =>
      rows.length === 0
        ? []
        : [
            {
              data: { name: 'periods' },
              mark: { type: 'rect', opacity: 0.7, clip: true },
              encoding: {
                x2: { field: 'x2' },
                fill: {
                  field: 'kind',
                  type: 'nominal',
                  scale: { domain: [...KINDS], range: COLORS },
                  legend: isTop ? { title: null, orient: 'none', legendX: 0, legendY: -LEGEND_ROW_PX, direction: 'horizontal' } : null,
                },
              },
            },
          ],
  };
}
