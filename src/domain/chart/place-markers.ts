import type { ChartPlace } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartXAxis } from './chart-x-axis.ts';
import { STRIP_FONT_PX, type PlaceAnchor, type PlacedPlaceLabel } from './place-label-layout.ts';

export interface PlaceRow {
  x: number;
  name: string;
  kind: ChartPlace['kind'];
}

/** The places inside the x range, left to right, on the shared axis. */
export function placeRows(places: readonly ChartPlace[], xAxis: ChartXAxis): PlaceRow[] {
  const [lo, hi] = xAxis.domain;
  return places
    .map((p) => ({ x: xAxis.toX(p.atMs), name: p.name, kind: p.kind }))
    .filter((r) => r.x >= lo && r.x <= hi)
    .sort((a, b) => a.x - b.x);
}

/** Where each place's rule is in the plot's pixels: what the strip's label layout starts from. */
export function placeAnchors(rows: readonly PlaceRow[], xDomain: [number, number], plotWidthPx: number): PlaceAnchor[] {
  const [x0, x1] = xDomain;
  return rows.map((r) => ({ xPx: ((r.x - x0) / (x1 - x0)) * plotWidthPx, name: r.name }));
}

const px = (field: string) => ({ field, type: 'quantitative', scale: null });

/**
 * Chargers and named stops: a dashed rule through the strip and every panel; in the strip, each
 * name (or the number of its note) where the label layout put it, on a white ground so a rule or a
 * band behind it does not cut the letters.
 */
export function placeMarkers(rows: readonly PlaceRow[], labels: readonly PlacedPlaceLabel[]): ChartOverlay {
  const labelRows = labels.map((l) => ({ left: l.box.left, right: l.box.right, top: l.box.top + 1, bottom: l.box.bottom - 1, tx: l.box.left, ty: l.yPx, text: l.text }));
  return {
    datasets: { places: [...rows], ...(labelRows.length ? { 'place-labels': labelRows } : {}) },
    layersFor: ({ isTop }) => {
      if (rows.length === 0) return [];
      const rule = { data: { name: 'places' }, mark: { type: 'rule', color: '#555555', strokeDash: [4, 3], strokeWidth: 1 } };
      if (!isTop || labelRows.length === 0) return [rule];
      const data = { name: 'place-labels' };
      return [
        rule,
        { data, mark: { type: 'rect', fill: 'white', opacity: 0.85 }, encoding: { x: px('left'), x2: { field: 'right' }, y: px('top'), y2: { field: 'bottom' } } },
        {
          name: 'place_label',
          data,
          mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: STRIP_FONT_PX, color: '#222222' },
          encoding: { x: px('tx'), y: px('ty'), text: { field: 'text' } },
        },
      ];
    },
  };
}
