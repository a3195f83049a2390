import type { ChartPanel } from './chart-panel.ts';

/** Where a panel sits in the stack and how big its plot area is: overlays place boxes in pixels. */
export interface PanelPlacement {
  panel: ChartPanel;
  isTop: boolean;
  plotWidthPx: number;
  plotHeightPx: number;
  xDomain: [number, number];
}

/** A layer drawn over (or under) every panel: period bands, event and place markers, call-outs. */
export interface ChartOverlay {
  datasets: Record<string, unknown[]>;
  layersFor: (placement: PanelPlacement) => Record<string, unknown>[];
}
