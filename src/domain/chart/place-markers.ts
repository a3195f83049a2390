import type { ChartPlace } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartXAxis } from './chart-x-axis.ts';

/** Chargers and named stops: a dashed rule through every panel, named at the top (labels staggered so neighbours stay legible). */
export function placeMarkers(places: readonly ChartPlace[], xAxis: ChartXAxis): ChartOverlay {
  const [lo, hi] = xAxis.domain;
  const rows = places
    .map((p) => ({ x: xAxis.toX(p.atMs), name: p.name, kind: p.kind }))
    .filter((r) => r.x >= lo && r.x <= hi)
    .sort((a, b) => a.x - b.x)
    .map((r, k) => ({ ...r, labelY: 10 + (k % 2) * 12 }));
  return {
    datasets: { places: rows },
    layersFor: ({ isTop }) => {
      if (rows.length === 0) return [];
      const rule = { data: { name: 'places' }, mark: { type: 'rule', color: '#555555', strokeDash: [4, 3], strokeWidth: 1 } };
      if (!isTop) return [rule];
      const label = {
        data: { name: 'places' },
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10, color: '#222222' },
        encoding: { y: { field: 'labelY', type: 'quantitative', scale: null }, text: { field: 'name' } },
      };
      return [rule, label];
    },
  };
}
