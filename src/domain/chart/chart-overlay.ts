import type { ChartPanel } from './chart-panel.ts';

/** Where a view sits in the stack and how big its plot area is. `isTop`: the strip above the panels (or the first panel when there is no strip), which carries the labels, markers and legends. */
export interface PanelPlacement {
  /** Undefined for the strip. */
  panel: ChartPanel | undefined;
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
